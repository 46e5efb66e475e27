"""Inbound calls, how they match leads, and who may decide what to do with them. Pure rules: no I/O here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from uuid import UUID

from leadline.contracts.auth import Principal
from leadline.contracts.errors import Conflict, Forbidden, RuleViolation
from leadline.contracts.phone import InvalidPhoneNumber, to_e164

CallState = Literal["triage", "attached", "lead_requested"]

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
class KnownLead:
    """What communications keeps of a lead (from the leads service's events) to match calls against."""

    lead_id: UUID
    phone: str | None
    closed: bool
    created_at: datetime


@dataclass(frozen=True)
class Match:
    state: Literal["attached", "triage"]
    lead_id: UUID | None = None
    candidate_lead_ids: tuple[UUID, ...] = ()


def match_call(caller_number: str, known_leads: Iterable[KnownLead]) -> Match:
    """Which lead an inbound call belongs to, judged only by the caller's (normalised) number."""
    same_phone = [lead for lead in known_leads if lead.phone == caller_number]
    open_leads = sorted(
        (lead for lead in same_phone if not lead.closed),
        key=lambda lead: lead.created_at,
        reverse=True,
    )
    if len(open_leads) == 1:
        return Match("attached", lead_id=open_leads[0].lead_id)
    if open_leads:
        # Spec: "when several open leads match equally, nothing is guessed". The phone number is
        # all we know of the caller, so every open lead with it is an equally good match; a person
        # picks one in triage, the candidates listed newest first.
        return Match("triage", candidate_lead_ids=tuple(lead.lead_id for lead in open_leads))
    if same_phone:
        # A returning customer whose leads are all closed: the latest one is the relationship.
        latest = max(same_phone, key=lambda lead: lead.created_at)
        return Match("attached", lead_id=latest.lead_id)
    return Match("triage")


@dataclass(frozen=True)
class Call:
    id: UUID
    pbx_call_id: str
    caller_number: str
    called_number: str
    extension: str | None
    direction: str
    received_at: datetime
    state: CallState
    lead_id: UUID | None = None
    candidate_lead_ids: tuple[UUID, ...] = ()
    decided_by: str | None = None
    decided_at: datetime | None = None
    version: int = 1

    @property
    def awaits_lead(self) -> bool:
        """Still without a lead: in triage, or a lead was requested and not created yet."""
        return self.state in ("triage", "lead_requested")

    def with_lead_requested(self, lead_id: UUID, *, by: str, at: datetime) -> Call:
        self._ensure_in_triage()
        if not is_e164(self.caller_number):
            # The lead is created with the caller's number as its phone; the leads service would
            # refuse this one, leaving the call waiting for a lead that never comes.
            raise RuleViolation(
                f"{self.caller_number!r} is not a phone number, so no lead can be created from this call",
                rule="caller_number_not_a_phone",
                field="caller_number",
            )
        return self._decided("lead_requested", lead_id, by=by, at=at)

    def attached_to(self, lead_id: UUID, *, by: str, at: datetime) -> Call:
        """A person chose the lead in triage."""
        self._ensure_in_triage()
        return self._decided("attached", lead_id, by=by, at=at)

    def matched_later(self, lead_id: UUID) -> Call:
        """A lead with the caller's number appeared after the call: the match registration lacked."""
        self._ensure_in_triage()
        return replace(self, state="attached", lead_id=lead_id, version=self.version + 1)

    def attached_to_created_lead(self, lead_id: UUID, *, by: str, at: datetime) -> Call:
        """The lead made from this call exists; whoever asked for it remains the one who decided."""
        return replace(
            self,
            state="attached",
            lead_id=lead_id,
            decided_by=self.decided_by or by,
            decided_at=self.decided_at or at,
            version=self.version + 1,
        )

    def repointed(self, merged_lead_id: UUID, survivor_id: UUID) -> Call:
        """The lead was merged into another: the call follows it, whether attached to it or a candidate."""
        return replace(
            self,
            lead_id=survivor_id if self.lead_id == merged_lead_id else self.lead_id,
            candidate_lead_ids=tuple(
                dict.fromkeys(survivor_id if c == merged_lead_id else c for c in self.candidate_lead_ids)
            ),
            version=self.version + 1,
        )

    def without_candidate(self, deleted_lead_id: UUID) -> Call:
        """A deleted lead is no longer a choice in triage."""
        return replace(
            self,
            candidate_lead_ids=tuple(c for c in self.candidate_lead_ids if c != deleted_lead_id),
            version=self.version + 1,
        )

    def _decided(self, state: CallState, lead_id: UUID, *, by: str, at: datetime) -> Call:
        return replace(
            self,
            state=state,
            lead_id=lead_id,
            decided_by=by,
            decided_at=at,
            version=self.version + 1,
        )

    def _ensure_in_triage(self) -> None:
        if self.state != "triage":
            raise Conflict(
                f"call {self.id} was already decided (it is {self.state.replace('_', ' ')})",
                rule="call_already_decided",
                field="state",
            )


def ensure_may_handle(call: Call, user: Principal) -> None:
    """A salesperson triages the calls that reached their own PBX extension; a manager every call."""
    if user.is_manager:
        return
    if user.extension is None or call.extension != user.extension:
        raise Forbidden(
            "a salesperson may handle only the calls of their own extension",
            rule="not_your_extension",
            field="extension",
        )
