"""Use cases of orders and invoices: make them from a lead or an order, move them through their statuses,
delete unused drafts, settle them when their lead is deleted or merged. Each runs inside the caller's unit of work
and announces what it did via the outbox.

A document is made only for a lead whose copy it holds (a shared row lock to the commit), and the lead's deletion
or merge locks that copy before it settles the lead's documents; so a document made as the lead goes is either
seen and settled, or refused. Why this leaves no document behind a deleted lead, whatever order events come in:
leads' service/links.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import NotFound, StaleVersion
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    InvoiceCreatedV1,
    InvoiceDeletedV1,
    InvoiceStatusChangedV1,
    LeadDeletedV1,
    LeadMergedV1,
    OrderCreatedV1,
    OrderDeletedV1,
    OrderStatusChangedV1,
)
from leadline.documents.domain import documents as rules
from leadline.documents.domain.documents import Document, DocumentKind, NewDocument
from leadline.documents.service.copies import lead_copy
from leadline.documents.service.unit_of_work import AbstractUnitOfWork


async def make_from_lead(
    uow: AbstractUnitOfWork,
    kind: DocumentKind,
    lead_id: UUID,
    user: Principal,
    *,
    time_zone: tzinfo,
) -> Document:
    """``time_zone``: the company's, whose calendar gives the document its date and its number's year."""
    lead = await lead_copy(uow, lead_id, hold=True)
    rules.ensure_may_work_on(lead, user)
    rules.ensure_lead_not_deleted(lead)
    type_code = rules.document_type(kind, await uow.settings.all())
    names = rules.Names(
        partner=await uow.partners.get(str(lead.partner_id)) if lead.partner_id else None,
        product=await uow.products.get(lead.product_code) if lead.product_code else None,
    )
    new = rules.from_lead(uuid.uuid4(), kind, type_code, lead, names, user.user_id, datetime.now(UTC), time_zone)
    return await _add(uow, new)


async def invoice_order(uow: AbstractUnitOfWork, order_id: UUID, user: Principal, *, time_zone: tzinfo) -> Document:
    # Locked to the commit: two invoices asked for at once, or an invoice and the order's cancellation, take turns.
    order = await get(uow, "order", order_id, for_update=True)
    lead = await uow.leads.get(order.lead_id, hold=True)
    rules.ensure_may_work_on(lead, user)
    if lead is not None:
        rules.ensure_lead_not_deleted(lead)
    type_code = rules.document_type("invoice", await uow.settings.all())
    live_invoices = await uow.documents.live_invoices_of(order.id)
    new = rules.invoice_from_order(
        uuid.uuid4(), type_code, order, live_invoices, user.user_id, datetime.now(UTC), time_zone
    )
    return await _add(uow, new)


async def change_status(
    uow: AbstractUnitOfWork,
    kind: DocumentKind,
    document_id: UUID,
    status: str,
    user: Principal,
    expected_version: int | None,
) -> Document:
    cancelling_order = kind == "order" and status == rules.CANCELLED
    document = await _current(uow, kind, document_id, expected_version, for_update=cancelling_order)
    rules.ensure_may_work_on(await uow.leads.get(document.lead_id), user)
    if cancelling_order:
        rules.ensure_order_may_be_cancelled(document, await uow.documents.live_invoices_of(document.id))
    moved = document.moved_to(status, by=user.user_id, at=datetime.now(UTC))
    await _moved(uow, document, moved, None)
    return moved


async def _moved(uow: AbstractUnitOfWork, before: Document, moved: Document, caused_by: Envelope | None) -> None:
    await uow.documents.save(moved)
    changed = {
        **_summary(moved),
        "from_status": before.status,
        "changed_by": moved.updated_by,
        "changed_at": moved.updated_at,
    }
    if moved.kind == "order":
        await uow.outbox.add(OrderStatusChangedV1(order_id=moved.id, **changed), caused_by=caused_by)
    else:
        await uow.outbox.add(InvoiceStatusChangedV1(invoice_id=moved.id, **changed), caused_by=caused_by)


async def lead_deleted(uow: AbstractUnitOfWork, event: LeadDeletedV1, envelope: Envelope) -> None:
    """Leads deletes only a lead it knows no document of, but a document made here meanwhile (before this event)
    reaches leads after the lead is gone. The copy stays, marked, so the lead's documents still show it and no new
    one is made for it; the lead's documents are settled."""
    await uow.leads.mark_deleted(event.lead_id)
    await _settle_documents_of_deleted_lead(uow, event.lead_id, event.deleted_at, envelope)


