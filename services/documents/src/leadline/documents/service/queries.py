"""Read use cases of orders and invoices: a document with what its answer shows besides (its lead, an order's
invoices), one at a time, a lead's, or a page of them. They take the SQL unit of work, not the protocols of
unit_of_work.py: a page is the adapters' keyset pagination, tested against the database."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.documents.domain.documents import Document, DocumentKind
from leadline.documents.domain.lead_copy import LeadCopy


@dataclass(frozen=True)
class DocumentView:
    document: Document
    lead: LeadCopy | None  # as documents keeps it (None: not heard of yet)
    invoice_ids: list[UUID]  # of an order, oldest first; an invoice has none


async def view(uow: DocumentsUnitOfWork, document: Document) -> DocumentView:
    invoice_ids = await uow.documents.invoices_of(document.id) if document.kind == "order" else []
    return DocumentView(document, await uow.leads.get(document.lead_id), invoice_ids)


async def lead_documents(uow: DocumentsUnitOfWork, lead_id: UUID) -> list[DocumentView]:
    """Oldest first."""
    return [await view(uow, document) for document in await uow.documents.of_lead(lead_id)]


async def page(
    uow: DocumentsUnitOfWork, kind: DocumentKind, *, limit: int, cursor: str | None
) -> tuple[list[DocumentView], str | None]:
    """Newest first; the cursor of the next page, None on the last."""
    found, next_cursor = await uow.documents.page(kind, limit=limit, cursor=cursor)
    return [await view(uow, document) for document in found], next_cursor
