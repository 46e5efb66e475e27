"""Saving a call or an e-mail just attached to a lead or returned to triage, and announcing it on the outbox in
the caller's transaction. Shared by what people decide in triage (service.triage), what follows lead events
(service.lead_reactions) and intake (an e-mail's waiting replies follow it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, TypeVar
from uuid import UUID

from leadline.communications.domain.model import Call, Email, TriageItem
from leadline.communications.service.unit_of_work import AbstractTriageRepository, AbstractUnitOfWork
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAttachedV1,
    CallReturnedToTriageV1,
    EmailAttachedV1,
    EmailReturnedToTriageV1,
    Event,
)

T = TypeVar("T", bound=TriageItem)
How = Literal["lead_created", "chosen", "matched"]


async def save_attached(
    uow: AbstractUnitOfWork,
    repository: AbstractTriageRepository[T],
    attached: T,
    how: How,
    by: str,
    at: datetime,
    caused_by: Envelope | None,
) -> None:
    """Saves an item just attached and announces it; an e-mail takes its waiting replies along."""
    assert attached.lead_id is not None
    await repository.save(attached)
    await uow.outbox.add(_attached_event(attached, attached.lead_id, how, by, at), caused_by=caused_by)
    if isinstance(attached, Email):
        await follow_thread(uow, attached, attached.lead_id, caused_by)


def _attached_event(item: TriageItem, lead_id: UUID, how: How, by: str, at: datetime) -> Event:
    if isinstance(item, Call):
        return CallAttachedV1(
            call_id=item.id,
            lead_id=lead_id,
            how=how,
            attached_by=by,
            attached_at=at,
            caller_number=item.caller_number,
            received_at=item.received_at,
        )
    assert isinstance(item, Email)
    return _email_attached(item, lead_id, how, by, at)


def _email_attached(
    email: Email, lead_id: UUID, how: Literal["lead_created", "chosen", "matched", "thread"], by: str, at: datetime
) -> EmailAttachedV1:
    return EmailAttachedV1(
        email_id=email.id,
        lead_id=lead_id,
        how=how,
        attached_by=by,
        attached_at=at,
        sender=email.sender,
        subject_line=email.subject_line,
        sent_at=email.sent_at,
    )


async def follow_thread(uow: AbstractUnitOfWork, email: Email, lead_id: UUID, caused_by: Envelope | None) -> None:
    """Replies to an e-mail that were left in triage (they came first, or were ambiguous by sender) belong
    where the e-mail now is: the thread says more than the sender's address. So do their own replies."""
    pending = [email.message_id]
    now = datetime.now(UTC)
    while pending:
        for reply in await uow.emails.in_triage_replying_to(pending.pop()):
            await uow.emails.save(reply.matched_later(lead_id))
            await uow.outbox.add(_email_attached(reply, lead_id, "thread", uow.outbox.source, now), caused_by=caused_by)
            pending.append(reply.message_id)


async def save_returned(
    uow: AbstractUnitOfWork, repository: AbstractTriageRepository[T], item: T, by: str, caused_by: Envelope | None
) -> None:
    """Saves an item just back in triage and announces it (leads unlinks it, reporting counts it undecided)."""
    assert item.returned is not None
    await repository.save(item)
    returned = {
        "lead_id": item.returned.lead_id,
        "reason": item.returned.reason,
        "detail": item.returned.detail,
        "returned_by": by,
        "returned_at": item.returned.at,
    }
    await uow.outbox.add(
        CallReturnedToTriageV1(call_id=item.id, **returned)
        if isinstance(item, Call)
        else EmailReturnedToTriageV1(email_id=item.id, **returned),
        caused_by=caused_by,
    )
