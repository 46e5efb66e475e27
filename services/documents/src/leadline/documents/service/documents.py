"""Use cases of orders and invoices: make them from a lead or an order, move them through their statuses,
delete unused drafts. Each runs inside the caller's unit of work and announces what it did via the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from leadline.contracts.auth import Principal
from leadline.contracts.errors import NotFound, StaleVersion
from leadline.contracts.events import (
    InvoiceCreatedV1,
    InvoiceDeletedV1,
    InvoiceStatusChangedV1,
    OrderCreatedV1,
    OrderDeletedV1,
    OrderStatusChangedV1,
)
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.documents.domain import documents as rules
from leadline.documents.domain.documents import Document, DocumentKind, NewDocument
from leadline.documents.service.use_cases import lead_copy


async def make_from_lead(uow: DocumentsUnitOfWork, kind: DocumentKind, lead_id: UUID, user: Principal) -> Document:
    lead = await lead_copy(uow, lead_id)
    rules.ensure_may_work_on(lead, user)
    type_code = rules.document_type(kind, await uow.settings.all())
    names = rules.Names(
        partner=await uow.partners.get(str(lead.partner_id)) if lead.partner_id else None,
        product=await uow.products.get(lead.product_code) if lead.product_code else None,
    )
    new = rules.from_lead(uuid.uuid4(), kind, type_code, lead, names, user.user_id, datetime.now(UTC))
    return await _add(uow, new)


async def invoice_order(uow: DocumentsUnitOfWork, order_id: UUID, user: Principal) -> Document:
    order = await get(uow, "order", order_id)
    rules.ensure_may_work_on(await uow.leads.get(order.lead_id), user)
    type_code = rules.document_type("invoice", await uow.settings.all())
    new = rules.invoice_from_order(uuid.uuid4(), type_code, order, user.user_id, datetime.now(UTC))
    return await _add(uow, new)


async def change_status(
    uow: DocumentsUnitOfWork,
    kind: DocumentKind,
    document_id: UUID,
    status: str,
    user: Principal,
    expected_version: int | None,
) -> Document:
    document = await _current(uow, kind, document_id, expected_version)
    rules.ensure_may_work_on(await uow.leads.get(document.lead_id), user)
    moved = document.moved_to(status, by=user.user_id, at=datetime.now(UTC))
    await uow.documents.save(moved)
    changed = {
        **_summary(moved),
        "from_status": document.status,
        "changed_by": user.user_id,
        "changed_at": moved.updated_at,
    }
    if kind == "order":
        await uow.outbox.add(OrderStatusChangedV1(order_id=moved.id, **changed))
    else:
        await uow.outbox.add(InvoiceStatusChangedV1(invoice_id=moved.id, **changed))
    return moved


async def delete(
    uow: DocumentsUnitOfWork, kind: DocumentKind, document_id: UUID, user: Principal, expected_version: int | None
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


async def get(uow: DocumentsUnitOfWork, kind: DocumentKind, document_id: UUID) -> Document:
    document = await uow.documents.get(document_id, kind)
    if document is None:
        raise NotFound(f"there is no {kind} {document_id}", rule=f"{kind}_not_found")
    return document


async def _current(
    uow: DocumentsUnitOfWork, kind: DocumentKind, document_id: UUID, expected_version: int | None
) -> Document:
    document = await get(uow, kind, document_id)
    if expected_version is not None and expected_version != document.version:
        raise StaleVersion(
            f"{kind} {document.number} is at version {document.version}, not {expected_version}",
            rule="stale_version",
        )
    return document


async def _add(uow: DocumentsUnitOfWork, new: NewDocument) -> Document:
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
