"""The bytes of e-mails, streamed from the blob store to whoever may see the e-mail: a received one's raw message
and attachments, and those of one written from a lead."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import Path
from fastapi.responses import StreamingResponse

from leadline.communications.adapters.blobs import BlobNotFound
from leadline.communications.domain.model import Attachment, Blob
from leadline.communications.entrypoints.deps import Blobs, UnitOfWork
from leadline.communications.entrypoints.http_mail import RFC822
from leadline.communications.service import triage
from leadline.communications.service.outbound import get_written
from leadline.contracts.platform.errors import NotFound
from leadline.contracts.platform.http import CurrentUser, signed_in_router

router = signed_in_router(tags=["emails"])

Number = Annotated[int, Path(ge=1, le=1000, description="The attachment's place in `attachments`, from 1.")]
BYTES = {"description": "The bytes, streamed", "content": {"application/octet-stream": {}}}
RAW = {"description": "The message, streamed", "content": {RFC822: {}}}


async def _stream(blobs: Blobs, blob: Blob, media_type: str, file_name: str) -> StreamingResponse:
    try:
        opened = await blobs.open(blob.sha256)
    except BlobNotFound:
        raise NotFound("the blob store does not have these bytes (any more)", rule="blob_missing") from None
    disposition = f"attachment; filename*=UTF-8''{quote(file_name, safe='')}"
    headers = {"Content-Length": str(opened.size), "Content-Disposition": disposition}
    return StreamingResponse(opened.chunks, media_type=media_type, headers=headers)


def _raw(blob: Blob | None, what: str) -> Blob:
    if blob is None:
        raise NotFound(f"{what} was not stored by Leadline: its gateway keeps it", rule="raw_not_stored")
    return blob


def _attachment(attachments: tuple[Attachment, ...], number: int) -> tuple[Attachment, Blob]:
    if number > len(attachments):
        raise NotFound(f"the e-mail has {len(attachments)} attachments", rule="attachment_not_found", field="n")
    attachment = attachments[number - 1]
    if attachment.sha256 is None:
        raise NotFound(
            f"attachment {number} is kept by its gateway, at {attachment.url}", rule="attachment_not_stored", field="n"
        )
    return attachment, Blob(attachment.sha256, attachment.size)


@router.get(
    "/emails/{email_id}/raw",
    summary="A received e-mail as it came (RFC 5322)",
    description="For whoever may see the e-mail (`GET /emails/{id}`). 404 `raw_not_stored` for one a gateway "
    "published without storing it in Leadline.",
    response_class=StreamingResponse,
    responses={200: RAW},
)
async def get_raw_email(email_id: UUID, user: CurrentUser, uow: UnitOfWork, blobs: Blobs) -> StreamingResponse:
    async with uow:
        email = await triage.get_item(uow.emails, email_id, user)
    return await _stream(blobs, _raw(email.raw_message, "the message"), RFC822, f"{email.id}.eml")


@router.get(
    "/emails/{email_id}/attachments/{n}",
    summary="An attachment of a received e-mail",
    description="The `n`-th of its `attachments`, with its content type. 404 `attachment_not_stored` for one its "
    "gateway keeps (its `url` says where).",
    response_class=StreamingResponse,
    responses={200: BYTES},
)
async def get_email_attachment(
    email_id: UUID, n: Number, user: CurrentUser, uow: UnitOfWork, blobs: Blobs
) -> StreamingResponse:
    async with uow:
        email = await triage.get_item(uow.emails, email_id, user)
    attachment, blob = _attachment(email.attachments, n)
    return await _stream(blobs, blob, attachment.content_type, attachment.file_name)


@router.get(
    "/written-emails/{email_id}/raw",
    summary="An e-mail written from a lead, as it is sent (RFC 5322)",
    description="Byte for byte what goes to the SMTP server, for the lead's salesperson, its writer and managers.",
    response_class=StreamingResponse,
    responses={200: RAW},
    tags=["written emails"],
)
async def get_raw_written_email(email_id: UUID, user: CurrentUser, uow: UnitOfWork, blobs: Blobs) -> StreamingResponse:
    async with uow:
        email = await get_written(uow, email_id, user)
    return await _stream(blobs, email.raw_message, RFC822, f"{email.id}.eml")


@router.get(
    "/written-emails/{email_id}/attachments/{n}",
    summary="An attachment of an e-mail written from a lead",
    response_class=StreamingResponse,
    responses={200: BYTES},
    tags=["written emails"],
)
async def get_written_email_attachment(
    email_id: UUID, n: Number, user: CurrentUser, uow: UnitOfWork, blobs: Blobs
) -> StreamingResponse:
    async with uow:
        email = await get_written(uow, email_id, user)
    attachment, blob = _attachment(email.attachments, n)
    return await _stream(blobs, blob, attachment.content_type, attachment.file_name)
