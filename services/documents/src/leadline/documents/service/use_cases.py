"""Use cases of the documents service."""

from __future__ import annotations

from uuid import UUID

from leadline.contracts.envelope import Envelope
from leadline.contracts.errors import NotFound
from leadline.contracts.events import LeadCreatedV1, LeadDeletedV1, LeadMergedV1, LeadStatusChangedV1
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.documents.domain.model import LeadCopy


async def copy_lead(uow: DocumentsUnitOfWork, event: LeadCreatedV1, envelope: Envelope) -> None:
    if await uow.leads.get(event.lead_id) is not None:
        return
    await uow.leads.add(
        LeadCopy(
            lead_id=event.lead_id,
            name=event.name,
            status_code=event.status_code,
            closed=event.closed,
            salesperson_id=event.salesperson_id,
            phone=event.phone,
            email=event.email,
        )
    )


async def lead_status_changed(uow: DocumentsUnitOfWork, event: LeadStatusChangedV1, envelope: Envelope) -> None:
    await uow.leads.set_status(event.lead_id, event.to_status_code, event.closed)


async def lead_deleted(uow: DocumentsUnitOfWork, event: LeadDeletedV1, envelope: Envelope) -> None:
    await uow.leads.remove(event.lead_id)


async def lead_merged(uow: DocumentsUnitOfWork, event: LeadMergedV1, envelope: Envelope) -> None:
    """The survivor has its own copy; the merged lead's goes. (Documents made from the merged lead will
    follow the survivor once documents keep orders and invoices.)"""
    await uow.leads.remove(event.merged_id)


async def lead_copy(uow: DocumentsUnitOfWork, lead_id: UUID) -> LeadCopy:
    lead = await uow.leads.get(lead_id)
    if lead is None:
        raise NotFound(f"documents know no lead {lead_id} (yet)", rule="lead_not_found")
    return lead
