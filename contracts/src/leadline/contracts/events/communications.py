"""Events of the communications context (topic ``leadline.communications.call``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from leadline.contracts.events.base import Event
from leadline.contracts.topics import CALL


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
