"""Events of the communications context (topics ``leadline.communications.call`` and ``…email``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.wire.events.base import Event
from leadline.contracts.wire.events.gateway import Direction, Disposition
from leadline.contracts.wire.topics import CALL, EMAIL

CallPhase = Literal["ringing", "answered", "ended"]


class CallFacts(BaseModel):
    """What the PBX has said of a call so far, as a lead's card shows it: every call event that carries it carries
    all of it, so the latest one read is the whole story."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    direction: Direction
    contact_number: str = Field(
        description="The customer's number (the caller's inbound, the called one outbound): E.164 when it could be "
        "read as one. Calls are matched to leads by it."
    )
    phase: CallPhase | None = Field(
        description="How far the call got; null when its gateway reports only that it arrived (call.received.v1)."
    )
    disposition: Disposition | None = Field(default=None, description="Once it ended.")
    duration_seconds: int | None = Field(default=None, description="Talk time, once it ended.")
    answered_by: str | None = Field(default=None, description="The extension that answered.")
    recording_url: str | None = None
    recording_id: str | None = Field(default=None, description="The gateway's id of the recording.")


class CallRegisteredV1(
    Event,
    type="leadline.communications.call.registered.v1",
    topic=CALL,
    subject="call_id",
):
    """Communications stored an inbound call and either attached it to a lead or left it in triage."""

    call_id: UUID
    pbx_call_id: str
    caller_number: str = Field(description="E.164 when the number could be normalised, else as received.")
    extension: str | None
    received_at: datetime
    state: Literal["attached", "triage"]
    lead_id: UUID | None
    candidate_lead_ids: list[UUID] = Field(
        default_factory=list,
        description="Equally good open leads when the match was ambiguous.",
    )
    call: CallFacts | None = Field(default=None, description="Direction, number and lifecycle as registered.")


class CallAttachedV1(
    Event,
    type="leadline.communications.call.attached.v1",
    topic=CALL,
    subject="call_id",
):
    """A call in triage was attached to a lead."""

    call_id: UUID
    lead_id: UUID
    how: Literal["lead_created", "chosen", "matched"] = Field(
        description="lead_created: the lead was made from this call; chosen: a person picked the lead; "
        "matched: the caller's number matched a lead that appeared after the call."
    )
    attached_by: str
    attached_at: datetime
    caller_number: str | None = Field(
        default=None, description="As in the call's CallRegisteredV1, so a lead's card can show the call."
    )
    received_at: datetime | None = None
    call: CallFacts | None = Field(default=None, description="Direction, number and lifecycle when it was attached.")


class CallLeadRequestedV1(
    Event,
    type="leadline.communications.call.lead_requested.v1",
    topic=CALL,
    subject="call_id",
):
    """A user asked for a lead to be created from a call in triage; the leads service creates it."""

    call_id: UUID
    lead_id: UUID = Field(description="Chosen up front, so a retried request creates one lead.")
    name: str
    phone: str
    salesperson_id: str
    requested_by: str
    requested_at: datetime


ReturnReason = Literal["lead_deleted", "lead_request_refused", "lead_request_cancelled"]


class _ReturnedToTriage(Event):
    """An item attached to a lead, or waiting for one it asked for, is back in triage waiting for a decision:
    the lead was deleted (items attached to it come back, nothing is left attached to a lead that does not
    exist), the leads service refused to create the lead asked for, or a person cancelled that request."""

    lead_id: UUID = Field(description="The lead it was attached to, or the one asked for.")
    reason: ReturnReason
    detail: str = Field(description="Why, in words: for a refused request the leads service's reason.")
    returned_by: str = Field(description="Who cancelled a request; the service itself otherwise.")
    returned_at: datetime


class _Ignored(Event):
    """A person decided an item in triage is not sales related; it leaves the Ready list."""

    ignored_by: str
    ignored_at: datetime


class _Unignored(Event):
    """An ignored item was put back in triage (the ignore undone)."""

    unignored_by: str
    unignored_at: datetime


class _CallProgress(Event):
    """The PBX reported more of a call: the facts as they now are, whatever its triage state."""

    call_id: UUID
    call: CallFacts


class CallAnsweredV1(_CallProgress, type="leadline.communications.call.answered.v1", topic=CALL, subject="call_id"):
    """Someone picked the call up."""

    answered_by: str | None = Field(description="The extension that answered.")
    answered_at: datetime


class CallEndedV1(_CallProgress, type="leadline.communications.call.ended.v1", topic=CALL, subject="call_id"):
    """The call is over: its direction, disposition and duration are in ``call``."""

    received_at: datetime = Field(description="When it started.")
    ended_at: datetime
    awaits_callback: bool = Field(
        description="An inbound call nobody answered: it waits on its owner's list of missed calls until an answered "
        "call back to the number, or a person, clears it (call.callback_cleared.v1)."
    )


class CallRecordingAvailableV1(
    _CallProgress, type="leadline.communications.call.recording_available.v1", topic=CALL, subject="call_id"
):
    """The call's recording can be fetched: ``call.recording_url`` or ``call.recording_id`` says where."""


class CallCallbackClearedV1(
    Event, type="leadline.communications.call.callback_cleared.v1", topic=CALL, subject="call_id"
):
    """A missed call no longer waits for a call back."""

    call_id: UUID
    how: Literal["called_back", "marked_done"] = Field(
        description="called_back: an answered outbound call to the number; marked_done: a person cleared it."
    )
    callback_call_id: UUID | None = Field(description="The call back, when it was one.")
    missed_at: datetime = Field(description="When the missed call came in.")
    cleared_by: str = Field(description="Who marked it done; the service itself for a call back.")
    cleared_at: datetime = Field(description="When the call back was answered, or the person cleared it.")


