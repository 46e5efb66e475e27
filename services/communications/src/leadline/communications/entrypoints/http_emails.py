"""HTTP API of the E-mail tab: the e-mails a salesperson may see, and the decisions about one in triage (a lead from it,
attach it, ignore it). Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.communications.domain.model import Email, ItemState
from leadline.communications.entrypoints.deps import UnitOfWork
from leadline.communications.entrypoints.triage_models import (
    CANCEL_DESCRIPTION,
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
from leadline.contracts.platform.http import CurrentUser, signed_in_router
from leadline.contracts.platform.idempotency import Idempotency
from leadline.contracts.platform.pages import Page, PageLimit
from leadline.contracts.wire.events import MailAttachment, Mailbox

router = signed_in_router()

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
    state = state_filter(state, ready)
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
