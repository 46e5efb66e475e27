"""HTTP API of the Calls tab: the calls a salesperson may see, and the decisions about one in triage (a lead from it,
attach it, ignore it). Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.communications.domain.model import Call, CallbackState, ItemState
from leadline.communications.entrypoints.deps import CallUser, UnitOfWork
from leadline.communications.entrypoints.triage_models import (
    CANCEL_DESCRIPTION,
    PAGE_CURSOR,
    RETRY_DESCRIPTION,
    STATE_DESCRIPTION,
    Attachment,
    LeadRequest,
    Ready,
    ReturnedOut,
    state_filter,
)
from leadline.communications.service import triage
from leadline.communications.service.commands import Attach, RequestLead
from leadline.contracts.platform.http import signed_in_router
from leadline.contracts.platform.idempotency import Idempotency
from leadline.contracts.platform.pages import Page, PageLimit
from leadline.contracts.wire.events.communications import CallPhase
from leadline.contracts.wire.events.gateway import Direction, Disposition

router = signed_in_router()

CALL_EXAMPLE: dict[str, Any] = {
    "id": "9d2e4f6a-1b3c-4d5e-8f7a-0b1c2d3e4f5a",
    "pbx_call_id": "pbx-20261124-0912-0042",
    "caller_number": "+48601234567",
    "called_number": "+48221234567",
    "extension": "101",
    "direction": "inbound",
    "received_at": "2026-11-24T09:12:00Z",
    "state": "triage",
    "lead_id": None,
    "candidate_lead_ids": ["04aa64d1-68d5-4caf-bec4-0e02842ada5c", "7d3f6a52-1b0e-4c1a-9f2e-5a8b7c6d5e4f"],
    "decided_by": None,
    "decided_at": None,
    "requested_name": None,
    "returned": None,
    "contact_number": "+48601234567",
    "phase": "ended",
    "answered_by": None,
    "answered_at": None,
    "ended_at": "2026-11-24T09:12:40Z",
    "duration_seconds": 0,
    "disposition": "missed",
    "recording_url": None,
    "recording_id": None,
    "callback_state": "waiting",
    "callback_at": None,
    "callback_by": None,
    "callback_call_id": None,
}


class CallOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CALL_EXAMPLE]})

    id: UUID
    pbx_call_id: str
    caller_number: str = Field(description="E.164 when the number could be read as one, else as the PBX sent it.")
    called_number: str
    extension: str | None = Field(
        description="The extension it rang (null: it reached none, e.g. it waited in a queue or an IVR: every "
        "salesperson sees it), or the one that answered it; outbound, the one that placed it."
    )
    direction: Direction
    received_at: datetime = Field(description="When it started.")
    state: ItemState = Field(description=STATE_DESCRIPTION)
    lead_id: UUID | None
    candidate_lead_ids: list[UUID] = Field(description="Equally good open leads, when the match was ambiguous.")
    decided_by: str | None
    decided_at: datetime | None
    requested_name: str | None = Field(description="The name of the lead asked for from it, if one was.")
    returned: ReturnedOut | None
    contact_number: str = Field(
        description="The customer's number, which the call is matched to leads by: the caller's inbound, the called "
        "one outbound (E.164 when it could be read as one)."
    )
    phase: CallPhase | None = Field(
        description="How far the call got, as the PBX reported it; null when its gateway reports only that it arrived."
    )
    answered_by: str | None = Field(description="The extension that answered.")
    answered_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int | None = Field(description="Talk time, once it ended.")
    disposition: Disposition | None = Field(description="How it ended.")
    recording_url: str | None = Field(description="Where the recording is, when the gateway gave a URL.")
    recording_id: str | None = Field(description="The gateway's id of the recording, when it gave one.")
    callback_state: CallbackState | None = Field(
        description="waiting: an inbound call nobody answered, on its owner's list of missed calls; called_back: an "
        "answered call back to the number returned it (`callback_call_id`); marked_done: a person cleared it "
        "(`callback_by`). Null for the other calls."
    )
    callback_at: datetime | None = Field(description="When the call back started, or the person cleared it.")
    callback_by: str | None
    callback_call_id: UUID | None

    @classmethod
    def of(cls, call: Call) -> CallOut:
        return cls.model_validate(call, from_attributes=True)


class CallPage(Page[CallOut]):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [CALL_EXAMPLE], "next_cursor": PAGE_CURSOR}]})


@router.get("/calls", response_model=CallPage, summary="Calls, newest received first", tags=["calls"])
async def list_calls(
    uow: UnitOfWork,
    user: CallUser,
    state: ItemState | None = None,
    ready: Ready = False,
    limit: PageLimit = 50,
    cursor: str | None = None,
) -> CallPage:
    """A salesperson sees the calls of their own PBX extension (the token's `ext` claim), a manager every call."""
    state = state_filter(state, ready)
    async with uow:
        found, next_cursor = await triage.list_calls(uow, user, state=state, limit=limit, cursor=cursor)
    return CallPage(items=[CallOut.of(call) for call in found], next_cursor=next_cursor)


@router.get(
    # Only an id is a call: /calls/dial and /calls/missed are resources of their own (http_telephony).
    "/calls/{call_id:uuid}",
    response_model=CallOut,
    summary="One call",
    tags=["calls"],
)
async def get_call(call_id: UUID, user: CallUser, uow: UnitOfWork) -> CallOut:
    async with uow:
        call = await triage.get_item(uow.calls, call_id, user)
    return CallOut.of(call)


@router.post(
    "/calls/{call_id}/create-lead",
    status_code=202,
    response_model=CallOut,
    summary="Create a lead from a call in triage",
    tags=["calls"],
    description="The leads service creates the lead (the caller's number as its phone, the current "
    "user as salesperson); the call, now lead_requested with the new lead's id, becomes attached "
    "once the lead exists, or comes back to triage with the reason if the leads service refuses it.",
)
async def create_lead_from_call(
    call_id: UUID, body: LeadRequest, user: CallUser, uow: UnitOfWork, idempotency: Idempotency
) -> Response:
    async def request() -> tuple[CallOut, dict[str, str]]:
        call = await triage.request_lead_from_call(uow, RequestLead(call_id, body.name), user)
        return CallOut.of(call), {"Location": f"/calls/{call.id}"}

    return await idempotency.answer(uow, request, status_code=202)


@router.post(
    "/calls/{call_id}/retry-lead-request",
    status_code=202,
    response_model=CallOut,
    summary="Ask again for the lead a call asked for",
    description=RETRY_DESCRIPTION.format(kind="call"),
    tags=["calls"],
)
async def retry_call_lead_request(call_id: UUID, user: CallUser, uow: UnitOfWork, idempotency: Idempotency) -> Response:
    async def request() -> tuple[CallOut, dict[str, str]]:
        return CallOut.of(await triage.retry_lead_request(uow, uow.calls, call_id, user)), {}

    return await idempotency.answer(uow, request, status_code=202)


@router.post(
    "/calls/{call_id}/cancel-lead-request",
    response_model=CallOut,
    summary="Stop waiting for the lead a call asked for",
    description=CANCEL_DESCRIPTION.format(kind="call"),
    tags=["calls"],
)
async def cancel_call_lead_request(call_id: UUID, user: CallUser, uow: UnitOfWork) -> CallOut:
    async with uow:
        call = await triage.cancel_lead_request(uow, uow.calls, call_id, user)
        await uow.commit()
    return CallOut.of(call)


@router.post(
    "/calls/{call_id}/attach",
    response_model=CallOut,
    summary="Attach a call in triage to a chosen lead",
    tags=["calls"],
)
async def attach_call(call_id: UUID, body: Attachment, user: CallUser, uow: UnitOfWork) -> CallOut:
    async with uow:
        call = await triage.attach(uow, uow.calls, Attach(call_id, body.lead_id), user)
        await uow.commit()
    return CallOut.of(call)


@router.post("/calls/{call_id}/ignore", response_model=CallOut, summary="Ignore a call in triage", tags=["calls"])
async def ignore_call(call_id: UUID, user: CallUser, uow: UnitOfWork) -> CallOut:
    """Not sales related: the call leaves the Ready list. `unignore` puts it back."""
    async with uow:
        call = await triage.ignore(uow, uow.calls, call_id, user)
        await uow.commit()
    return CallOut.of(call)


@router.post("/calls/{call_id}/unignore", response_model=CallOut, summary="Undo ignoring a call", tags=["calls"])
async def unignore_call(call_id: UUID, user: CallUser, uow: UnitOfWork) -> CallOut:
    async with uow:
        call = await triage.unignore(uow, uow.calls, call_id, user)
        await uow.commit()
    return CallOut.of(call)
