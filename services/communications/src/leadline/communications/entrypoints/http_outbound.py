"""Writing e-mails from a lead's card, and following them until the SMTP server has them. Thin: parse, call a use
case, commit, answer."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from leadline.communications.config import Settings
from leadline.communications.domain.outbound import NewAttachment, OutboundEmail, OutboundState
from leadline.communications.entrypoints.deps import Blobs, UnitOfWork
from leadline.communications.service import outbound
from leadline.communications.service.outbound import WriteEmail
from leadline.contracts.platform.contacts import normalised_email
from leadline.contracts.platform.http import CurrentUser, runtime_of, signed_in_router
from leadline.contracts.platform.idempotency import Idempotency
from leadline.contracts.wire.events import MailAttachment

router = signed_in_router(tags=["written emails"])

LEAD_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
WRITE_EXAMPLE: dict[str, Any] = {
    "to": ["jan.kowalski@kowalski-meble.pl"],
    "subject": "Oferta: meble biurowe",
    "text_body": "Dzień dobry, w załączeniu oferta.",
    "attachments": [{"file_name": "oferta.txt", "content_type": "text/plain", "content_base64": "T2ZlcnRhCg=="}],
}
WRITTEN_EXAMPLE: dict[str, Any] = {
    "id": "3b1f5a7c-2d4e-4f60-8a9b-0c1d2e3f4a5b",
    "lead_id": LEAD_ID,
    "message_id": "3b1f5a7c-2d4e-4f60-8a9b-0c1d2e3f4a5b@leadline.example",
    "in_reply_to": None,
    "references": [],
    "sender": "anna@leadline.example",
    "sender_name": "Anna Nowak",
    "to": ["jan.kowalski@kowalski-meble.pl"],
    "cc": [],
    "subject_line": "Oferta: meble biurowe",
    "text_body": "Dzień dobry, w załączeniu oferta.",
    "html_body": None,
    "attachments": [],
    "state": "failed",
    "attempts": 8,
    "next_attempt_at": None,
    "sent_at": None,
    "failure_reason": "the SMTP server could not be reached: Connection refused (gave up after 8 attempts)",
    "written_by": "anna",
    "written_at": "2026-03-02T09:41:00Z",
}


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(
        default="application/octet-stream", max_length=255, pattern=r"^[\w.+-]+/[\w.+-]+$", examples=["application/pdf"]
    )
    content_base64: str = Field(description="The file, base64-encoded.")

    @field_validator("content_base64")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except binascii.Error:
            raise ValueError("not base64") from None
        return value


class WriteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [WRITE_EXAMPLE]})

    to: list[EmailStr] = Field(default_factory=list, max_length=50, description="Default: the lead's e-mail address.")
    cc: list[EmailStr] = Field(default_factory=list, max_length=50)
    subject: str | None = Field(
        default=None,
        max_length=998,
        description='Default: "Re: " and the subject of the e-mail answered (none for a new one).',
    )
    text_body: str | None = Field(default=None, max_length=1_000_000)
    html_body: str | None = Field(default=None, max_length=1_000_000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    reply_to_email_id: UUID | None = Field(
        default=None,
        description="The e-mail this answers (one received and attached to the lead, or one written from it): the "
        "new one is threaded into its conversation (In-Reply-To, References), so the customer's reply comes back to "
        "this lead.",
    )


class WrittenEmailOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [WRITTEN_EXAMPLE]})

    id: UUID
    lead_id: UUID
    message_id: str = Field(description="Leadline's Message-ID for it, without angle brackets.")
    in_reply_to: str | None
    references: list[str]
    sender: str
    sender_name: str | None
    to: list[str]
    cc: list[str]
    subject_line: str
    text_body: str | None
    html_body: str | None
    attachments: list[MailAttachment] = Field(description="`GET /written-emails/{id}/attachments/{n}` streams each.")
    state: OutboundState = Field(
        description="queued: waiting for its (next) attempt; sending: with the SMTP server now; sent: the server took "
        "it; failed: it will not be sent, `failure_reason` says why."
    )
    attempts: int
    next_attempt_at: datetime | None = Field(description="When a queued e-mail is tried (again).")
    sent_at: datetime | None
    failure_reason: str | None = Field(description="Why the last attempt failed; why it will not be sent, if failed.")
    written_by: str
    written_at: datetime

    @classmethod
    def of(cls, email: OutboundEmail) -> WrittenEmailOut:
        return cls.model_validate(email, from_attributes=True)


class WrittenEmailList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [WRITTEN_EXAMPLE]}]})

    items: list[WrittenEmailOut]


@router.post(
    "/leads/{lead_id}/emails",
    status_code=202,
    response_model=WrittenEmailOut,
    summary="Write an e-mail from a lead",
    description="By the lead's salesperson or a manager (403 `not_your_lead` otherwise; the lead card's `write_email` "
    "action says so beforehand). It is queued (202) and sent through the company's SMTP server, retried while the "
    "server cannot take it; `GET /written-emails/{id}` follows it to sent or failed. From the writer's address in the "
    "directory (else MAIL_FROM_ADDRESS). The lead's card lists it, and a reply to it attaches to the lead by its "
    "thread. 409 `sending_not_configured` while no SMTP server is set. Body up to MAIL_MAX_MESSAGE_BYTES (attachments "
    "base64-encoded).",
)
async def write_email(
    request: Request,
    lead_id: UUID,
    body: WriteIn,
    user: CurrentUser,
    uow: UnitOfWork,
    blobs: Blobs,
    idempotency: Idempotency,
) -> Response:
    command = WriteEmail(
        lead_id=lead_id,
        to=tuple(normalised_email(address) for address in body.to),
        cc=tuple(normalised_email(address) for address in body.cc),
        subject=body.subject,
        text_body=body.text_body,
        html_body=body.html_body,
        attachments=tuple(
            NewAttachment(a.file_name, a.content_type, base64.b64decode(a.content_base64)) for a in body.attachments
        ),
        reply_to_email_id=body.reply_to_email_id,
    )
    runtime = runtime_of(request)
    settings = runtime.settings
    assert isinstance(settings, Settings)
    async with runtime.unit_of_work(read_only=True) as reading:
        prepared = await outbound.prepare_email(
            reading, blobs, command, user, default_sender=settings.mail_from_address
        )

    async def queue() -> tuple[WrittenEmailOut, dict[str, str]]:
        email = await outbound.queue_email(uow, prepared, user)
        return WrittenEmailOut.of(email), {"Location": f"/written-emails/{email.id}"}

    answer = await idempotency.answer(uow, queue, status_code=202)
    sender = getattr(request.app.state, "outbound_sender", None)
    if sender is not None:
        sender.wakeup.set()
    return answer


@router.get(
    "/leads/{lead_id}/emails",
    response_model=WrittenEmailList,
    summary="The e-mails written from a lead, oldest first",
    description="With their sending state. (Received e-mails attached to the lead: `GET /emails` and the lead card.)",
)
async def list_written_emails(lead_id: UUID, user: CurrentUser, uow: UnitOfWork) -> WrittenEmailList:
    async with uow:
        emails = await outbound.written_from(uow, lead_id, user)
    return WrittenEmailList(items=[WrittenEmailOut.of(email) for email in emails])


@router.get("/written-emails/{email_id}", response_model=WrittenEmailOut, summary="An e-mail written from a lead")
async def get_written_email(email_id: UUID, user: CurrentUser, uow: UnitOfWork) -> WrittenEmailOut:
    async with uow:
        return WrittenEmailOut.of(await outbound.get_written(uow, email_id, user))
