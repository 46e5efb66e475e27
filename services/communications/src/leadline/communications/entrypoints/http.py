"""HTTP API of the communications service for sales apps (the Calls and E-mail tabs). Thin: parse, call a use
case, commit, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.communications.domain.model import Call, CallbackState, Email, ItemState, ReturnReason
from leadline.communications.entrypoints.deps import CallUser, UnitOfWork
from leadline.communications.service import triage
from leadline.communications.service.commands import Attach, RequestLead
from leadline.contracts.errors import RuleViolation
from leadline.contracts.events import MailAttachment, Mailbox
from leadline.contracts.events.communications import CallPhase
from leadline.contracts.events.gateway import Direction, Disposition
from leadline.contracts.fields import QueryBool
from leadline.contracts.http import CurrentUser, signed_in_router
from leadline.contracts.idempotency import Idempotency
from leadline.contracts.pages import Page, PageLimit

router = signed_in_router()

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
EMAIL_EXAMPLE: dict[str, Any] = {
    "id": "5b0c2a4e-8a51-4c1e-9d5e-2f1f2c7d8a10",
    "message_id": "7f3a@mail.example.com",
    "in_reply_to": None,
    "references": [],
    "sender": "jan@example.com",
    "sender_name": "Jan Kowalski",
    "to": [{"address": "anna@leadline.example", "name": "Anna Nowak"}],
    "cc": [],
    "subject_line": "Office fit-out",
    "sent_at": "2026-03-02T09:30:00Z",
    "text_body": "Could you quote the fit-out of our office?",
    "html_body": None,
    "attachments": [
        {
            "file_name": "plan.pdf",
            "content_type": "application/pdf",
            "size": 48213,
            "url": "https://mail.example/attachments/1",
        }
    ],
    "state": "triage",
    "lead_id": None,
    "candidate_lead_ids": [],
    "decided_by": None,
    "decided_at": None,
    "requested_name": "Office fit-out",
    "returned": {
        "reason": "lead_request_refused",
        "lead_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "detail": "lead type 'Sale' allows no open status",
        "at": "2026-03-02T09:41:00Z",
    },
}
PAGE_CURSOR = "eyJrIjpbIjIwMjYtMTEtMjRUMDk6MTI6MDBaIl19"


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


Ready = Annotated[QueryBool, Query(description="Only what still waits for a decision (the Ready filter): state triage")]


def _state_filter(state: ItemState | None, ready: bool) -> ItemState | None:
    if not ready:
        return state
    if state not in (None, "triage"):
        raise RuleViolation(
            "ready lists what is in triage; it cannot be combined with another state",
            rule="ready_contradicts_state",
            field="state",
        )
    return "triage"


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
    state = _state_filter(state, ready)
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


class EmailOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EMAIL_EXAMPLE]})

    id: UUID
    message_id: str = Field(description="The Message-ID header, without angle brackets.")
    in_reply_to: str | None
    references: list[str]
    sender: str = Field(description="The From address, lower case.")
    sender_name: str | None
    to: list[Mailbox]
    cc: list[Mailbox]
    subject_line: str = Field(description="The Subject header.")
    sent_at: datetime
    text_body: str | None
    html_body: str | None
    attachments: list[MailAttachment] = Field(description="Referenced where the mail gateway keeps them.")
    state: ItemState = Field(description=STATE_DESCRIPTION)
    lead_id: UUID | None
    candidate_lead_ids: list[UUID] = Field(description="Equally good open leads, when the match was ambiguous.")
    decided_by: str | None
    decided_at: datetime | None
    requested_name: str | None = Field(description="The name of the lead asked for from it, if one was.")
    returned: ReturnedOut | None

    @classmethod
    def of(cls, email: Email) -> EmailOut:
        return cls.model_validate(email, from_attributes=True)


class EmailPage(Page[EmailOut]):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [EMAIL_EXAMPLE], "next_cursor": None}]})


@router.get("/emails", response_model=EmailPage, summary="E-mails, newest sent first", tags=["emails"])
async def list_emails(
    uow: UnitOfWork,
    user: CurrentUser,
    state: ItemState | None = None,
    ready: Ready = False,
    limit: PageLimit = 50,
    cursor: str | None = None,
) -> EmailPage:
    """A salesperson sees the e-mails addressed to them in To or Cc (the token's `email` claim), a manager
    every e-mail."""
    state = _state_filter(state, ready)
    async with uow:
        found, next_cursor = await triage.list_emails(uow, user, state=state, limit=limit, cursor=cursor)
    return EmailPage(items=[EmailOut.of(email) for email in found], next_cursor=next_cursor)


@router.get("/emails/{email_id}", response_model=EmailOut, summary="One e-mail", tags=["emails"])
async def get_email(email_id: UUID, user: CurrentUser, uow: UnitOfWork) -> EmailOut:
    async with uow:
        email = await triage.get_item(uow.emails, email_id, user)
    return EmailOut.of(email)


@router.post(
    "/emails/{email_id}/create-lead",
    status_code=202,
    response_model=EmailOut,
    summary="Create a lead from an e-mail in triage",
    description="The leads service creates the lead (named after the subject, the sender's address as its "
    "e-mail, the current user as salesperson); the e-mail, now lead_requested with the new lead's id, becomes "
    "attached once the lead exists, or comes back to triage with the reason if the leads service refuses it.",
    tags=["emails"],
)
async def create_lead_from_email(
    email_id: UUID, body: LeadRequest, user: CurrentUser, uow: UnitOfWork, idempotency: Idempotency
) -> Response:
    async def request() -> tuple[EmailOut, dict[str, str]]:
        email = await triage.request_lead_from_email(uow, RequestLead(email_id, body.name), user)
        return EmailOut.of(email), {"Location": f"/emails/{email.id}"}

    return await idempotency.answer(uow, request, status_code=202)


@router.post(
    "/emails/{email_id}/retry-lead-request",
    status_code=202,
    response_model=EmailOut,
    summary="Ask again for the lead an e-mail asked for",
    description=RETRY_DESCRIPTION.format(kind="email"),
    tags=["emails"],
)
async def retry_email_lead_request(
    email_id: UUID, user: CurrentUser, uow: UnitOfWork, idempotency: Idempotency
) -> Response:
    async def request() -> tuple[EmailOut, dict[str, str]]:
        return EmailOut.of(await triage.retry_lead_request(uow, uow.emails, email_id, user)), {}

    return await idempotency.answer(uow, request, status_code=202)


@router.post(
    "/emails/{email_id}/cancel-lead-request",
    response_model=EmailOut,
    summary="Stop waiting for the lead an e-mail asked for",
    description=CANCEL_DESCRIPTION.format(kind="email"),
    tags=["emails"],
)
async def cancel_email_lead_request(email_id: UUID, user: CurrentUser, uow: UnitOfWork) -> EmailOut:
    async with uow:
        email = await triage.cancel_lead_request(uow, uow.emails, email_id, user)
        await uow.commit()
    return EmailOut.of(email)


@router.post(
    "/emails/{email_id}/attach",
    response_model=EmailOut,
    summary="Attach an e-mail in triage to a chosen lead",
    description="Replies to it that wait in triage follow it to the lead.",
    tags=["emails"],
)
async def attach_email(email_id: UUID, body: Attachment, user: CurrentUser, uow: UnitOfWork) -> EmailOut:
    async with uow:
        email = await triage.attach(uow, uow.emails, Attach(email_id, body.lead_id), user)
        await uow.commit()
    return EmailOut.of(email)


@router.post(
    "/emails/{email_id}/ignore", response_model=EmailOut, summary="Ignore an e-mail in triage", tags=["emails"]
)
async def ignore_email(email_id: UUID, user: CurrentUser, uow: UnitOfWork) -> EmailOut:
    """Not sales related: the e-mail leaves the Ready list. `unignore` puts it back."""
    async with uow:
        email = await triage.ignore(uow, uow.emails, email_id, user)
        await uow.commit()
    return EmailOut.of(email)


@router.post("/emails/{email_id}/unignore", response_model=EmailOut, summary="Undo ignoring an e-mail", tags=["emails"])
async def unignore_email(email_id: UUID, user: CurrentUser, uow: UnitOfWork) -> EmailOut:
    async with uow:
        email = await triage.unignore(uow, uow.emails, email_id, user)
        await uow.commit()
    return EmailOut.of(email)
