"""Events that gateways publish: the inbound edge of Leadline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from leadline.contracts.events.base import Event
from leadline.contracts.topics import MAIL_EMAIL, TELEPHONY_CALL


class CallReceivedV1(
    Event,
    type="leadline.gateway.telephony.call.received.v1",
    topic=TELEPHONY_CALL,
    subject="pbx_call_id",
):
    """A telephony gateway saw a call reach the PBX. Gateways retry: the same call may arrive twice."""

    pbx_call_id: str = Field(min_length=1, max_length=200, description="The PBX's own call id.")
    caller_number: str = Field(min_length=1, max_length=50, description="As the PBX reports it, any format.")
    called_number: str = Field(min_length=1, max_length=50)
    extension: str | None = Field(default=None, max_length=20, description="PBX extension that took the call.")
    direction: Literal["inbound", "outbound"] = "inbound"
    received_at: datetime


class Mailbox(BaseModel):
    """One address of an e-mail header, e.g. ``Jan Kowalski <jan@example.com>``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    address: EmailStr
    name: str | None = Field(default=None, max_length=200, description="The display name, when the header has one.")


SHA256_HEX = r"^[0-9a-f]{64}$"


class StoredBlob(BaseModel):
    """Bytes Leadline keeps in its blob store, named by their content: the SHA-256 (lower-case hex) of them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sha256: str = Field(
        pattern=SHA256_HEX, description="SHA-256 of the bytes, lower-case hex: their name in the store."
    )
    size: int = Field(ge=0, description="Bytes.")


class MailAttachment(BaseModel):
    """An attachment as the gateway keeps it: events refer to the file, they never carry its bytes."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    file_name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=3, max_length=255, pattern=r"^[\w.+-]+/[\w.+-]+", examples=["application/pdf"])
    size: int = Field(ge=0, description="Bytes.")
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="Where the gateway keeps the file: a URL, or a reference the gateway resolves "
        "(`blob:sha256:<hex>` for one in Leadline's blob store).",
    )
    sha256: str | None = Field(
        default=None,
        pattern=SHA256_HEX,
        description="Set when Leadline's blob store holds the file under this SHA-256 (its own mail adapters store "
        "every attachment): `GET /emails/{id}/attachments/{n}` on communications streams it. Unset: only the "
        "gateway has it, at `url`.",
    )


# Message ids are quoted between angle brackets in headers; Leadline keeps them without.
MessageId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250, pattern=r"^[^<>\s]+$")
]
# An event must fit one Kafka record (1 MB by default) whatever the message: the bodies are capped (a mail
# server keeps the whole message), and so are the lists, so that even their longest values fit together.
MAX_BODY_CHARS = 32_768
MAX_REFERENCES = 50
MAX_ATTACHMENTS = 50


class EmailReceivedV1(
    Event,
    type="leadline.gateway.mail.email.received.v1",
    topic=MAIL_EMAIL,
    subject="message_id",
):
    """A mail gateway received an e-mail for the sales team. Gateways retry: the same message (same
    Message-ID) may arrive twice. Message ids are written without their angle brackets."""

    message_id: MessageId = Field(description="The Message-ID header, without angle brackets.")
    in_reply_to: MessageId | None = Field(default=None, description="The In-Reply-To header, without angle brackets.")
    references: list[MessageId] = Field(
        default_factory=list,
        max_length=MAX_REFERENCES,
        description="The References header, oldest first (the newest ones when there are more).",
    )
    sender: Mailbox = Field(description="The From header.")
    to: list[Mailbox] = Field(default_factory=list, max_length=100)
    cc: list[Mailbox] = Field(default_factory=list, max_length=100)
    subject_line: str = Field(
        default="", max_length=998, description="The Subject header (`subject` names the aggregate in every event)."
    )
    sent_at: datetime = Field(description="The Date header; when the message has none, when the gateway received it.")
    text_body: str | None = Field(
        default=None, max_length=MAX_BODY_CHARS, description="Cut at this length when longer: the gateway keeps it."
    )
    html_body: str | None = Field(default=None, max_length=MAX_BODY_CHARS)
    attachments: list[MailAttachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    raw_message: StoredBlob | None = Field(
        default=None,
        description="The whole message as received (RFC 5322 bytes), when Leadline's blob store holds it: "
        "`GET /emails/{id}/raw` on communications streams it.",
    )
