"""HTTP API of telephony for sales apps: missed calls to call back, correcting a wrong attachment, click-to-call.
Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.exceptions import HTTPException

from leadline.communications.adapters.zadarma import ZadarmaClient, ZadarmaRefused
from leadline.communications.entrypoints.deps import CallUser, UnitOfWork
from leadline.communications.entrypoints.http_calls import CALL_EXAMPLE, CallOut, CallPage
from leadline.communications.entrypoints.triage_models import PAGE_CURSOR, Attachment
from leadline.communications.service import telephony, triage
from leadline.contracts.platform.errors import NotFound
from leadline.contracts.platform.http import PROBLEM_JSON, Problem, runtime_of, signed_in_router
from leadline.contracts.platform.idempotency import Idempotency
from leadline.contracts.platform.pages import PageLimit

router = signed_in_router(tags=["calls"])

MISSED_EXAMPLE: dict[str, Any] = {"items": [CALL_EXAMPLE], "next_cursor": PAGE_CURSOR}


@router.get(
    "/calls/missed",
    response_model=CallPage,
    summary="Missed calls to call back, oldest first",
    description="Inbound calls nobody answered and nobody returned yet, oldest first, each with its lead "
    "(`lead_id`) when it matched one. A salesperson sees their own: those that rang their extension (as the sales "
    "team directory gives it) and those that reached none (a queue, an IVR). A manager sees everyone's, or one "
    "salesperson's with `salesperson`. An answered outbound call to the number clears a missed call by itself; "
    "`POST /calls/{call_id}/callback-done` clears one by hand.",
    responses={200: {"content": {"application/json": {"example": MISSED_EXAMPLE}}}},
)
async def list_missed_calls(
    user: CallUser,
    uow: UnitOfWork,
    salesperson: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="A manager: whose missed calls (an employee id)."),
    ] = None,
    limit: PageLimit = 50,
    cursor: str | None = None,
) -> CallPage:
    async with uow:
        found, next_cursor = await telephony.missed_calls(
            uow, user, salesperson=salesperson, limit=limit, cursor=cursor
        )
    return CallPage(items=[CallOut.of(call) for call in found], next_cursor=next_cursor)


@router.post(
    "/calls/{call_id}/callback-done",
    response_model=CallOut,
    summary="Clear a missed call from the list without a call back",
    description="Returned by other means (a mobile phone, an e-mail), or not worth returning. By whoever may "
    "triage the call. 409 `call_not_waiting_for_callback` when it is no missed call or was cleared already.",
)
async def mark_callback_done(call_id: UUID, user: CallUser, uow: UnitOfWork) -> CallOut:
    async with uow:
        call = await telephony.mark_called_back(uow, call_id, user)
        await uow.commit()
    return CallOut.of(call)


@router.get(
    "/calls/{call_id}/recording",
    status_code=307,
    response_class=RedirectResponse,
    summary="Listen to a call's recording",
    description="Redirects (307) to the recording: the URL its gateway gave, or, for a recording the gateway knows "
    "by id, a short-lived link Zadarma's API gives (when ZADARMA_API_KEY and ZADARMA_API_SECRET are set). For "
    "whoever may see the call. 404 `no_recording` when there is none (yet); 502 when Zadarma gives no link.",
    responses={
        307: {"description": "Where the recording is", "headers": {"Location": {"schema": {"type": "string"}}}},
        502: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "The PBX's API gave no link"},
    },
)
async def get_call_recording(call_id: UUID, request: Request, user: CallUser, uow: UnitOfWork) -> RedirectResponse:
    async with uow:
        call = await triage.get_item(uow.calls, call_id, user)
    if call.recording_url is not None:
        return RedirectResponse(call.recording_url, status_code=307)
    zadarma: ZadarmaClient | None = request.app.state.zadarma
    if call.recording_id is None or zadarma is None:
        raise NotFound(f"call {call_id} has no recording to listen to", rule="no_recording", field="recording_url")
    try:
        return RedirectResponse(await zadarma.recording_link(call.recording_id), status_code=307)
    except ZadarmaRefused as error:
        raise HTTPException(502, f"no link to the recording: {error}") from None


CORRECTION = (
    "For a call attached to the wrong lead (usually by its number, automatically): by the salesperson of the lead it "
    "is attached to, or a manager. The lead's history says so (both leads' when moved), and reporting follows. "
    "409 `call_not_attached` for a call that is not attached."
)


@router.post(
    "/calls/{call_id}/detach",
    response_model=CallOut,
    summary="Take a call off its lead, back to triage",
    description=f"{CORRECTION} The call is back in triage (`returned.reason` detached) for another decision.",
)
async def detach_call(call_id: UUID, user: CallUser, uow: UnitOfWork) -> CallOut:
    async with uow:
        call = await telephony.detach(uow, call_id, user)
        await uow.commit()
    return CallOut.of(call)


@router.post(
    "/calls/{call_id}/move",
    response_model=CallOut,
    summary="Move a call to another lead",
    description=f"{CORRECTION} 404 `lead_not_found` for a lead that does not exist (or no longer does).",
)
async def move_call(call_id: UUID, body: Attachment, user: CallUser, uow: UnitOfWork) -> CallOut:
    async with uow:
        call = await telephony.move(uow, call_id, body.lead_id, user)
        await uow.commit()
    return CallOut.of(call)


class DialRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"lead_id": "0f8fad5b-d9cb-469f-a165-70867728950e"}, {"number": "+48 601 234 567"}]
        },
    )

    lead_id: UUID | None = Field(default=None, description="Call the lead's phone.")
    number: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Or a number (without a country code: the default region's).",
    )

    @model_validator(mode="after")
    def _one_target(self) -> DialRequest:
        if (self.lead_id is None) == (self.number is None):
            raise ValueError("give either lead_id or number")
        return self


class DialOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dial_id": "3b1f0c5e-7d2a-4e9b-8c6d-1a2b3c4d5e6f",
                    "extension": "101",
                    "number": "+48601234567",
                    "lead_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                    "requested_by": "anna",
                    "requested_at": "2026-11-24T09:30:00Z",
                }
            ]
        }
    )

    dial_id: UUID
    extension: str = Field(description="Rung first: the user's extension, as the sales team directory gives it.")
    number: str = Field(description="Dialled once the extension answers (E.164).")
    lead_id: UUID | None
    requested_by: str
    requested_at: datetime


@router.post(
    "/calls/dial",
    status_code=202,
    response_model=DialOut,
    summary="Click-to-call: ring my extension, then the number",
    description="Publishes a `leadline.gateway.telephony.dial.requested.v1` on the gateway command topic "
    "(`leadline.gateway.telephony.command`): the telephony gateway rings the user's extension and, once it is "
    "picked up, dials the lead's phone or the number. The call then reports its lifecycle like any other (an "
    "answered one clears the number's missed calls). 422 `no_extension` for a user without an extension, "
    "`lead_has_no_phone`, `invalid_phone`; 404 `lead_not_found`.",
)
async def dial(
    body: DialRequest, request: Request, user: CallUser, uow: UnitOfWork, idempotency: Idempotency
) -> Response:
    region = runtime_of(request).settings.default_phone_region
    command = telephony.Dial(lead_id=body.lead_id, number=body.number)

    async def requested() -> tuple[DialOut, dict[str, str]]:
        event = await telephony.request_dial(uow, command, user, phone_region=region)
        return DialOut.model_validate(event, from_attributes=True), {}

    return await idempotency.answer(uow, requested, status_code=202)
