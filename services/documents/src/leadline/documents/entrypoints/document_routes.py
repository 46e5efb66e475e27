"""What the order and invoice routes share: the document as they answer it, and the steps they take alike. Each
route is written out in its resource's module (http_orders.py, http_invoices.py), to be found by its path."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.http import expected_version, version_etag
from leadline.contracts.platform.pages import Page
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.documents.domain.documents import Document, DocumentKind
from leadline.documents.domain.lead_copy import LeadCopy
from leadline.documents.service import documents, queries


class LeadRef(BaseModel):
    lead_id: UUID
    name: str | None = Field(description="Null while documents have not heard of the lead (yet).")
    deleted: bool = Field(
        description="The lead was deleted after the document was made: a draft was cancelled then, anything further "
        "along stays for a person to decide."
    )


class AddressOut(BaseModel):
    street: str | None
    city: str | None
    postal_code: str | None
    country: str | None


class LineOut(BaseModel):
    product_code: str | None
    description: str = Field(examples=["Office furniture"])
    amount: Decimal = Field(examples=["125000.00"])


DOCUMENT_EXAMPLE: dict[str, Any] = {
    "id": "0b7f8c9e-3f4a-4a57-9d1e-6b8f2f0c1a2b",
    "kind": "order",
    "number": "ZS/2026/000042",
    "type_code": "ZS",
    "status": "draft",
    "document_date": "2026-11-25",
    "lead": {"lead_id": "5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "name": "Office fit-out", "deleted": False},
    "partner_id": "7a9e3c1d-2b4f-4e6a-8c0d-1f2e3a4b5c6d",
    "partner_name": "Kowalski Meble sp. z o.o.",
    "delivery_address": {
        "street": "ul. Świdnicka 1",
        "city": "Wrocław",
        "postal_code": "50-001",
        "country": "PL",
    },
    "lines": [{"product_code": "furniture", "description": "Office furniture", "amount": "125000.00"}],
    "amount": "125000.00",
    "currency": "PLN",
    "order_id": None,
    "invoice_ids": [],
    "version": 1,
    "created_by": "anna",
    "created_at": "2026-11-25T09:30:00Z",
}


class DocumentOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [DOCUMENT_EXAMPLE]})

    id: UUID
    kind: DocumentKind
    number: str = Field(
        description="<type>/<year>/<sequence>: issued without gaps, unique per type and year, never issued again."
    )
    type_code: str
    status: str = Field(description="Orders: draft, confirmed, cancelled. Invoices: draft, issued, paid, cancelled.")
    document_date: date = Field(description="The company's date when it was made (COMPANY_TIME_ZONE).")
    lead: LeadRef
    partner_id: UUID | None
    partner_name: str | None = Field(description="The partner's name when the document was made.")
    delivery_address: AddressOut
    lines: list[LineOut]
    amount: Decimal
    currency: str | None
    order_id: UUID | None = Field(description="An invoice's order, if it was made from one.")
    invoice_ids: list[UUID] = Field(description="An order's invoices.")
    version: int
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, document: Document, lead: LeadCopy | None, invoice_ids: list[UUID]) -> DocumentOut:
        return cls(
            id=document.id,
            kind=document.kind,
            number=document.number,
            type_code=document.type_code,
            status=document.status,
            document_date=document.document_date,
            lead=LeadRef(
                lead_id=document.lead_id, name=lead.name if lead else None, deleted=lead.deleted if lead else False
            ),
            partner_id=document.partner_id,
            partner_name=document.partner_name,
            delivery_address=AddressOut.model_validate(document.address, from_attributes=True),
            lines=[LineOut.model_validate(line, from_attributes=True) for line in document.lines],
            amount=document.amount,
            currency=document.currency,
            order_id=document.order_id,
            invoice_ids=invoice_ids,
            version=document.version,
            created_by=document.created_by,
            created_at=document.created_at,
        )


class DocumentPage(Page[DocumentOut]):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [DOCUMENT_EXAMPLE], "next_cursor": None}]})


async def _out(uow: DocumentsUnitOfWork, document: Document) -> DocumentOut:
    return view_out(await queries.view(uow, document))


def view_out(found: queries.DocumentView) -> DocumentOut:
    return DocumentOut.of(found.document, found.lead, found.invoice_ids)


def _answer(response: Response, document: Document, out: DocumentOut) -> DocumentOut:
    response.headers["ETag"] = version_etag(document.version)
    return out


async def made(uow: DocumentsUnitOfWork, document: Document) -> tuple[DocumentOut, dict[str, str]]:
    headers = {"Location": f"/{document.kind}s/{document.id}", "ETag": version_etag(document.version)}
    return await _out(uow, document), headers


NOT_SET = (
    "Refused with 422 naming the rule when the setting is not set (`order_type_not_set`, `invoice_type_not_set`), "
    "403 (`not_your_lead`) when a salesperson asks for another's lead, 409 (`lead_deleted`) when the lead was deleted."
)


Cursor = Annotated[str | None, Query(description="The `next_cursor` of the previous page.")]


async def page(uow: DocumentsUnitOfWork, kind: DocumentKind, limit: int, cursor: str | None) -> DocumentPage:
    async with uow:
        found, next_cursor = await queries.page(uow, kind, limit=limit, cursor=cursor)
        return DocumentPage(items=[view_out(view) for view in found], next_cursor=next_cursor)


async def read(uow: DocumentsUnitOfWork, kind: DocumentKind, document_id: UUID, response: Response) -> DocumentOut:
    async with uow:
        document = await documents.get(uow, kind, document_id)
        return _answer(response, document, await _out(uow, document))


async def move(
    uow: DocumentsUnitOfWork,
    kind: DocumentKind,
    document_id: UUID,
    to_status: str,
    user: Principal,
    response: Response,
    if_match: str | None,
) -> DocumentOut:
    async with uow:
        document = await documents.change_status(uow, kind, document_id, to_status, user, expected_version(if_match))
        out = await _out(uow, document)
        await uow.commit()
    return _answer(response, document, out)


async def delete(
    uow: DocumentsUnitOfWork, kind: DocumentKind, document_id: UUID, user: Principal, if_match: str | None
) -> None:
    async with uow:
        await documents.delete(uow, kind, document_id, user, expected_version(if_match))
        await uow.commit()


def refused_moves(kind: DocumentKind, to_status: str) -> str:
    return (
        "Takes If-Match. Refused with 409 naming the transition (e.g. "
        f"`{kind}_cancelled_cannot_become_{to_status}`) when the status does not allow it"
    )
