"""Use cases of the communications service. Each runs inside the caller's unit of work and writes its
events to the outbox in the same transaction; the caller commits.

Calls and e-mails go through the same decisions (create a lead, attach, ignore and undo) and follow leads
the same way (created, changed, merged, deleted); only what they carry and how they match differ."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, cast
from uuid import UUID

from leadline.communications.adapters.repository import TriageRepository
from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.domain.model import (
    Call,
    Email,
    ItemState,
    KnownLead,
    TriageItem,
    ensure_may_handle,
)
from leadline.communications.service.commands import Attach, RequestLead
from leadline.contracts.auth import Principal
from leadline.contracts.envelope import Envelope
from leadline.contracts.errors import NotFound
from leadline.contracts.events import (
    CallAttachedV1,
    CallIgnoredV1,
    CallLeadRequestedV1,
    CallReturnedToTriageV1,
    CallUnignoredV1,
    EmailAttachedV1,
    EmailIgnoredV1,
    EmailLeadRequestedV1,
    EmailReturnedToTriageV1,
    EmailUnignoredV1,
    Event,
    LeadCreatedV1,
    LeadDeletedV1,
    LeadMergedV1,
    LeadRequestRefusedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
    PartnerChangedV1,
)

T = TypeVar("T", bound=TriageItem)
How = Literal["lead_created", "chosen", "matched"]


async def remember_leads(uow: CommunicationsUnitOfWork, events: Sequence[tuple[LeadCreatedV1, Envelope]]) -> None:
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
        email=event.email.lower() if event.email else None,
        salesperson_id=event.salesperson_id,
        partner_id=event.partner_id,
    )


async def _attach_requested(
    uow: CommunicationsUnitOfWork,
    repository: TriageRepository[T],
    requested: list[T],
    event: LeadCreatedV1,
    envelope: Envelope,
) -> None:
    """The lead id was chosen when the lead was requested, so the item it was made from names it already."""
    for item in requested:
        attached = item.attached_to_created_lead(event.lead_id, by=event.created_by, at=event.created_at)
        await _attached(uow, repository, attached, "lead_created", event.created_by, event.created_at, envelope)


async def lead_updated(uow: CommunicationsUnitOfWork, event: LeadUpdatedV1, envelope: Envelope) -> None:
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
        changed["email"] = str(changed["email"]).lower()
    await uow.known_leads.update(event.lead_id, **changed)
    lead = await uow.known_leads.claim(event.lead_id)
    if lead is not None and not lead.closed:
        await attach_waiting(uow, lead, changed.get("phone"), changed.get("email"), envelope)


async def attach_waiting(
    uow: CommunicationsUnitOfWork, lead: KnownLead, phone: str | None, email: str | None, envelope: Envelope
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
    uow: CommunicationsUnitOfWork, repository: TriageRepository[T], items: list[T], lead_id: UUID, envelope: Envelope
) -> None:
    now = datetime.now(UTC)
    for item in items:
        if not item.candidate_lead_ids:
            await _attached(uow, repository, item.matched_later(lead_id), "matched", uow.outbox.source, now, envelope)


async def lead_status_changed(uow: CommunicationsUnitOfWork, event: LeadStatusChangedV1, envelope: Envelope) -> None:
    """Whether a lead is open decides how later items match it."""
    await uow.known_leads.update(event.lead_id, closed=event.closed)


async def lead_merged(uow: CommunicationsUnitOfWork, event: LeadMergedV1, envelope: Envelope) -> None:
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


async def _repoint(repository: TriageRepository[T], merged_id: UUID, survivor_id: UUID) -> None:
    for item in await repository.of_lead(merged_id):
        await repository.save(item.repointed(merged_id, survivor_id))


async def lead_deleted(uow: CommunicationsUnitOfWork, event: LeadDeletedV1, envelope: Envelope) -> None:
    """Leads refuses to delete a lead it knows items of, but an item attached here meanwhile (before this event)
    reaches leads after the lead is gone: it comes back to triage, announced, so it is never left attached to a
    lead that does not exist. The lead is forgotten first, so nothing is attached to it after this."""
    await uow.known_leads.forget(event.lead_id, at=event.deleted_at)
    await _return_to_triage(uow, event.lead_id, f"lead {event.lead_id} was deleted", event.deleted_at, envelope)


async def _return_to_triage(
    uow: CommunicationsUnitOfWork, lead_id: UUID, detail: str, at: datetime, envelope: Envelope
) -> None:
    await _return_attached(uow, uow.calls, lead_id, detail, at, envelope)
    await _return_attached(uow, uow.emails, lead_id, detail, at, envelope)


async def _return_attached(
    uow: CommunicationsUnitOfWork,
    repository: TriageRepository[T],
    lead_id: UUID,
    detail: str,
    at: datetime,
    envelope: Envelope,
) -> None:
    """The items attached to a lead that is gone come back to triage; it is no longer a candidate of others."""
    for item in await repository.attached_to(lead_id):
        returned = item.returned_to_triage("lead_deleted", detail, at=at)
        await _returned(uow, repository, returned, uow.outbox.source, envelope)
    await _drop_candidate(repository, lead_id)


async def _drop_candidate(repository: TriageRepository[T], lead_id: UUID) -> None:
    for item in await repository.in_triage_with_candidate(lead_id):
        await repository.save(item.without_candidate(lead_id))


async def lead_request_refused(uow: CommunicationsUnitOfWork, event: LeadRequestRefusedV1, envelope: Envelope) -> None:
    """The leads service would not create the lead asked for: the item is back in triage with the reason, for a
    person to mend the cause and retry, or to decide otherwise."""
    repository: TriageRepository[Any] = uow.calls if event.item_kind == "call" else uow.emails
    item = await repository.get(event.item_id)
    if item is None or item.state != "lead_requested" or item.lead_id != event.lead_id:
        return  # cancelled, or asked for again and answered, meanwhile
    returned = item.returned_to_triage("lead_request_refused", event.reason, at=event.refused_at)
    await _returned(uow, repository, returned, uow.outbox.source, envelope)


async def _returned(
    uow: CommunicationsUnitOfWork, repository: TriageRepository[T], item: T, by: str, caused_by: Envelope | None
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


async def request_lead_from_call(uow: CommunicationsUnitOfWork, command: RequestLead, user: Principal) -> Call:
    """Asks the leads service for a lead made from the call. The lead id is chosen here, so the
    call knows its lead at once and a request the leads service sees twice creates one lead."""
    call = await get_item(uow.calls, command.item_id, user)
    name = command.name or f"Call from {call.caller_number}"
    requested = call.with_lead_requested(uuid.uuid4(), name, by=user.user_id, at=datetime.now(UTC))
    await _lead_requested(uow, uow.calls, requested, user)
    return requested


async def request_lead_from_email(uow: CommunicationsUnitOfWork, command: RequestLead, user: Principal) -> Email:
    """As for calls: the lead (named after the subject, the sender's address as its e-mail) gets its id here."""
    email = await get_item(uow.emails, command.item_id, user)
    name = command.name or email.subject_line.strip()[:200] or f"E-mail from {email.sender}"
    requested = email.with_lead_requested(uuid.uuid4(), name, by=user.user_id, at=datetime.now(UTC))
    await _lead_requested(uow, uow.emails, requested, user)
    return requested


async def retry_lead_request(
    uow: CommunicationsUnitOfWork, repository: TriageRepository[T], item_id: UUID, user: Principal
) -> T:
    """Asks the leads service again for the lead a call or an e-mail asked for: one still waiting for an answer,
    or one refused (once the cause is mended) or cancelled. The same lead id, so one lead comes of it all."""
    item = await get_item(repository, item_id, user)
    retried = item.lead_request_retried(by=user.user_id, at=datetime.now(UTC))
    await _lead_requested(uow, repository, retried, user)
    return retried


async def cancel_lead_request(
    uow: CommunicationsUnitOfWork, repository: TriageRepository[T], item_id: UUID, user: Principal
) -> T:
    """Stops waiting for the lead asked for: the item is back in triage for another decision."""
    item = await get_item(repository, item_id, user)
    cancelled = item.lead_request_cancelled(by=user.user_id, at=datetime.now(UTC))
    await _returned(uow, repository, cancelled, user.user_id, None)
    return cancelled


async def _lead_requested(
    uow: CommunicationsUnitOfWork, repository: TriageRepository[T], item: T, user: Principal
) -> None:
    assert item.lead_id is not None
    assert item.requested_name is not None
    assert item.decided_at is not None
    await repository.save(item)
    requested = {
        "lead_id": item.lead_id,
        "name": item.requested_name,
        "salesperson_id": user.user_id,
        "requested_by": user.user_id,
        "requested_at": item.decided_at,
    }
    await uow.outbox.add(
        CallLeadRequestedV1(call_id=item.id, phone=item.caller_number, **requested)
        if isinstance(item, Call)
        else EmailLeadRequestedV1(email_id=item.id, email=cast(Email, item).sender, **requested)
    )


async def attach(uow: CommunicationsUnitOfWork, repository: TriageRepository[T], command: Attach, user: Principal) -> T:
    """A person attaches a call or an e-mail in triage to the lead they chose."""
    item = await get_item(repository, command.item_id, user)
    now = datetime.now(UTC)
    attached = item.attached_to(command.lead_id, by=user.user_id, at=now)
    if await uow.known_leads.claim(command.lead_id) is None:
        raise NotFound(f"there is no lead {command.lead_id}", rule="lead_not_found", field="lead_id")
    await _attached(uow, repository, attached, "chosen", user.user_id, now, None)
    return attached


async def ignore(uow: CommunicationsUnitOfWork, repository: TriageRepository[T], item_id: UUID, user: Principal) -> T:
    """Not sales related: the item leaves the Ready list until someone undoes this."""
    item = await get_item(repository, item_id, user)
    now = datetime.now(UTC)
    ignored = item.ignored(by=user.user_id, at=now)
    await repository.save(ignored)
    await uow.outbox.add(
        CallIgnoredV1(call_id=item.id, ignored_by=user.user_id, ignored_at=now)
        if isinstance(item, Call)
        else EmailIgnoredV1(email_id=item.id, ignored_by=user.user_id, ignored_at=now)
    )
    return ignored


async def unignore(uow: CommunicationsUnitOfWork, repository: TriageRepository[T], item_id: UUID, user: Principal) -> T:
    """Undoes an ignore: the item is back in triage, waiting for a decision."""
    item = await get_item(repository, item_id, user)
    now = datetime.now(UTC)
    back = item.unignored()
    await repository.save(back)
    await uow.outbox.add(
        CallUnignoredV1(call_id=item.id, unignored_by=user.user_id, unignored_at=now)
        if isinstance(item, Call)
        else EmailUnignoredV1(email_id=item.id, unignored_by=user.user_id, unignored_at=now)
    )
    return back


async def get_item(repository: TriageRepository[T], item_id: UUID, user: Principal) -> T:
    item = await repository.get(item_id)
    if item is None:
        kind = repository.kind
        raise NotFound(f"there is no {kind} {item_id}", rule=f"{kind}_not_found")
    ensure_may_handle(item, user, frozenset() if user.is_manager else await repository.addresses_of(user))
    return item


async def list_calls(
    uow: CommunicationsUnitOfWork,
    user: Principal,
    *,
    state: ItemState | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Call], str | None]:
    """Newest received first: every call for a manager; a salesperson's own extension's otherwise, and those that
    reached no extension (a queue, an IVR), which any salesperson may take up."""
    return await uow.calls.page_of_extension(
        user.extension, everyone=user.is_manager, state=state, limit=limit, cursor=cursor
    )