class CallDetachedV1(Event, type="leadline.communications.call.detached.v1", topic=CALL, subject="call_id"):
    """A person took a call off the lead it was attached to (attached wrongly): it is back in triage."""

    call_id: UUID
    lead_id: UUID = Field(description="The lead it was attached to.")
    detached_by: str
    detached_at: datetime


class CallMovedV1(Event, type="leadline.communications.call.moved.v1", topic=CALL, subject="call_id"):
    """A person moved a call from the lead it was attached to (attached wrongly) to another."""

    call_id: UUID
    from_lead_id: UUID
    lead_id: UUID = Field(description="The lead it is attached to now.")
    moved_by: str
    moved_at: datetime
    caller_number: str
    received_at: datetime
    call: CallFacts


class CallReturnedToTriageV1(
    _ReturnedToTriage, type="leadline.communications.call.returned_to_triage.v1", topic=CALL, subject="call_id"
):
    call_id: UUID


class CallIgnoredV1(_Ignored, type="leadline.communications.call.ignored.v1", topic=CALL, subject="call_id"):
    call_id: UUID


class CallUnignoredV1(_Unignored, type="leadline.communications.call.unignored.v1", topic=CALL, subject="call_id"):
    call_id: UUID


class _EmailSummary(Event):
    """What a lead's card shows of an e-mail."""

    sender: str = Field(description="The sender's address, lower case.")
    subject_line: str = Field(description="The Subject header.")
    sent_at: datetime


class EmailRegisteredV1(
    _EmailSummary,
    type="leadline.communications.email.registered.v1",
    topic=EMAIL,
    subject="email_id",
):
    """Communications stored an inbound e-mail and either attached it to a lead or left it in triage."""

    email_id: UUID
    message_id: str
    state: Literal["attached", "triage"]
    lead_id: UUID | None
    matched_by: Literal["thread", "sender"] | None = Field(
        description="thread: it replies to an e-mail of the lead; sender: the sender's address is the lead's. "
        "Null in triage."
    )
    candidate_lead_ids: list[UUID] = Field(
        default_factory=list,
        description="Equally good open leads when the match was ambiguous.",
    )


class EmailAttachedV1(
    _EmailSummary,
    type="leadline.communications.email.attached.v1",
    topic=EMAIL,
    subject="email_id",
):
    """An e-mail in triage was attached to a lead."""

    email_id: UUID
    lead_id: UUID
    how: Literal["lead_created", "chosen", "matched", "thread"] = Field(
        description="lead_created: the lead was made from this e-mail; chosen: a person picked the lead; "
        "matched: a lead with the sender's address appeared after the e-mail; thread: an e-mail it replies "
        "to (or that replies to it) was attached to the lead."
    )
    attached_by: str
    attached_at: datetime


class EmailLeadRequestedV1(
    Event,
    type="leadline.communications.email.lead_requested.v1",
    topic=EMAIL,
    subject="email_id",
):
    """A user asked for a lead to be created from an e-mail in triage; the leads service creates it."""

    email_id: UUID
    lead_id: UUID = Field(description="Chosen up front, so a retried request creates one lead.")
    name: str
    email: str = Field(description="The sender's address, the new lead's e-mail.")
    salesperson_id: str
    requested_by: str
    requested_at: datetime


class EmailReturnedToTriageV1(
    _ReturnedToTriage, type="leadline.communications.email.returned_to_triage.v1", topic=EMAIL, subject="email_id"
):
    email_id: UUID


class EmailIgnoredV1(_Ignored, type="leadline.communications.email.ignored.v1", topic=EMAIL, subject="email_id"):
    email_id: UUID


class EmailUnignoredV1(_Unignored, type="leadline.communications.email.unignored.v1", topic=EMAIL, subject="email_id"):
    email_id: UUID


class EmailWrittenV1(Event, type="leadline.communications.email.written.v1", topic=EMAIL, subject="email_id"):
    """Someone wrote an e-mail from a lead (its salesperson or a manager). It waits in communications' queue for
    the company's SMTP server; EmailSentV1 follows once the server took it, or EmailSendFailedV1 when it will not be
    sent. It is linked to the lead from now on, and a reply to it attaches to the lead by its thread."""

    email_id: UUID
    lead_id: UUID
    message_id: str = Field(description="The Message-ID Leadline gave it, without angle brackets.")
    in_reply_to: str | None = Field(default=None, description="The Message-ID of the e-mail it answers, if any.")
    sender: str = Field(description="The From address, lower case.")
    to: list[str] = Field(description="Recipients' addresses, lower case.")
    cc: list[str] = Field(default_factory=list)
    subject_line: str
    written_by: str
    written_at: datetime


class EmailSentV1(Event, type="leadline.communications.email.sent.v1", topic=EMAIL, subject="email_id"):
    """The company's SMTP server accepted an e-mail written from a lead: it is on its way."""

    email_id: UUID
    lead_id: UUID
    message_id: str
    attempts: int = Field(ge=1, description="How many tries it took.")
    sent_at: datetime


class EmailSendFailedV1(Event, type="leadline.communications.email.send_failed.v1", topic=EMAIL, subject="email_id"):
    """An e-mail written from a lead will not be sent: the SMTP server refused it for good, every retry failed, or
    the connection broke after the server had the message (sent again, it could arrive twice)."""

    email_id: UUID
    lead_id: UUID
    message_id: str
    reason: str = Field(examples=["550 5.1.1 <jan@example.com>: Recipient address rejected"])
    attempts: int = Field(ge=1)
    failed_at: datetime
