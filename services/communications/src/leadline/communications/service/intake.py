"""Intake: what gateways report becomes calls and e-mails, each stored once and matched to its lead. Each runs
inside the caller's unit of work and writes its events to the outbox in the same transaction; the caller
commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from leadline.communications.domain.mailbox_position import MailboxPosition
from leadline.communications.domain.model import Addressee, Attachment, Blob, Call, Email, match_email
from leadline.communications.service.announcing import follow_thread
from leadline.communications.service.calls import contact_number, new_call, registered
from leadline.communications.service.unit_of_work import AbstractUnitOfWork
from leadline.contracts.platform.contacts import normalised_email
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import CallReceivedV1, EmailReceivedV1, EmailRegisteredV1, Event


async def register_calls(
    uow: AbstractUnitOfWork,
    received: Sequence[tuple[CallReceivedV1, Envelope]],
    *,
    phone_region: str,
) -> None:
    """Stores the calls a PBX saw and matches each to a lead (by the customer's number: the caller's inbound, the
    called one outbound), a gateway's batch at a time: one query for the calls already stored, one for the leads with
    the customers' numbers, one insert each for the calls and their events. Gateways retry, and a retry carries the
    same PBX call id: it finds the call stored (earlier, or earlier in the batch) and has no further effect.
    Gateways that report the whole lifecycle come in through service.lifecycle instead."""
    seen = await uow.calls.stored_pbx_call_ids({event.pbx_call_id for event, _ in received})
    numbers = {
        event.pbx_call_id: contact_number(event.direction, event.caller_number, event.called_number, phone_region)
        for event, _ in received
    }
    leads_by_phone = await uow.known_leads.with_phones(set(numbers.values()))
    calls: list[Call] = []
    registrations: list[tuple[Event, Envelope | None]] = []
    for event, envelope in received:
        if event.pbx_call_id in seen:
            continue
        seen.add(event.pbx_call_id)
        call, match = new_call(
            pbx_call_id=event.pbx_call_id,
            direction=event.direction,
            caller_number=event.caller_number,
            called_number=event.called_number,
            extension=event.extension,
            received_at=event.received_at,
            contact=numbers[event.pbx_call_id],
            phone_region=phone_region,
            leads_by_phone=leads_by_phone,
        )
        calls.append(call)
        registrations.append((registered(call, match), envelope))
    await uow.calls.add_all(calls)
    await uow.outbox.add_all(registrations)


async def register_email(uow: AbstractUnitOfWork, event: EmailReceivedV1, envelope: Envelope) -> None:
    """Stores an e-mail the mail gateway received and matches it to a lead: by its thread, else by its
    sender. A retry carries the same Message-ID: it finds the e-mail already stored and has no effect."""
    if await uow.emails.get_by_message_id(event.message_id) is not None:
        return
    received = Email(
        id=uuid.uuid4(),
        message_id=event.message_id,
        in_reply_to=event.in_reply_to,
        references=tuple(event.references),
        sender=normalised_email(event.sender.address),
        sender_name=event.sender.name,
        to=tuple(Addressee(mailbox.address, mailbox.name) for mailbox in event.to),
        cc=tuple(Addressee(mailbox.address, mailbox.name) for mailbox in event.cc),
        subject_line=event.subject_line,
        sent_at=event.sent_at,
        text_body=event.text_body,
        html_body=event.html_body,
        attachments=tuple(Attachment(**attachment.model_dump()) for attachment in event.attachments),
        raw_message=Blob(event.raw_message.sha256, event.raw_message.size) if event.raw_message else None,
        state="triage",
    )
    match = match_email(
        received.thread,
        await uow.emails.leads_of_messages(received.thread),
        received.sender,
        await uow.known_leads.with_email(received.sender),
    )
    email = replace(received, state=match.state, lead_id=match.lead_id, candidate_lead_ids=match.candidate_lead_ids)
    await uow.emails.add(email)
    await uow.outbox.add(
        EmailRegisteredV1(
            email_id=email.id,
            message_id=email.message_id,
            sender=email.sender,
            subject_line=email.subject_line,
            sent_at=email.sent_at,
            state=match.state,
            lead_id=match.lead_id,
            matched_by=("thread" if match.by_thread else "sender") if match.state == "attached" else None,
            candidate_lead_ids=list(match.candidate_lead_ids),
        ),
        caused_by=envelope,
    )
    if match.lead_id is not None:
        await follow_thread(uow, email, match.lead_id, envelope)


async def mailbox_position(uow: AbstractUnitOfWork, mailbox: str) -> MailboxPosition | None:
    """How far the mailbox's connector has got (None: it has taken nothing in yet)."""
    return await uow.mailbox_positions.get(mailbox)


async def take_in_from_mailbox(
    uow: AbstractUnitOfWork,
    mailbox: str,
    before: MailboxPosition | None,
    after: MailboxPosition,
    event: EmailReceivedV1 | None,
) -> bool:
    """Moves the mailbox's position past a message and takes the message in (``event``; None: refused, only passed).
    False, with nothing written, when another connector took the message in meanwhile."""
    if not await uow.mailbox_positions.advance(mailbox, before, after, at=datetime.now(UTC)):
        return False
    if event is not None:
        await take_in_message(uow, event)
    return True


async def take_in_message(uow: AbstractUnitOfWork, event: EmailReceivedV1) -> None:
    """A message uploaded to the mail ingestion adapter goes out as a mail gateway's event, through the outbox,
    and comes back in through register_email like every gateway's: one intake, one place that dedupes."""
    await uow.outbox.add(event)
