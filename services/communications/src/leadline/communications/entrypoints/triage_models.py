"""What the Calls and E-mail tabs share: an item's state and why it came back to triage, asking for a lead from it,
attaching it to one, and the Ready filter of their lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from leadline.communications.domain.model import ItemState, ReturnReason
from leadline.contracts.platform.errors import RuleViolation
from leadline.contracts.platform.fields import QueryBool

STATE_DESCRIPTION = (
    "triage: waiting for a decision (`returned` says why when it came back); lead_requested: a lead is being "
    "created from it; attached: linked to `lead_id`; ignored: not sales related (can be undone)."
)


class ReturnedOut(BaseModel):
    """Why an item is back in triage. Cleared by the next decision about it."""

    reason: ReturnReason = Field(
        description="lead_deleted: the lead it was attached to was deleted; lead_request_refused: the leads service "
        "would not create the lead asked for (`detail` says why: mend it and retry); lead_request_cancelled: a person "
        "cancelled the request (it can be retried); detached: a person took it off the lead it was attached to "
        "(calls)."
    )
    lead_id: UUID = Field(description="The lead it left, or the one asked for.")
    detail: str
    at: datetime


class LeadRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Office fit-out enquiry"}, {}]},
    )

    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description='Default: for a call "Call from <caller number>", for an e-mail its subject.',
    )


class Attachment(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lead_id": "0f8fad5b-d9cb-469f-a165-70867728950e"}]},
    )

    lead_id: UUID


PAGE_CURSOR = "eyJrIjpbIjIwMjYtMTEtMjRUMDk6MTI6MDBaIl19"

RETRY_DESCRIPTION = (
    "Asks the leads service again for the lead asked for, with the same id and name (so one lead comes of it "
    "all): for a {kind} still `lead_requested` whose answer never came, or one back in triage after its request was "
    "refused (mend the cause first: `returned.detail` names it) or cancelled. 409 `{kind}_no_lead_request` otherwise."
)
CANCEL_DESCRIPTION = (
    "Stops waiting for the lead asked for: the {kind} is back in triage (`returned.reason` "
    "lead_request_cancelled) for another decision, or a retry. A request cannot be called back: should the leads "
    "service still create that lead, the {kind} is attached to it. 409 `{kind}_no_lead_request` unless the {kind} "
    "is `lead_requested`."
)


Ready = Annotated[QueryBool, Query(description="Only what still waits for a decision (the Ready filter): state triage")]


def state_filter(state: ItemState | None, ready: bool) -> ItemState | None:
    if not ready:
        return state
    if state not in (None, "triage"):
        raise RuleViolation(
            "ready lists what is in triage; it cannot be combined with another state",
            rule="ready_contradicts_state",
            field="state",
        )
    return "triage"
