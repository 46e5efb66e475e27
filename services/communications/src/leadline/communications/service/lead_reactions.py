"""What follows lead events: communications keeps the leads it knows (to match later calls and e-mails by phone and
address), attaches what waited for a lead once it appears, and follows leads as they change, merge, go, or are
refused. Each runs inside the consumer's unit of work and writes its events to the outbox in the same transaction;
the consumer commits.

Calls and e-mails follow leads the same way; only what they carry and how they match differ."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from leadline.communications.domain.model import KnownLead, TriageItem
from leadline.communications.service.announcing import save_attached, save_returned
from leadline.communications.service.unit_of_work import AbstractTriageRepository, AbstractUnitOfWork
from leadline.contracts.platform.contacts import normalised_email, normalised_email_or_none
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    LeadCreatedV1,
    LeadDeletedV1,
    LeadMergedV1,
    LeadRequestRefusedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
    PartnerChangedV1,
)

T = TypeVar("T", bound=TriageItem)


async def remember_leads(uow: AbstractUnitOfWork, events: Sequence[tuple[LeadCreatedV1, Envelope]]) -> None:
    """Keeps new leads for matching later calls and e-mails, a batch at a time; what waited for such a lead joins
    it, and what it was created from gets attached. Each kind of thing is read once for the whole batch."""
    created = [(_known(event), event, envelope) for event, envelope in events]
    await uow.known_leads.put_all([lead for lead, _, _ in created])
    open_leads = [lead for lead, _, _ in created if not lead.closed]
    calls_waiting = await uow.calls.in_triage_from_any({lead.phone for lead in open_leads if lead.phone})
    emails_waiting = await uow.emails.in_triage_from_any({lead.email for lead in open_leads if lead.email})
    lead_ids = {lead.lead_id for lead, _, _ in created}
    calls_requested = await uow.calls.awaiting_leads(lead_ids)
    emails_requested = await uow.emails.awaiting_leads(lead_ids)
    # What asked for a lead is attached to it as made from it, though one back in triage (its request refused or
    # cancelled) may also be waiting for a lead with its number or address: it is no longer waiting for that.
    calls_waiting = _without(calls_waiting, calls_requested)
    emails_waiting = _without(emails_waiting, emails_requested)
    for lead, event, envelope in created:
        await _attach_requested(uow, uow.calls, calls_requested.get(lead.lead_id, []), event, envelope)
        await _attach_requested(uow, uow.emails, emails_requested.get(lead.lead_id, []), event, envelope)
        if not lead.closed:
            # Taken out of the batch's lists: a second lead with the same number finds them decided, as it would
            # have one event at a time.
            if lead.phone:
                await _attach_all(uow, uow.calls, calls_waiting.pop(lead.phone, []), lead.lead_id, envelope)
            if lead.email:
                await _attach_all(uow, uow.emails, emails_waiting.pop(lead.email, []), lead.lead_id, envelope)


def _without(waiting: dict[str, list[T]], requested: dict[UUID, list[T]]) -> dict[str, list[T]]:
    taken = {item.id for items in requested.values() for item in items}
    return {contact: [item for item in items if item.id not in taken] for contact, items in waiting.items()}


def _known(event: LeadCreatedV1) -> KnownLead:
    return KnownLead(
        lead_id=event.lead_id,
        phone=event.phone,
        closed=event.closed,
        created_at=event.created_at,
        email=normalised_email_or_none(event.email),
        salesperson_id=event.salesperson_id,
        partner_id=event.partner_id,
    )


async def _attach_requested(
    uow: AbstractUnitOfWork,
    repository: AbstractTriageRepository[T],
    requested: list[T],
    event: LeadCreatedV1,
    envelope: Envelope,
) -> None:
    """The lead id was chosen when the lead was requested, so the item it was made from names it already."""
    for item in requested:
        attached = item.attached_to_created_lead(event.lead_id, by=event.created_by, at=event.created_at)
        await save_attached(uow, repository, attached, "lead_created", event.created_by, event.created_at, envelope)


async def lead_updated(uow: AbstractUnitOfWork, event: LeadUpdatedV1, envelope: Envelope) -> None:
    """A lead's phone or e-mail changed: later items match the new one, and items waiting for it join it. A lead
    that gained the contacts of leads merged into it (``extra_contacts``) is matched by those too, and one given a
    partner by its contact persons'."""
    for change in event.changes:
        if change.field == "extra_contacts":
            gained = [(str(contact["kind"]), str(contact["value"])) for contact in change.new or []]
            await uow.known_leads.add_contacts(event.lead_id, gained)
        if change.field == "partner_id":
            await uow.known_leads.update(event.lead_id, partner_id=UUID(change.new) if change.new else None)
    changed = {change.field: change.new for change in event.changes if change.field in ("phone", "email")}
    if not changed:
        return
    if changed.get("email"):
        changed["email"] = normalised_email(str(changed["email"]))
    await uow.known_leads.update(event.lead_id, **changed)
    lead = await uow.known_leads.claim(event.lead_id)
    if lead is not None and not lead.closed:
        await attach_waiting(uow, lead, changed.get("phone"), changed.get("email"), envelope)


