"""Inbound calls and e-mails, how they match leads, and who may decide what to do with them. Pure rules: no I/O
here."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar, Literal, Self
from uuid import UUID

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.contacts import InvalidPhoneNumber, normalised_email, to_e164
from leadline.contracts.platform.errors import Conflict, Forbidden, RuleViolation

# A call as every PBX can say it: who called, how far it got, how it ended (the gateway's events speak the same words).
Direction = Literal["inbound", "outbound"]
CallPhase = Literal["ringing", "answered", "ended"]
Disposition = Literal["answered", "missed", "busy", "failed", "no-answer", "voicemail"]
ItemState = Literal["triage", "attached", "lead_requested", "ignored"]
CallState = ItemState
ReturnReason = Literal["lead_deleted", "lead_request_refused", "lead_request_cancelled", "detached"]
CallbackState = Literal["waiting", "called_back", "marked_done"]
# A request that came back unanswered may be sent again, for the same lead id: should the first one still
# create the lead, the item takes it (see TriageRepository.awaiting_lead) rather than a second lead appearing.
RETRYABLE: frozenset[ReturnReason] = frozenset({"lead_request_refused", "lead_request_cancelled"})

# phonenumbers' "unknown region": only a number written with its country code parses against it.
_NO_DEFAULT_REGION = "ZZ"


def normalised_number(number: str, region: str) -> str:
    """E.164 when the number can be read as one; otherwise as received, so nothing the PBX said is lost
    (withheld or internal numbers then simply match no lead)."""
    try:
        return to_e164(number, region)
    except InvalidPhoneNumber:
        return number


def is_e164(number: str) -> bool:
    """Whether the number is already E.164, as registration stores every number it could read."""
    try:
        return to_e164(number, _NO_DEFAULT_REGION) == number
    except InvalidPhoneNumber:
        return False


@dataclass(frozen=True)
class Returned:
    """Why an item is back in triage, and the lead it left: it was attached to a lead since deleted, or the lead
    it asked for was refused by the leads service or the request cancelled."""

    reason: ReturnReason
    lead_id: UUID
    detail: str
    at: datetime

    @property
    def retryable(self) -> bool:
        return self.reason in RETRYABLE


@dataclass(frozen=True)
class KnownLead:
    """What communications keeps of a lead (from the leads service's events) to match calls and e-mails."""

    lead_id: UUID
    phone: str | None
    closed: bool
    created_at: datetime
    email: str | None = None  # lower case, as the leads service stores it
    salesperson_id: str | None = None  # who, besides managers, may correct its attachments and write e-mails from it
    # The other phones and addresses it is known by: those of the leads merged into it.
    other_phones: frozenset[str] = frozenset()
    other_emails: frozenset[str] = frozenset()
    partner_id: UUID | None = None
    # Those of its partner's contact persons: they match the lead while it is open, like its own.
    partner_phones: frozenset[str] = frozenset()
    partner_emails: frozenset[str] = frozenset()

    @property
    def phones(self) -> frozenset[str]:
        """Every phone a call may come from to match the lead."""
        own = self.other_phones | ({self.phone} if self.phone else set())
        return own if self.closed else own | self.partner_phones

    @property
    def emails(self) -> frozenset[str]:
        """Every address an e-mail may come from to match the lead."""
        own = self.other_emails | ({self.email} if self.email else set())
        return own if self.closed else own | self.partner_emails

    def has_phone(self, phone: str) -> bool:
        return phone in self.phones

    def has_email(self, email: str) -> bool:
        return email in self.emails


@dataclass(frozen=True)
class Match:
    state: Literal["attached", "triage"]
    lead_id: UUID | None = None
    candidate_lead_ids: tuple[UUID, ...] = ()
    by_thread: bool = False


def match_contact(same_contact: Iterable[KnownLead]) -> Match:
    """Which of the leads sharing the caller's number (or the sender's address) an item belongs to."""
    same_contact = list(same_contact)
    open_leads = sorted(
        (lead for lead in same_contact if not lead.closed),
        key=lambda lead: lead.created_at,
        reverse=True,
    )
    if len(open_leads) == 1:
        return Match("attached", lead_id=open_leads[0].lead_id)
    if open_leads:
        # Spec: "when several open leads match equally, nothing is guessed". The number or address is
        # all we know of the sender, so every open lead with it is an equally good match; a person
        # picks one in triage, the candidates listed newest first.
        return Match("triage", candidate_lead_ids=tuple(lead.lead_id for lead in open_leads))
    if same_contact:
        # A returning customer whose leads are all closed: the latest one is the relationship.
        latest = max(same_contact, key=lambda lead: lead.created_at)
        return Match("attached", lead_id=latest.lead_id)
    return Match("triage")


def match_call(contact_number: str, known_leads: Iterable[KnownLead]) -> Match:
    """Which lead a call belongs to, judged only by the customer's (normalised) number: the caller's of an inbound
    call, the called one of an outbound call."""
    return match_contact(lead for lead in known_leads if lead.has_phone(contact_number))


def contact_of(direction: Direction, caller_number: str, called_number: str) -> str:
    """The customer's side of a call, as the PBX wrote it: who called in, or who was called."""
    return caller_number if direction == "inbound" else called_number


def match_email(
    thread: Iterable[str], thread_leads: Mapping[str, UUID], sender: str, known_leads: Iterable[KnownLead]
) -> Match:
    """Which lead an inbound e-mail belongs to. A reply into a thread whose e-mail is attached goes where that
    one went: the thread says more than the address, which a colleague's reply would not share.
    ``thread`` lists the ids it replies to, closest first; ``thread_leads`` the leads of those attached."""
    for message_id in thread:
        if message_id in thread_leads:
            return Match("attached", lead_id=thread_leads[message_id], by_thread=True)
    return match_contact(lead for lead in known_leads if lead.has_email(sender))


@dataclass(frozen=True, kw_only=True)
class TriageItem(ABC):
    """What calls and e-mails share: the triage state, the lead they belong to, who decided, and the rules of
    every decision (create a lead, attach, ignore and undo)."""

    kind: ClassVar[str]

    id: UUID
    state: ItemState
    lead_id: UUID | None = None
    candidate_lead_ids: tuple[UUID, ...] = ()
    decided_by: str | None = None
    decided_at: datetime | None = None
    version: int = 1
    requested_name: str | None = None  # of the lead asked for: what a retried request asks for again
    returned: Returned | None = None  # why it is back in triage, until a decision is made about it

    @property
    @abstractmethod
    def contact(self) -> str:
        """Who it came from, as leads are matched by: the caller's number, or the sender's address."""

    @property
    def awaits_lead(self) -> bool:
        """Still without a lead: in triage, or a lead was requested and not created yet."""
        return self.state in ("triage", "lead_requested")

    def with_lead_requested(self, lead_id: UUID, name: str, *, by: str, at: datetime) -> Self:
        """A person asks for a lead made from the item, with the id chosen for it. Back in triage after a request
        that went unanswered, the item asks for the lead of that request again (its id), so one lead comes of both."""
        self._ensure_in_triage()
        if self.returned is not None and self.returned.retryable:
            lead_id = self.returned.lead_id
        return replace(self._decided("lead_requested", lead_id, by=by, at=at), requested_name=name)

    def lead_request_retried(self, *, by: str, at: datetime) -> Self:
        """The lead asked for is asked for again, with the same id and name: a request still waiting (its answer
        lost, or dead-lettered by an older leads service), or one refused or cancelled, once the cause is mended."""
        if self.state == "lead_requested":
            return replace(self, decided_by=by, decided_at=at, version=self.version + 1)
        if self.state == "triage" and self.returned is not None and self.returned.retryable:
            assert self.requested_name is not None, "a lead was asked for, so with a name"
            return self.with_lead_requested(self.returned.lead_id, self.requested_name, by=by, at=at)
        raise Conflict(
            f"{self.kind} {self.id} has no lead request to retry (it is {self._state_text})",
            rule=f"{self.kind}_no_lead_request",
            field="state",
        )

    def lead_request_cancelled(self, *, by: str, at: datetime) -> Self:
        """A person gives up waiting for the lead asked for: the item is back in triage. Should the leads service
        still create that lead, the item takes it all the same (the request cannot be called back)."""
        if self.state != "lead_requested":
            raise Conflict(
                f"{self.kind} {self.id} is not waiting for a lead (it is {self._state_text})",
                rule=f"{self.kind}_no_lead_request",
                field="state",
            )
        return self.returned_to_triage("lead_request_cancelled", f"cancelled by {by}", at=at)

    def returned_to_triage(self, reason: ReturnReason, detail: str, *, at: datetime) -> Self:
        """Back in triage from the lead it was attached to (deleted) or asked for (refused, cancelled)."""
        assert self.lead_id is not None
        assert self.state in ("attached", "lead_requested")
        return replace(
            self,
            state="triage",
            lead_id=None,
            candidate_lead_ids=(),
            decided_by=None,
            decided_at=None,
            returned=Returned(reason, self.lead_id, detail, at),
            version=self.version + 1,
        )

    def attached_to(self, lead_id: UUID, *, by: str, at: datetime) -> Self:
        """A person chose the lead in triage."""
        self._ensure_in_triage()
        return self._decided("attached", lead_id, by=by, at=at)

    def matched_later(self, lead_id: UUID) -> Self:
        """A lead (or a thread) the item belongs to appeared after it: the match registration lacked."""
        self._ensure_in_triage()
        return replace(self, state="attached", lead_id=lead_id, returned=None, version=self.version + 1)

    def attached_to_created_lead(self, lead_id: UUID, *, by: str, at: datetime) -> Self:
        """The lead made from this item exists; whoever asked for it remains the one who decided."""
        return replace(
            self,
            state="attached",
            lead_id=lead_id,
            decided_by=self.decided_by or by,
            decided_at=self.decided_at or at,
            returned=None,
            version=self.version + 1,
        )

    def ignored(self, *, by: str, at: datetime) -> Self:
        """Not sales related: it leaves the Ready list, and can be put back."""
        self._ensure_in_triage()
        return replace(self, state="ignored", decided_by=by, decided_at=at, returned=None, version=self.version + 1)

    def unignored(self) -> Self:
        if self.state != "ignored":
            raise Conflict(
                f"{self.kind} {self.id} is not ignored (it is {self._state_text})",
                rule=f"{self.kind}_not_ignored",
                field="state",
            )
        return replace(self, state="triage", decided_by=None, decided_at=None, version=self.version + 1)

    def repointed(self, merged_lead_id: UUID, survivor_id: UUID) -> Self:
        """The lead was merged into another: the item follows it, whether attached to it or a candidate."""
        return replace(
            self,
            lead_id=survivor_id if self.lead_id == merged_lead_id else self.lead_id,
            candidate_lead_ids=tuple(
                dict.fromkeys(survivor_id if c == merged_lead_id else c for c in self.candidate_lead_ids)
            ),
            version=self.version + 1,
        )

    def without_candidate(self, deleted_lead_id: UUID) -> Self:
        """A deleted lead is no longer a choice in triage."""
        return replace(
            self,
            candidate_lead_ids=tuple(c for c in self.candidate_lead_ids if c != deleted_lead_id),
            version=self.version + 1,
        )

    @abstractmethod
    def may_be_handled_by(self, user: Principal, addresses: frozenset[str]) -> bool:
        """Whether a salesperson (not a manager) may decide about this item; ``addresses``: those whose e-mails are
        theirs to triage (their own, and the team's shared ones)."""

    @property
    def _state_text(self) -> str:
        return self.state.replace("_", " ")

    def _decided(self, state: ItemState, lead_id: UUID, *, by: str, at: datetime) -> Self:
        return replace(
            self,
            state=state,
            lead_id=lead_id,
            decided_by=by,
            decided_at=at,
            returned=None,
            version=self.version + 1,
        )

    def _ensure_in_triage(self) -> None:
        if self.state != "triage":
            raise Conflict(
                f"{self.kind} {self.id} was already decided (it is {self._state_text})",
                rule=f"{self.kind}_already_decided",
                field="state",
            )


@dataclass(frozen=True, kw_only=True)
class Call(TriageItem):
    kind: ClassVar[str] = "call"

    pbx_call_id: str
    caller_number: str
    called_number: str
    extension: str | None  # the extension it rang, or the one that answered it (domain.lifecycle)
    direction: Direction
    received_at: datetime  # when it started
    contact_number: str  # the customer's number: the caller's inbound, the called one outbound (E.164 if it can be)
    # The lifecycle as the PBX reported it (domain.lifecycle); phase None: its gateway says only that it arrived.
    phase: CallPhase | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: int | None = None
    disposition: Disposition | None = None
    recording_url: str | None = None
    recording_id: str | None = None
    # A missed inbound call waits for a call back; an answered call back to its number, or a person, clears it.
    callback_state: CallbackState | None = None
    callback_at: datetime | None = None
    callback_by: str | None = None
    callback_call_id: UUID | None = None

    @property
    def contact(self) -> str:
        return self.contact_number

    def with_lead_requested(self, lead_id: UUID, name: str, *, by: str, at: datetime) -> Self:
        self._ensure_in_triage()
        if not is_e164(self.contact_number):
            # The lead is created with the customer's number as its phone; the leads service would
            # refuse this one, leaving the call waiting for a lead that never comes.
            field = "caller_number" if self.direction == "inbound" else "called_number"
            raise RuleViolation(
                f"{self.contact_number!r} is not a phone number, so no lead can be created from this call",
                rule=f"{field}_not_a_phone",
                field=field,
            )
        return super().with_lead_requested(lead_id, name, by=by, at=at)

    def may_be_handled_by(self, user: Principal, addresses: frozenset[str]) -> bool:
        """A salesperson triages the calls that reached their own PBX extension, and those that reached none (a queue,
        an IVR: anyone of the team may take them up). ``user.extension`` is the directory's (domain.directory);
        ``addresses`` (the user's e-mail addresses) are an e-mail's business."""
        return self.extension is None or (user.extension is not None and self.extension == user.extension)

    def detached(self, *, by: str, at: datetime) -> Self:
        """Taken off the lead it was attached to, wrongly: back in triage for another decision."""
        self._ensure_attached()
        assert self.lead_id is not None
        returned = Returned("detached", self.lead_id, f"detached by {by}", at)
        return replace(
            self,
            state="triage",
            lead_id=None,
            candidate_lead_ids=(),
            decided_by=None,
            decided_at=None,
            returned=returned,
            version=self.version + 1,
        )

    def moved_to(self, lead_id: UUID, *, by: str, at: datetime) -> Self:
        """Taken off the lead it was attached to, wrongly, and attached to the right one: a person's decision."""
        self._ensure_attached()
        if lead_id == self.lead_id:
            raise Conflict(
                f"call {self.id} is attached to lead {lead_id} already", rule="call_already_there", field="lead_id"
            )
        return self._decided("attached", lead_id, by=by, at=at)

    def _ensure_attached(self) -> None:
        if self.state != "attached":
            raise Conflict(
                f"call {self.id} is not attached to a lead (it is {self._state_text})",
                rule="call_not_attached",
                field="state",
            )


@dataclass(frozen=True)
class Blob:
    """Bytes Leadline keeps in its blob store, named by their content: their SHA-256 (lower-case hex)."""

    sha256: str
    size: int


@dataclass(frozen=True)
class Addressee:
    """One address an e-mail is sent to, with its display name when the header has one."""

    address: str
    name: str | None = None


@dataclass(frozen=True)
class Attachment:
    """An attachment as its gateway keeps it: where (``url``), and its SHA-256 when Leadline's blob store has it."""

    file_name: str
    content_type: str
    size: int
    url: str
    sha256: str | None = None


@dataclass(frozen=True, kw_only=True)
class Email(TriageItem):
    kind: ClassVar[str] = "email"

    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    sender: str  # the From address, lower case
    sender_name: str | None
    to: tuple[Addressee, ...]
    cc: tuple[Addressee, ...]
    subject_line: str
    sent_at: datetime
    text_body: str | None
    html_body: str | None
    attachments: tuple[Attachment, ...]
    raw_message: Blob | None = None  # the message as received, when the blob store has it

    @property
    def contact(self) -> str:
        return self.sender

    @property
    def thread(self) -> tuple[str, ...]:
        """The message ids it replies to, closest first: In-Reply-To, then References newest first."""
        replied = (self.in_reply_to,) if self.in_reply_to else ()
        return tuple(dict.fromkeys((*replied, *reversed(self.references))))

    @property
    def recipients(self) -> frozenset[str]:
        """Every address it was sent to (To and Cc), lower case."""
        return frozenset(normalised_email(mailbox.address) for mailbox in (*self.to, *self.cc))

    def may_be_handled_by(self, user: Principal, addresses: frozenset[str]) -> bool:
        """A salesperson triages the e-mails addressed (To or Cc) to one of their addresses or a shared one."""
        return not addresses.isdisjoint(self.recipients)


def triage_addresses(own: Iterable[str | None], shared: Iterable[str]) -> frozenset[str]:
    """The addresses whose e-mails a salesperson triages: their own (the directory's, their token's) and the team's
    shared ones (sales@…), lower case."""
    return frozenset(normalised_email(address) for address in (*own, *shared) if address)


def ensure_may_handle(item: TriageItem, user: Principal, addresses: frozenset[str] = frozenset()) -> None:
    """A salesperson decides about their own calls and e-mails; a manager about every one."""
    if user.is_manager or item.may_be_handled_by(user, addresses):
        return
    if isinstance(item, Email):
        raise Forbidden(
            "a salesperson may handle only the e-mails addressed to them or to a shared address",
            rule="not_addressed_to_you",
            field="to",
        )
    raise Forbidden(
        "a salesperson may handle only the calls of their own extension",
        rule="not_your_extension",
        field="extension",
    )
