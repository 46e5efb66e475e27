"""Writing e-mails from a lead, and the queue they are sent from.

``write_email`` composes the message (with Leadline's own Message-ID, threaded into the e-mail it answers), keeps
its bytes in the blob store and queues it, in the request's transaction, with EmailWrittenV1 for the lead's card.
``OutboundSender`` (one per service process) sends what is due through the company's SMTP server: it claims an
e-mail first (a conditional update, so replicas never send one e-mail twice), notes the hand-over before DATA, and
records the outcome; the rules of the states are in domain/outbound.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from leadline.communications.adapters.blobs import BlobStore
from leadline.communications.adapters.smtp import Refused, SmtpRelay, Unreachable
from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.domain.model import Attachment, Blob, KnownLead
from leadline.communications.domain.outbound import (
    NewAttachment,
    OutboundEmail,
    OutboundState,
    Replied,
    compose,
    ensure_has_recipient,
    ensure_may_write,
    message_id_for,
    reply_subject,
    thread_of,
)
from leadline.communications.service.unit_of_work import AbstractUnitOfWork
from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Conflict, NotFound, RuleViolation
from leadline.contracts.wire.events import EmailSendFailedV1, EmailSentV1, EmailWrittenV1
from leadline.contracts.wire.events.gateway import MAX_REFERENCES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteEmail:
    lead_id: UUID
    to: tuple[str, ...]  # empty: the lead's own address
    cc: tuple[str, ...]
    subject: str | None  # None: "Re: " and the subject of the e-mail answered
    text_body: str | None
    html_body: str | None
    attachments: tuple[NewAttachment, ...] = ()
    reply_to_email_id: UUID | None = None


async def prepare_email(
    uow: AbstractUnitOfWork,
    blobs: BlobStore,
    command: WriteEmail,
    user: Principal,
    *,
    default_sender: str,
) -> OutboundEmail:
    """Composes an e-mail from a lead and keeps its bytes (the message and its attachments) in the blob store, ready
    to be queued (``queue_email``). Only reads: the blob store is written outside the transaction that queues it.
    ``default_sender``: the From address of a writer the directory has no address of (empty: no SMTP server is
    configured, so nothing can be sent)."""
    lead = await _lead_to_write_from(uow, command.lead_id, user)
    if not default_sender:
        raise Conflict(
            "no SMTP server is configured (SMTP_HOST), so no e-mail can be sent", rule="sending_not_configured"
        )
    replied = await _replied(uow, command.reply_to_email_id, lead) if command.reply_to_email_id else None
    to = command.to or ((lead.email,) if lead.email else ())
    ensure_has_recipient(to)
    subject = command.subject if command.subject is not None else reply_subject(replied.subject_line if replied else "")
    sender = await uow.directory.address_of(user.user_id) or default_sender
    email_id, now = uuid.uuid4(), datetime.now(UTC)
    message_id = message_id_for(email_id, sender)
    in_reply_to, references = thread_of(replied, most=MAX_REFERENCES)  # as many as an e-mail event carries
    raw = compose(
        message_id=message_id,
        sender=sender,
        sender_name=user.name,
        to=to,
        cc=command.cc,
        subject=subject,
        text_body=command.text_body,
        html_body=command.html_body,
        attachments=command.attachments,
        in_reply_to=in_reply_to,
        references=references,
        at=now,
    )
    attachments = []
    for attachment in command.attachments:
        stored = await blobs.put(attachment.content)
        attachments.append(
            Attachment(
                file_name=attachment.file_name,
                content_type=attachment.content_type,
                size=stored.size,
                url=f"blob:sha256:{stored.sha256}",
                sha256=stored.sha256,
            )
        )
    raw_message = await blobs.put(raw)
    return OutboundEmail(
        id=email_id,
        lead_id=lead.lead_id,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        sender=sender,
        sender_name=user.name,
        to=to,
        cc=command.cc,
        subject_line=subject,
        text_body=command.text_body,
        html_body=command.html_body,
        attachments=tuple(attachments),
        raw_message=Blob(raw_message.sha256, raw_message.size),
        written_by=user.user_id,
        written_at=now,
        next_attempt_at=now,
    )


async def queue_email(uow: AbstractUnitOfWork, email: OutboundEmail, user: Principal) -> OutboundEmail:
    """Queues a prepared e-mail for sending and links it to its lead (EmailWrittenV1). The lead is held, as items
    attached to it are, so it is not gone by the commit; and it is checked again, it may have changed meanwhile."""
    await _lead_to_write_from(uow, email.lead_id, user)
    await uow.outbound_emails.add(email)
    await uow.outbox.add(
        EmailWrittenV1(
            email_id=email.id,
            lead_id=email.lead_id,
            message_id=email.message_id,
            in_reply_to=email.in_reply_to,
            sender=email.sender,
            to=list(email.to),
            cc=list(email.cc),
            subject_line=email.subject_line,
            written_by=email.written_by,
            written_at=email.written_at,
        )
    )
    return email


async def _lead_to_write_from(uow: AbstractUnitOfWork, lead_id: UUID, user: Principal) -> KnownLead:
    lead = await uow.known_leads.claim(lead_id)
    if lead is None:
        raise NotFound(f"there is no lead {lead_id}", rule="lead_not_found")
    ensure_may_write(lead, user)
    return lead


async def _replied(uow: AbstractUnitOfWork, email_id: UUID, lead: KnownLead) -> Replied:
    """The e-mail answered: one received and attached to the lead, or one written from it."""
    received = await uow.emails.get(email_id)
    if received is not None:
        if received.lead_id != lead.lead_id or received.state != "attached":
            raise RuleViolation(
                f"e-mail {email_id} is not one of lead {lead.lead_id}'s",
                rule="not_this_leads_email",
                field="reply_to_email_id",
            )
        return Replied(received.message_id, received.references, received.subject_line, received.sender)
    written = await uow.outbound_emails.get(email_id)
    if written is None:
        raise NotFound(f"there is no e-mail {email_id}", rule="email_not_found", field="reply_to_email_id")
    if written.lead_id != lead.lead_id:
        raise RuleViolation(
            f"e-mail {email_id} is not one of lead {lead.lead_id}'s",
            rule="not_this_leads_email",
            field="reply_to_email_id",
        )
    return Replied(written.message_id, written.references, written.subject_line, written.sender)


async def get_written(uow: AbstractUnitOfWork, email_id: UUID, user: Principal) -> OutboundEmail:
    """An e-mail written from a lead, for its writer, the lead's salesperson and managers."""
    email = await uow.outbound_emails.get(email_id)
    if email is None:
        raise NotFound(f"there is no written e-mail {email_id}", rule="email_not_found")
    if not user.is_manager and email.written_by != user.user_id:
        lead = await uow.known_leads.get(email.lead_id)
        ensure_may_write(lead or KnownLead(email.lead_id, None, closed=True, created_at=email.written_at), user)
    return email


