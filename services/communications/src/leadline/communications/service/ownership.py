"""Who a call or an e-mail belongs to: the sales team's extensions and addresses (the leads service's directory), each
lead's salesperson (who may correct its attachments and write from it), and what communications learns of leads it
missed (their announcement)."""

from __future__ import annotations

from collections.abc import Sequence

from leadline.communications.domain.directory import Employee
from leadline.communications.domain.model import KnownLead
from leadline.communications.service.lead_reactions import attach_waiting
from leadline.communications.service.unit_of_work import AbstractUnitOfWork
from leadline.contracts.platform.contacts import normalised_email_or_none
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import EmployeeChangedV1, LeadAnnouncedV1, LeadAssignedV1


async def employees_changed(uow: AbstractUnitOfWork, events: Sequence[tuple[EmployeeChangedV1, Envelope]]) -> None:
    """Whose extension is whose (the calls they triage), and whose work address (the e-mails they triage, while they
    are on the team)."""
    await uow.employees.put_all([Employee(e.employee_id, e.extension, e.archived) for e, _ in events])
    for event, _ in events:
        await uow.directory.put(event.employee_id, event.email, archived=event.archived)


async def lead_assigned(uow: AbstractUnitOfWork, event: LeadAssignedV1, envelope: Envelope) -> None:
    """The lead's new salesperson corrects what is attached to it and writes e-mails from it; the one before no longer
    does."""
    await uow.known_leads.update(event.lead_id, salesperson_id=event.to_salesperson_id)


async def lead_announced(uow: AbstractUnitOfWork, event: LeadAnnouncedV1, envelope: Envelope) -> None:
    """A lead as the leads service holds it now, for a lead whose creation this read model missed or kept less of
    (leads older than matching by address): it matches calls and e-mails by its current phone and address from now
    on, and what waited in triage from a phone or address it did not know the lead by joins it."""
    before = await uow.known_leads.get(event.lead_id)
    email = normalised_email_or_none(event.email)
    announced = KnownLead(
        lead_id=event.lead_id,
        phone=event.phone,
        closed=event.closed,
        created_at=event.created_at,
        email=email,
        salesperson_id=event.salesperson_id,
        other_phones=before.other_phones if before else frozenset(),
        other_emails=before.other_emails if before else frozenset(),
        partner_id=before.partner_id if before else None,
    )
    await uow.known_leads.put_all([announced])
    lead = await uow.known_leads.claim(event.lead_id)
    if lead is None or lead.closed:
        return  # gone (deleted or merged away), or closed: nothing waits for it
    new_phone = event.phone if before is None or before.phone != event.phone else None
    new_email = email if before is None or before.email != email else None
    await attach_waiting(uow, lead, new_phone, new_email, envelope)