async def attach_waiting(
    uow: AbstractUnitOfWork, lead: KnownLead, phone: str | None, email: str | None, envelope: Envelope
) -> None:
    """An item that came before its sender's lead was known waits in triage with no candidate; the lead
    appearing is the match it lacked. Items with several candidates stay for a person to decide."""
    if phone:
        waiting = await uow.calls.in_triage_from_any({phone})
        await _attach_all(uow, uow.calls, waiting.get(phone, []), lead.lead_id, envelope)
    if email:
        waiting_emails = await uow.emails.in_triage_from_any({email})
        await _attach_all(uow, uow.emails, waiting_emails.get(email, []), lead.lead_id, envelope)


async def _attach_all(
    uow: AbstractUnitOfWork, repository: AbstractTriageRepository[T], items: list[T], lead_id: UUID, envelope: Envelope
) -> None:
    now = datetime.now(UTC)
    for item in items:
        if not item.candidate_lead_ids:
            matched = item.matched_later(lead_id)
            await save_attached(uow, repository, matched, "matched", uow.outbox.source, now, envelope)


async def lead_status_changed(uow: AbstractUnitOfWork, event: LeadStatusChangedV1, envelope: Envelope) -> None:
    """Whether a lead is open decides how later items match it."""
    await uow.known_leads.update(event.lead_id, closed=event.closed)


async def lead_merged(uow: AbstractUnitOfWork, event: LeadMergedV1, envelope: Envelope) -> None:
    """Calls and e-mails follow the merged lead to its survivor; the merged lead matches nothing later. A merge
    and the survivor's deletion travel under different keys, so they may come in either order: if the survivor
    is gone already, what the merged lead held comes back to triage as the survivor's own items did."""
    await uow.known_leads.forget(event.merged_id, at=event.merged_at)
    if await uow.known_leads.is_gone(event.survivor_id):
        detail = f"lead {event.survivor_id}, into which lead {event.merged_id} was merged, was deleted"
        await _return_to_triage(uow, event.merged_id, detail, event.merged_at, envelope)
        return
    await _repoint(uow.calls, event.merged_id, event.survivor_id)
    await _repoint(uow.emails, event.merged_id, event.survivor_id)


async def _repoint(repository: AbstractTriageRepository[T], merged_id: UUID, survivor_id: UUID) -> None:
    for item in await repository.of_lead(merged_id):
        await repository.save(item.repointed(merged_id, survivor_id))


async def lead_deleted(uow: AbstractUnitOfWork, event: LeadDeletedV1, envelope: Envelope) -> None:
    """Leads refuses to delete a lead it knows items of, but an item attached here meanwhile (before this event)
    reaches leads after the lead is gone: it comes back to triage, announced, so it is never left attached to a
    lead that does not exist. The lead is forgotten first, so nothing is attached to it after this."""
    await uow.known_leads.forget(event.lead_id, at=event.deleted_at)
    await _return_to_triage(uow, event.lead_id, f"lead {event.lead_id} was deleted", event.deleted_at, envelope)


async def _return_to_triage(
    uow: AbstractUnitOfWork, lead_id: UUID, detail: str, at: datetime, envelope: Envelope
) -> None:
    await _return_attached(uow, uow.calls, lead_id, detail, at, envelope)
    await _return_attached(uow, uow.emails, lead_id, detail, at, envelope)


async def _return_attached(
    uow: AbstractUnitOfWork,
    repository: AbstractTriageRepository[T],
    lead_id: UUID,
    detail: str,
    at: datetime,
    envelope: Envelope,
) -> None:
    """The items attached to a lead that is gone come back to triage; it is no longer a candidate of others."""
    for item in await repository.attached_to(lead_id):
        returned = item.returned_to_triage("lead_deleted", detail, at=at)
        await save_returned(uow, repository, returned, uow.outbox.source, envelope)
    await _drop_candidate(repository, lead_id)


async def _drop_candidate(repository: AbstractTriageRepository[T], lead_id: UUID) -> None:
    for item in await repository.in_triage_with_candidate(lead_id):
        await repository.save(item.without_candidate(lead_id))


async def lead_request_refused(uow: AbstractUnitOfWork, event: LeadRequestRefusedV1, envelope: Envelope) -> None:
    """The leads service would not create the lead asked for: the item is back in triage with the reason, for a
    person to mend the cause and retry, or to decide otherwise."""
    repository: AbstractTriageRepository[Any] = uow.calls if event.item_kind == "call" else uow.emails
    item = await repository.get(event.item_id)
    if item is None or item.state != "lead_requested" or item.lead_id != event.lead_id:
        return  # cancelled, or asked for again and answered, meanwhile
    returned = item.returned_to_triage("lead_request_refused", event.reason, at=event.refused_at)
    await save_returned(uow, repository, returned, uow.outbox.source, envelope)


async def partner_changed(uow: AbstractUnitOfWork, event: PartnerChangedV1, _: Envelope) -> None:
    """Later calls and e-mails from a partner's contact persons match the partner's open leads."""
    await uow.known_leads.put_partner_contacts(
        event.partner_id,
        [("phone", phone) for contact in event.contacts for phone in contact.phones]
        + [("email", normalised_email(email)) for contact in event.contacts for email in contact.emails],
    )