async def written_from(uow: AbstractUnitOfWork, lead_id: UUID, user: Principal) -> list[OutboundEmail]:
    """The e-mails written from a lead, oldest first, for its salesperson and managers."""
    await _lead_to_write_from(uow, lead_id, user)
    return await uow.outbound_emails.of_lead(lead_id)


@dataclass(frozen=True)
class SendingPolicy:
    attempts: int
    retry_after: timedelta
    lease: timedelta  # how long a claim holds: longer than one send can take
    batch: int = 20


class OutboundSender:
    """Sends the queue through the relay, woken when an e-mail is queued and every ``poll`` seconds for retries."""

    def __init__(
        self,
        unit_of_work: Callable[[], CommunicationsUnitOfWork],
        blobs: BlobStore,
        relay: SmtpRelay,
        policy: SendingPolicy,
        *,
        poll_seconds: float,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._blobs = blobs
        self._relay = relay
        self._policy = policy
        self._poll_seconds = poll_seconds
        self.wakeup = asyncio.Event()
        self.outcomes: Counter[str] = Counter()  # sent, retried, failed: for /metrics
        self.queue: dict[OutboundState, int] = {}

    async def run(self) -> None:
        while True:
            try:
                await self.send_due()
            except Exception:
                log.exception("outbound e-mail: a pass over the queue failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=self._poll_seconds)
            self.wakeup.clear()

    async def send_due(self) -> None:
        now = datetime.now(UTC)
        async with self._unit_of_work() as uow:
            for abandoned in await uow.outbound_emails.abandoned(now):
                await self._record(uow, abandoned, abandoned.abandoned(at=now))
            due = await uow.outbound_emails.due(now, self._policy.batch)
            await uow.commit()
        for email in due:
            await self._send(email)
        async with self._unit_of_work() as uow:
            self.queue = await uow.outbound_emails.count_by_state()

    async def _send(self, email: OutboundEmail) -> None:
        claimed = email.claimed(at=datetime.now(UTC), lease=self._policy.lease)
        if not await self._change(email, claimed):
            return  # another sender took it
        sending = claimed
        try:
            raw = await self._blobs.read_all(email.raw_message.sha256)
            async with self._relay.session() as relay:
                await relay.envelope(email.sender, email.recipients)
                handed = sending.handed_over(at=datetime.now(UTC))
                if not await self._change(sending, handed):
                    return  # its claim ran out and another sender has it now
                sending = handed
                await relay.data(raw)
        except Refused as refusal:
            await self._failed_attempt(sending, refusal.reason, for_good=refusal.permanent)
        except (Unreachable, OSError, TimeoutError) as error:
            if sending.handed_over_at is not None:
                reason = (
                    f"the connection broke after the message was handed to the SMTP server ({error}); it may have "
                    "been delivered, so it is not sent again (write it again if it did not arrive)"
                )
                await self._failed_attempt(sending, reason, for_good=True)
            else:
                await self._failed_attempt(sending, str(error), for_good=False)
        else:
            sent = sending.sent(at=datetime.now(UTC))
            if await self._change(sending, sent):
                self.outcomes["sent"] += 1

    async def _failed_attempt(self, email: OutboundEmail, reason: str, *, for_good: bool) -> None:
        now = datetime.now(UTC)
        after = (
            email.failed(reason, at=now)
            if for_good
            else email.attempt_failed(
                reason, at=now, attempts=self._policy.attempts, retry_after=self._policy.retry_after
            )
        )
        log.warning("outbound e-mail %s: %s (%s)", email.id, reason, after.state)
        if await self._change(email, after):
            self.outcomes["failed" if after.state == "failed" else "retried"] += 1

    async def _change(self, before: OutboundEmail, after: OutboundEmail) -> bool:
        async with self._unit_of_work() as uow:
            if not await self._record(uow, before, after):
                return False
            await uow.commit()
        return True

    async def _record(self, uow: AbstractUnitOfWork, before: OutboundEmail, after: OutboundEmail) -> bool:
        """Writes the change if nobody changed the e-mail meanwhile, with the event a sent or failed one causes."""
        if not await uow.outbound_emails.replace(before, after):
            return False
        common = {"email_id": after.id, "lead_id": after.lead_id, "message_id": after.message_id}
        if after.state == "sent":
            assert after.sent_at is not None
            await uow.outbox.add(EmailSentV1(**common, attempts=after.attempts, sent_at=after.sent_at))
        elif after.state == "failed":
            await uow.outbox.add(
                EmailSendFailedV1(
                    **common,
                    reason=after.failure_reason or "",
                    attempts=max(after.attempts, 1),
                    failed_at=datetime.now(UTC),
                )
            )
        return True
