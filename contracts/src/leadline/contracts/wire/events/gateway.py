"""Events that gateways publish: the inbound edge of Leadline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from leadline.contracts.wire.events.base import Event
from leadline.contracts.wire.topics import MAIL_EMAIL, TELEPHONY_CALL, TELEPHONY_COMMAND

Direction = Literal["inbound", "outbound"]
# How a call ended, as every PBX can say it: answered (someone talked), missed (the caller hung up before anyone
# answered), busy, failed (the network or the PBX could not connect it), no-answer (it rang out), voicemail.
Disposition = Literal["answered", "missed", "busy", "failed", "no-answer", "voicemail"]


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
    direction: Direction = "inbound"
    received_at: datetime


PbxCallId = Annotated[str, Field(min_length=1, max_length=200, description="The PBX's own call id.")]
PhoneNumber = Annotated[str, Field(min_length=1, max_length=50, description="As the PBX reports it, any format.")]
Extension = Annotated[str, Field(min_length=1, max_length=20)]


class _CallParties(Event):
    """Who calls whom: enough for communications to register a call from any of its lifecycle events, so a call is
    known whatever order they arrive in."""

    pbx_call_id: PbxCallId
    direction: Direction = Field(description="inbound: a customer calls the company; outbound: the company calls out.")
    caller_number: PhoneNumber = Field(
        description="Who calls: the customer inbound; outbound, the company's number or the extension that calls."
    )
    called_number: PhoneNumber = Field(
        description="Who is called: the company's number inbound; the customer outbound."
    )
    extension: Extension | None = Field(
        default=None,
        description="Inbound: the extension the call rings (none while it waits in a queue or an IVR); outbound: the "
        "extension that placed it.",
    )


class PbxCallRingingV1(
    _CallParties, type="leadline.gateway.telephony.call.ringing.v1", topic=TELEPHONY_CALL, subject="pbx_call_id"
):
    """A call started ringing: inbound, at the company (again with the extension, once the PBX routes it to one);
    outbound, at the customer's. The first of a call's lifecycle events, though it may arrive after others of it."""

    started_at: datetime


class PbxCallAnsweredV1(
    Event, type="leadline.gateway.telephony.call.answered.v1", topic=TELEPHONY_CALL, subject="pbx_call_id"
):
    """Someone picked the call up. Carries the parties when the PBX says them (then it can register the call on its
    own); without them it waits for the call's ringing or ended event."""

    pbx_call_id: PbxCallId
    extension: Extension | None = Field(default=None, description="The extension that answered.")
    answered_at: datetime
    direction: Direction | None = None
    caller_number: PhoneNumber | None = None
    called_number: PhoneNumber | None = None


class PbxCallEndedV1(
    _CallParties, type="leadline.gateway.telephony.call.ended.v1", topic=TELEPHONY_CALL, subject="pbx_call_id"
):
    """The call is over, and how it went."""

    started_at: datetime | None = Field(default=None, description="When it started ringing, if the PBX says.")
    ended_at: datetime
    duration_seconds: int = Field(ge=0, le=7 * 24 * 3600, description="How long the parties talked (0 unanswered).")
    disposition: Disposition


class PbxRecordingAvailableV1(
    Event, type="leadline.gateway.telephony.call.recording_available.v1", topic=TELEPHONY_CALL, subject="pbx_call_id"
):
    """The call's recording can be fetched. A reference only — a URL, or the id the gateway knows it by (or
    both) — never the audio."""

    pbx_call_id: PbxCallId
    recording_url: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        pattern=r"^https?://",
        description="Where the recording can be fetched.",
    )
    recording_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The gateway's id of the recording, for gateways that serve it on request.",
    )
    available_at: datetime

    @model_validator(mode="after")
    def _referenced(self) -> PbxRecordingAvailableV1:
        if self.recording_url is None and self.recording_id is None:
            raise ValueError("a recording needs recording_url or recording_id")
        return self


# What a PBX reports of a call's lifecycle, in any order, any number of times.
PbxReport = PbxCallRingingV1 | PbxCallAnsweredV1 | PbxCallEndedV1 | PbxRecordingAvailableV1


class DialRequestedV1(
    Event, type="leadline.gateway.telephony.dial.requested.v1", topic=TELEPHONY_COMMAND, subject="dial_id"
):
    """Click-to-call: a salesperson asks the PBX to connect their extension to a number. The gateway rings the
    extension, then dials the number (a PBX "callback"); the call then reports its lifecycle like any other.
    A request is worth acting on for a short while only: a gateway drops one older than a couple of minutes."""

    dial_id: UUID = Field(description="Unique per request: a gateway that sees it twice dials once.")
    extension: Extension = Field(description="The salesperson's extension, rung first.")
    number: str = Field(min_length=2, max_length=20, pattern=r"^\+[1-9][0-9]{1,18}$", description="E.164.")
    lead_id: UUID | None = Field(default=None, description="The lead the number was taken from, if one was.")
    requested_by: str
    requested_at: datetime


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
