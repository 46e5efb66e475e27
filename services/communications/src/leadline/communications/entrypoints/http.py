"""HTTP API of the communications service for sales apps (the Calls tab). Thin: parse, call a use case,
commit, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.domain.model import Call, CallState
from leadline.communications.service import use_cases
from leadline.communications.service.commands import AttachCall, RequestLead
from leadline.contracts.errors import RuleViolation
from leadline.contracts.http import (
    PROBLEM_RESPONSES,
    CurrentUser,
    current_user,
    unit_of_work,
)

UnitOfWork = Annotated[CommunicationsUnitOfWork, Depends(unit_of_work)]

router = APIRouter(dependencies=[Depends(current_user)], responses=PROBLEM_RESPONSES, tags=["calls"])


class LeadRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Office fit-out enquiry"}, {}]},
    )

    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description='Default: "Call from <caller number>".',
    )


class Attachment(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lead_id": "0f8fad5b-d9cb-469f-a165-70867728950e"}]},
    )

    lead_id: UUID


class CallOut(BaseModel):
    id: UUID
    pbx_call_id: str
    caller_number: str = Field(description="E.164 when the number could be read as one, else as the PBX sent it.")
    called_number: str
    extension: str | None
    direction: str
    received_at: datetime
    state: CallState = Field(
        description="triage: waiting for a decision; lead_requested: a lead is being created from it; "
        "attached: linked to `lead_id`."
    )
    lead_id: UUID | None
    candidate_lead_ids: list[UUID] = Field(description="Equally good open leads, when the match was ambiguous.")
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, call: Call) -> CallOut:
        return cls.model_validate(call, from_attributes=True)


class CallPage(BaseModel):
    items: list[CallOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


@router.get("/calls", response_model=CallPage, summary="Calls, newest received first")
async def list_calls(
    uow: UnitOfWork,
    user: CurrentUser,
    state: CallState | None = None,
    ready: Annotated[
        bool,
        Query(description="Only calls still waiting for a decision (the Ready filter): state triage"),
    ] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> CallPage:
    if ready:
        if state not in (None, "triage"):
            raise RuleViolation(
                "ready lists the calls in triage; it cannot be combined with another state",
                rule="ready_contradicts_state",
                field="state",
            )
        state = "triage"
    async with uow:
        found, next_cursor = await use_cases.list_calls(uow, user, state=state, limit=limit, cursor=cursor)
    return CallPage(items=[CallOut.of(call) for call in found], next_cursor=next_cursor)


@router.get("/calls/{call_id}", response_model=CallOut, summary="One call")
async def get_call(call_id: UUID, user: CurrentUser, uow: UnitOfWork) -> CallOut:
    async with uow:
        call = await use_cases.get_call(uow, call_id, user)
    return CallOut.of(call)


@router.post(
    "/calls/{call_id}/create-lead",
    status_code=202,
    response_model=CallOut,
    summary="Create a lead from a call in triage",
    description="The leads service creates the lead (the caller's number as its phone, the current "
    "user as salesperson); the call, now lead_requested with the new lead's id, becomes attached "
    "once the lead exists.",
)
async def create_lead(
    call_id: UUID,
    body: LeadRequest,
    user: CurrentUser,
    uow: UnitOfWork,
    response: Response,
) -> CallOut:
    async with uow:
        call = await use_cases.request_lead(uow, RequestLead(call_id, body.name), user)
        await uow.commit()
    response.headers["Location"] = f"/calls/{call.id}"
    return CallOut.of(call)


@router.post(
    "/calls/{call_id}/attach",
    response_model=CallOut,
    summary="Attach a call in triage to a chosen lead",
)
async def attach(call_id: UUID, body: Attachment, user: CurrentUser, uow: UnitOfWork) -> CallOut:
    async with uow:
        call = await use_cases.attach(uow, AttachCall(call_id, body.lead_id), user)
        await uow.commit()
    return CallOut.of(call)
