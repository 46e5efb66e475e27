"""What every mail adapter of communications does with a message it received (an upload, an LMTP or SMTP delivery,
a message read from an IMAP mailbox): store its bytes and its attachments in the blob store, and describe it as the
mail gateway's event. The adapter then puts the event in the outbox (``intake.take_in_message``), in the
transaction that also records whatever the adapter must remember (an IMAP mailbox's position).

A message is read as it streams in: it is spooled and parsed piece by piece, never held whole by the caller. One
that is too large or that cannot be described (no sender, a broken address) is refused before anything is stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from datetime import datetime
from email import policy
from email.feedparser import BytesFeedParser
from email.message import EmailMessage

from leadline.communications.adapters.blobs import BlobStore
from leadline.communications.adapters.rfc5322 import read_message
from leadline.contracts.wire.events import EmailReceivedV1


async def receive_message(blobs: BlobStore, chunks: AsyncIterable[bytes], *, received_at: datetime) -> EmailReceivedV1:
    """Stores the message and its attachments, and returns the event that refers to them. Raises BlobTooLarge past
    the store's limit, RuleViolation (naming the header) for a message that cannot be described."""
    parser = BytesFeedParser(policy=policy.default)
    async with blobs.spool() as spool:
        async for chunk in chunks:
            await spool.write(chunk)
            parser.feed(chunk)
        message = parser.close()
        assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage
        read = read_message(message, spool.blob, received_at=received_at)
        for payload in read.payloads:
            await blobs.put(payload)
        await blobs.keep(spool)
    return read.event


async def receive_bytes(blobs: BlobStore, raw: bytes, *, received_at: datetime) -> EmailReceivedV1:
    """The same for a message an adapter already holds whole (an LMTP delivery, an IMAP fetch)."""

    async def whole() -> AsyncIterable[bytes]:
        yield raw

    return await receive_message(blobs, whole(), received_at=received_at)