async def list_emails(
    uow: CommunicationsUnitOfWork,
    user: Principal,
    *,
    state: ItemState | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Email], str | None]:
    """Newest sent first: every e-mail for a manager; for a salesperson those addressed to them (their address in
    the directory or their token's) or to a shared address."""
    if user.is_manager:
        return await uow.emails.page_addressed_to(None, state=state, limit=limit, cursor=cursor)
    addresses = await uow.emails.addresses_of(user)
    if not addresses:
        return [], None  # no address of their own and none shared: nothing is addressed to this salesperson
    return await uow.emails.page_addressed_to(addresses, state=state, limit=limit, cursor=cursor)


async def _attached(
    uow: CommunicationsUnitOfWork,
    repository: TriageRepository[T],
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


async def follow_thread(uow: CommunicationsUnitOfWork, email: Email, lead_id: UUID, caused_by: Envelope | None) -> None:
    """Replies to an e-mail that were left in triage (they came first, or were ambiguous by sender) belong
    where the e-mail now is: the thread says more than the sender's address. So do their own replies."""
    pending = [email.message_id]
    now = datetime.now(UTC)
    while pending:
        for reply in await uow.emails.in_triage_replying_to(pending.pop()):
            await uow.emails.save(reply.matched_later(lead_id))
            await uow.outbox.add(_email_attached(reply, lead_id, "thread", uow.outbox.source, now), caused_by=caused_by)
            pending.append(reply.message_id)


async def partner_changed(uow: CommunicationsUnitOfWork, event: PartnerChangedV1, _: Envelope) -> None:
    """Later calls and e-mails from a partner's contact persons match the partner's open leads."""
    await uow.known_leads.put_partner_contacts(
        event.partner_id,
        [("phone", phone) for contact in event.contacts for phone in contact.phones]
        + [("email", email.lower()) for contact in event.contacts for email in contact.emails],
    )
