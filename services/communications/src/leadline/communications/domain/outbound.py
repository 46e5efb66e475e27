"""E-mails written from a lead: who may write them, how one is composed (threaded into the conversation it
answers), and the life of one in the queue it is sent from. Pure rules: no I/O here.

queued ──claim──> sending ──the server took it──> sent
  ^                  │  a refusal for now, the server unreachable (retries left)
  └──────────────────┤
                     └─ refused for good, no retry left, or cut short after the message was handed over ──> failed

Never twice: a send cut short *before* the message was handed to the server (``handed_over_at`` unset) is
retried; one cut short after it may have arrived, so it fails, saying so, rather than being sent again.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal, Self
from uuid import UUID

from leadline.communications.domain.model import Attachment, Blob, KnownLead
from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Forbidden, RuleViolation

OutboundState = Literal["queued", "sending", "sent", "failed"]

_REPLY_PREFIX = re.compile(r"^\s*re\s*:", re.IGNORECASE)
MAX_REASON_CHARS = 2000


def ensure_may_write(lead: KnownLead, user: Principal) -> None:
    """The lead's salesperson writes from it, and managers from every lead."""
    if user.is_manager or (lead.salesperson_id is not None and lead.salesperson_id == user.user_id):
        return
    raise Forbidden(
        "only the lead's salesperson or a manager may write e-mails from it", rule="not_your_lead", field="lead_id"
    )


@dataclass(frozen=True)
class Replied:
    """The e-mail one answers: what threads the answer into its conversation."""

    message_id: str
    references: tuple[str, ...]
    subject_line: str
    sender: str


def reply_subject(subject: str) -> str:
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}".strip()


def thread_of(replied: Replied | None, *, most: int) -> tuple[str | None, tuple[str, ...]]:
    """In-Reply-To and References of an answer (RFC 5322 3.6.4): the message answered, and its references followed
    by it (the ``most`` newest ones)."""
    if replied is None:
        return None, ()
    references = (*[r for r in replied.references if r != replied.message_id], replied.message_id)
    return replied.message_id, references[-most:]


@dataclass(frozen=True)
class NewAttachment:
    file_name: str
    content_type: str
    content: bytes


def message_id_for(email_id: UUID, sender: str) -> str:
    """Leadline's own Message-ID for an e-mail it sends: unique by the e-mail's id, in the sender's domain."""
    return f"{email_id}@{sender.rpartition('@')[2]}"


def compose(
    *,
    message_id: str,
    sender: str,
    sender_name: str | None,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    subject: str,
    text_body: str | None,
    html_body: str | None,
    attachments: tuple[NewAttachment, ...],
    in_reply_to: str | None,
    references: tuple[str, ...],
    at: datetime,
) -> bytes:
    """The message as it will be sent, byte for byte (every retry sends these same bytes)."""
    message = EmailMessage()
    message["From"] = Address(display_name=sender_name or "", addr_spec=sender)
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
        message["References"] = " ".join(f"<{reference}>" for reference in references)
    message.set_content(text_body if text_body is not None else "")
    if html_body is not None:
        message.add_alternative(html_body, subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.file_name)
    return message.as_bytes()


def ensure_has_recipient(to: tuple[str, ...]) -> None:
    if not to:
        raise RuleViolation(
            "the lead has no e-mail address: name the recipients in `to`", rule="no_recipient", field="to"
        )


@dataclass(frozen=True, kw_only=True)
class OutboundEmail:
    id: UUID
    lead_id: UUID
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    sender: str
    sender_name: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject_line: str
    text_body: str | None
    html_body: str | None
    attachments: tuple[Attachment, ...]
    raw_message: Blob
    written_by: str
    written_at: datetime
    state: OutboundState = "queued"
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claim_token: UUID | None = None
    claimed_until: datetime | None = None
    handed_over_at: datetime | None = None
    sent_at: datetime | None = None
    failure_reason: str | None = None

    @property
    def recipients(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.to, *self.cc)))

    def claimed(self, *, at: datetime, lease: timedelta) -> Self:
        """A sender takes it from the queue: until ``claimed_until`` nobody else will."""
        assert self.state == "queued"
        return replace(
            self,
            state="sending",
            attempts=self.attempts + 1,
            claim_token=uuid.uuid4(),
            claimed_until=at + lease,
            handed_over_at=None,
        )

    def handed_over(self, *, at: datetime) -> Self:
        assert self.state == "sending"
        return replace(self, handed_over_at=at)

    def sent(self, *, at: datetime) -> Self:
        assert self.state == "sending"
        return replace(self, state="sent", sent_at=at, claim_token=None, claimed_until=None, failure_reason=None)

    def attempt_failed(self, reason: str, *, at: datetime, attempts: int, retry_after: timedelta) -> Self:
        """A failure that may pass (the server unreachable, a 4xx answer): queued again after a pause that doubles
        with each attempt, unless this was the last attempt allowed."""
        if self.attempts >= attempts:
            return self.failed(f"{reason} (gave up after {self.attempts} attempts)", at=at)
        pause = retry_after * 2 ** (self.attempts - 1)
        return replace(
            self,
            state="queued",
            next_attempt_at=at + pause,
            claim_token=None,
            claimed_until=None,
            handed_over_at=None,
            failure_reason=reason[:MAX_REASON_CHARS],
        )

    def failed(self, reason: str, *, at: datetime) -> Self:
        return replace(
            self,
            state="failed",
            next_attempt_at=None,
            claim_token=None,
            claimed_until=None,
            failure_reason=reason[:MAX_REASON_CHARS],
        )

    def abandoned(self, *, at: datetime) -> Self:
        """Its sender stopped (a crash, a restart) while sending. Before the hand-over nothing can have arrived: it
        goes back to the queue. After it, the message may have arrived: it fails rather than arrive twice."""
        assert self.state == "sending"
        if self.handed_over_at is None:
            return replace(self, state="queued", next_attempt_at=at, claim_token=None, claimed_until=None)
        return self.failed(
            "the sender stopped after handing the message to the SMTP server, which may have delivered it; "
            "not sent again so that it cannot arrive twice (write it again if it did not arrive)",
            at=at,
        )
