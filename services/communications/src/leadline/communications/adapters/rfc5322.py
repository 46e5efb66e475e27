"""Reading a real Internet message (RFC 5322, as a mail server delivers it) into the mail gateway's event.

The event refers to the message and its attachments by their place in the blob store (``StoredBlob``, the SHA-256
of the bytes; ``blob:sha256:<hex>`` as an attachment's url), it never carries their bytes: the caller stores them
(``ReadMessage.payloads``). Bodies and References longer than the event admits are cut (the newest references
kept), as the event's schema says; so is the list of attachments (the raw message keeps them all).

Text is decoded as mail clients do, never refused for its encoding: in its declared charset with a
replacement character for each byte that charset cannot read, as UTF-8 (with replacements) when the charset
is unknown or not given; what cannot be stored (NUL, undecodable bytes kept as surrogates) becomes U+FFFD too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from typing import Any

from pydantic import ValidationError

from leadline.contracts.platform.errors import RuleViolation
from leadline.contracts.platform.text import storable
from leadline.contracts.wire.events import EmailReceivedV1, StoredBlob
from leadline.contracts.wire.events.gateway import MAX_ATTACHMENTS, MAX_BODY_CHARS, MAX_REFERENCES

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True)
class ReadMessage:
    event: EmailReceivedV1
    payloads: tuple[bytes, ...]  # each attachment's bytes, as the event lists them: for the blob store


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage
    return message


def gateway_event(raw: bytes, *, received_at: datetime) -> EmailReceivedV1:
    """The event for a message held in memory whole (tests, small messages)."""
    blob = StoredBlob(sha256=hashlib.sha256(raw).hexdigest(), size=len(raw))
    return read_message(parse(raw), blob, received_at=received_at).event


def read_message(message: EmailMessage, raw: StoredBlob, *, received_at: datetime) -> ReadMessage:
    """The event a mail gateway would publish for this message (``raw``: its bytes in the blob store), and the
    attachments to store; a message it cannot describe is refused naming the header at fault."""
    senders = _mailboxes(message, "From")
    if not senders:
        raise RuleViolation("the message has no From address", rule="missing_sender", field="From")
    message_id = _message_ids(message.get("Message-ID"))
    fields: dict[str, Any] = {
        # Without a Message-ID the message's own bytes name it, so an upload retried stays one e-mail.
        "message_id": message_id[0] if message_id else f"{raw.sha256}@leadline.invalid",
        "in_reply_to": next(iter(_message_ids(message.get("In-Reply-To"))), None),
        "references": _message_ids(message.get("References"))[-MAX_REFERENCES:],
        "sender": senders[0],
        "to": _mailboxes(message, "To"),
        "cc": _mailboxes(message, "Cc"),
        "subject_line": str(message.get("Subject", "")).strip(),
        "sent_at": _sent_at(message, received_at),
        "text_body": _body(message, "plain"),
        "html_body": _body(message, "html"),
    }
    parts = list(message.iter_attachments())[:MAX_ATTACHMENTS]
    payloads = tuple(_payload(part) for part in parts)
    fields["attachments"] = [
        _attachment(part, payload, number)
        for number, (part, payload) in enumerate(zip(parts, payloads, strict=True), 1)
    ]
    fields["raw_message"] = raw
    try:
        return ReadMessage(EmailReceivedV1.model_validate(_storable(fields)), payloads)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RuleViolation(f"{where}: {first['msg']}", rule=first["type"], field=where) from None


def _attachment(part: EmailMessage, payload: bytes, number: int) -> dict[str, Any]:
    digest = hashlib.sha256(payload).hexdigest()
    return {
        "file_name": part.get_filename() or f"part-{number}",
        "content_type": part.get_content_type(),
        "size": len(payload),
        "url": f"blob:sha256:{digest}",
        "sha256": digest,
    }


def _payload(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    # A message/rfc822 part (a forwarded e-mail) decodes to the message it holds: kept as its bytes.
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        return inner[0].as_bytes()
    return b""


def _message_ids(header: object) -> list[str]:
    return _MESSAGE_ID.findall(str(header)) if header is not None else []


def _mailboxes(message: EmailMessage, name: str) -> list[dict[str, str | None]]:
    header = message.get(name)
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    return [
        {"address": address.addr_spec, "name": address.display_name or None}
        for address in addresses
        if address.addr_spec and address.addr_spec != "<>"
    ]


def _sent_at(message: EmailMessage, received_at: datetime) -> datetime:
    sent: datetime | None = getattr(message.get("Date"), "datetime", None)
    if sent is None:
        return received_at
    # A Date without a zone ("-0000", or none) is read as UTC rather than as the server's local time.
    return sent if sent.tzinfo is not None else sent.replace(tzinfo=UTC)


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return None
    payload = part.get_payload(decode=True)
    content = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset()
    try:
        text = content.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know, e.g. x-unknown
        text = content.decode("utf-8", errors="replace")
    return text[:MAX_BODY_CHARS]


def _storable(value: Any) -> Any:
    if isinstance(value, StoredBlob):
        return value
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value
