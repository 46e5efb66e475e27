"""The mail ingestion adapter: a mail server (or a script) uploads real RFC 5322 messages, and they enter
Leadline as the mail gateway's events, on the gateway topic, so the one intake path handles every e-mail. The body
is streamed into the blob store as it comes, up to MAIL_MAX_MESSAGE_BYTES."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from leadline.communications.adapters.blobs import BlobTooLarge
from leadline.communications.entrypoints.deps import Blobs, UnitOfWork
from leadline.communications.service import intake
from leadline.communications.service.mail_intake import receive_message
from leadline.contracts.platform.http import PROBLEM_JSON, PROBLEM_RESPONSES, Manager, Problem

router = APIRouter(responses=PROBLEM_RESPONSES, tags=["mail gateway"])

RFC822 = "message/rfc822"

SAMPLE = (
    "From: Jan Kowalski <jan@example.com>\r\nTo: anna@leadline.example\r\nSubject: Office fit-out\r\n"
    "Date: Mon, 02 Mar 2026 09:30:00 +0100\r\nMessage-ID: <7f3a@mail.example.com>\r\n\r\n"
    "Could you quote the fit-out of our office?\r\n"
)


class Accepted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"message_id": "7f3a@mail.example.com"}]})

    message_id: str = Field(description="The Message-ID the e-mail is stored under, without angle brackets.")


@router.post(
    "/mail/messages",
    status_code=202,
    response_model=Accepted,
    summary="Upload a received e-mail (RFC 5322)",
    description="For mail servers and scripts: the body is the message exactly as received "
    f"(`Content-Type: {RFC822}`). It becomes a `leadline.gateway.mail.email.received.v1` event on the mail "
    "gateway topic, taken in like any gateway's: uploading the same message again stores it once. The message and "
    "each attachment are kept in Leadline's blob store (`GET /emails/{id}/raw`, `/emails/{id}/attachments/{n}`); "
    "the event refers to them. Up to MAIL_MAX_MESSAGE_BYTES (25 MiB by default; 413 beyond). Needs a manager's "
    "token (a gateway's service account).",
    openapi_extra={
        "requestBody": {"required": True, "content": {RFC822: {"schema": {"type": "string"}, "example": SAMPLE}}}
    },
    responses={
        413: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Larger than MAIL_MAX_MESSAGE_BYTES"},
        415: {"description": f"The body is not {RFC822}"},
    },
)
async def upload_message(request: Request, user: Manager, uow: UnitOfWork, blobs: Blobs) -> Accepted:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != RFC822:
        raise HTTPException(415, f"send the message as {RFC822}, not {media_type or 'no content type'}")
    try:
        event = await receive_message(blobs, request.stream(), received_at=datetime.now(UTC))
    except BlobTooLarge as error:
        raise HTTPException(413, f"the message is larger than {error.limit} bytes") from None
    async with uow:
        await intake.take_in_message(uow, event)
        await uow.commit()
    return Accepted(message_id=event.message_id)
