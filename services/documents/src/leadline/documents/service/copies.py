"""The documents service's copies of what the leads service owns: leads, settings, product and partner names,
each kept from the leads service's events inside the consumer's unit of work; and reading the copy of a lead,
which orders and invoices are filled from."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from leadline.contracts.platform.errors import NotFound
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    LeadAssignedV1,
    LeadCreatedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
    PartnerChangedV1,
    ReferenceItemChangedV1,
    SettingChangedV1,
)
from leadline.documents.domain.lead_copy import LeadCopy
from leadline.documents.service.unit_of_work import AbstractUnitOfWork


async def copy_leads(uow: AbstractUnitOfWork, events: Sequence[tuple[LeadCreatedV1, Envelope]]) -> None:
    """Keeps a copy of each new lead, a batch at a time; a creation seen again changes nothing."""
    known = await uow.leads.known({event.lead_id for event, _ in events})
    copies = []
    for event, _ in events:
        if event.lead_id not in known:
            known.add(event.lead_id)
            copies.append(_copy(event))
    await uow.leads.add_all(copies)


def _copy(event: LeadCreatedV1) -> LeadCopy:
    return LeadCopy(
        lead_id=event.lead_id,
        name=event.name,
        status_code=event.status_code,
        closed=event.closed,
        salesperson_id=event.salesperson_id,
        phone=event.phone,
        email=event.email,
        partner_id=event.partner_id,
        product_code=event.product_code,
        expected_revenue=event.expected_revenue,
        currency=event.currency,
        street=event.street,
        city=event.city,
        postal_code=event.postal_code,
        country=event.country,
    )


async def lead_updated(uow: AbstractUnitOfWork, event: LeadUpdatedV1, envelope: Envelope) -> None:
    lead = await uow.leads.get(event.lead_id)
    if lead is None:
        return  # a lead documents never heard created (deleted, or merged away, meanwhile)
    updated = lead.updated({change.field: change.new for change in event.changes})
    if updated != lead:
        await uow.leads.save(updated)


async def lead_status_changed(uow: AbstractUnitOfWork, event: LeadStatusChangedV1, envelope: Envelope) -> None:
    await uow.leads.set_status(event.lead_id, event.to_status_code, event.closed)


async def lead_assigned(uow: AbstractUnitOfWork, event: LeadAssignedV1, envelope: Envelope) -> None:
    await uow.leads.set_salesperson(event.lead_id, event.to_salesperson_id)


async def setting_changed(uow: AbstractUnitOfWork, event: SettingChangedV1, envelope: Envelope) -> None:
    await uow.settings.put(event.key, event.value)


async def reference_item_changed(uow: AbstractUnitOfWork, event: ReferenceItemChangedV1, envelope: Envelope) -> None:
    """Product names label order lines; other reference items are no concern of documents."""
    if event.kind != "product":
        return
    if event.deleted:
        await uow.products.remove(event.code)
    else:
        await uow.products.put(event.code, event.name)


async def partner_changed(uow: AbstractUnitOfWork, event: PartnerChangedV1, envelope: Envelope) -> None:
    """An archived partner keeps its name: documents already made to it still show it."""
    await uow.partners.put(str(event.partner_id), event.name)


async def lead_copy(uow: AbstractUnitOfWork, lead_id: UUID, *, hold: bool = False) -> LeadCopy:
    lead = await uow.leads.get(lead_id, hold=hold)
    if lead is None:
        raise NotFound(f"documents know no lead {lead_id} (yet)", rule="lead_not_found")
    return lead