async def lead_merged(uow: AbstractUnitOfWork, event: LeadMergedV1, envelope: Envelope) -> None:
    """The survivor has its own copy; the merged lead's goes, and its documents follow the survivor. A merge and
    the survivor's deletion travel under different keys: if the survivor is deleted already, the documents that
    follow it are settled as its own were."""
    await uow.leads.remove(event.merged_id)
    survivor = await uow.leads.get(event.survivor_id, hold=True)
    await uow.documents.move_to_lead(event.merged_id, event.survivor_id)
    if survivor is not None and survivor.deleted:
        await _settle_documents_of_deleted_lead(uow, event.survivor_id, event.merged_at, envelope)


async def _settle_documents_of_deleted_lead(
    uow: AbstractUnitOfWork, lead_id: UUID, at: datetime, envelope: Envelope
) -> None:
    # Invoices first: an order is not cancelled under an invoice that stands.
    for document in sorted(await uow.documents.of_lead(lead_id), key=lambda d: d.kind != "invoice"):
        settled = rules.settled_with_deleted_lead(document, uow.outbox.source, at)
        if settled is None:
            continue
        if settled.kind == "order" and await uow.documents.live_invoices_of(settled.id):
            continue  # a draft order invoiced by an older release: its invoice stands, and so does it
        await _moved(uow, document, settled, envelope)


async def delete(
    uow: AbstractUnitOfWork, kind: DocumentKind, document_id: UUID, user: Principal, expected_version: int | None
) -> None:
    document = await _current(uow, kind, document_id, expected_version)
    rules.ensure_may_work_on(await uow.leads.get(document.lead_id), user)
    rules.ensure_deletable(document, invoiced=kind == "order" and await uow.documents.is_invoiced(document.id))
    await uow.documents.remove(document)
    deleted: dict[str, Any] = {
        "lead_id": document.lead_id,
        "number": document.number,
        "deleted_by": user.user_id,
        "deleted_at": datetime.now(UTC),
    }
    if kind == "order":
        await uow.outbox.add(OrderDeletedV1(order_id=document.id, **deleted))
    else:
        await uow.outbox.add(InvoiceDeletedV1(invoice_id=document.id, **deleted))


async def get(uow: AbstractUnitOfWork, kind: DocumentKind, document_id: UUID, *, for_update: bool = False) -> Document:
    document = await uow.documents.get(document_id, kind, for_update=for_update)
    if document is None:
        raise NotFound(f"there is no {kind} {document_id}", rule=f"{kind}_not_found")
    return document


async def _current(
    uow: AbstractUnitOfWork,
    kind: DocumentKind,
    document_id: UUID,
    expected_version: int | None,
    *,
    for_update: bool = False,
) -> Document:
    document = await get(uow, kind, document_id, for_update=for_update)
    if expected_version is not None and expected_version != document.version:
        raise StaleVersion(
            f"{kind} {document.number} is at version {document.version}, not {expected_version}",
            rule="stale_version",
        )
    return document


async def _add(uow: AbstractUnitOfWork, new: NewDocument) -> Document:
    document = new.numbered(await uow.documents.next_sequence(new.type_code, new.year))
    await uow.documents.add(document)
    created = {**_summary(document), "partner_id": document.partner_id, "created_by": document.created_by}
    if document.kind == "order":
        await uow.outbox.add(OrderCreatedV1(order_id=document.id, **created))
    else:
        await uow.outbox.add(InvoiceCreatedV1(invoice_id=document.id, order_id=document.order_id, **created))
    return document


def _summary(document: Document) -> dict[str, Any]:
    """The fields every created and status-changed event carries: what a lead card shows."""
    return {
        "lead_id": document.lead_id,
        "number": document.number,
        "type_code": document.type_code,
        "document_date": document.document_date,
        "status": document.status,
        "amount": document.amount,
        "currency": document.currency,
        "created_at": document.created_at,
    }
