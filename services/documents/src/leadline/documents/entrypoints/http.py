"""HTTP API of the documents service. Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.http import (
    STALE_RESPONSES,
    CompanyTimeZone,
    CurrentUser,
    expected_version,
    signed_in_router,
    version_etag,
)
from leadline.contracts.platform.idempotency import Idempotency
from leadline.contracts.platform.pages import Page, PageLimit
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.documents.domain.documents import Document, DocumentKind
from leadline.documents.domain.lead_copy import LeadCopy
from leadline.documents.entrypoints.deps import DocumentIfMatch, UnitOfWork
from leadline.documents.service import copies, documents, queries

router = signed_in_router()


class LeadCopyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lead_id": "04aa64d1-68d5-4caf-bec4-0e02842ada5c",
                    "name": "Office fit-out, 40 desks",
                    "status_code": "qualification",
                    "closed": False,
                    "salesperson_id": "anna",
                    "phone": "+48601234567",
                    "email": "jan.kowalski@kowalski-meble.pl",
                    "partner_id": "7a9e3c1d-2b4f-4e6a-8c0d-1f2e3a4b5c6d",
                    "product_code": "desks",
                    "expected_revenue": "125000.00",
                    "currency": "PLN",
                    "street": "ul. Świdnicka 1",
                    "city": "Wrocław",
                    "postal_code": "50-001",
                    "country": "PL",
                    "deleted": False,
                }
            ]
        }
    )

    lead_id: UUID
    name: str
    status_code: str
    closed: bool
    salesperson_id: str | None
    phone: str | None
    email: str | None
    partner_id: UUID | None
    product_code: str | None
    expected_revenue: Decimal | None
    currency: str | None
    street: str | None
    city: str | None
    postal_code: str | None
    country: str | None
    deleted: bool = Field(description="The lead was deleted: its documents show it, no new one is made for it.")


@router.get(
    "/leads/{lead_id}",
    response_model=LeadCopyOut,
    tags=["leads"],
    summary="The lead as documents know it: what an order or invoice from it is filled with",
)
async def get_lead_copy(lead_id: UUID, uow: UnitOfWork) -> LeadCopyOut:
    async with uow:
        lead = await copies.lead_copy(uow, lead_id)
    return LeadCopyOut.model_validate(lead, from_attributes=True)


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
    return _view_out(await queries.view(uow, document))


def _view_out(found: queries.DocumentView) -> DocumentOut:
    return DocumentOut.of(found.document, found.lead, found.invoice_ids)


def _answer(response: Response, document: Document, out: DocumentOut) -> DocumentOut:
    response.headers["ETag"] = version_etag(document.version)
    return out


async def _made(uow: DocumentsUnitOfWork, document: Document) -> tuple[DocumentOut, dict[str, str]]:
    headers = {"Location": f"/{document.kind}s/{document.id}", "ETag": version_etag(document.version)}
    return await _out(uow, document), headers


NOT_SET = (
    "Refused with 422 naming the rule when the setting is not set (`order_type_not_set`, `invoice_type_not_set`), "
    "403 (`not_your_lead`) when a salesperson asks for another's lead, 409 (`lead_deleted`) when the lead was deleted."
)


@router.post(
    "/leads/{lead_id}/orders",
    response_model=DocumentOut,
    status_code=status.HTTP_201_CREATED,
    tags=["orders"],
    summary="Make a sales order from a lead",
    description="A draft of the order_type setting's type, filled from the lead: partner, delivery address and, "
    "when the lead has a product, one line worth the expected revenue. " + NOT_SET,
)
async def make_order(
    lead_id: UUID, user: CurrentUser, uow: UnitOfWork, time_zone: CompanyTimeZone, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[DocumentOut, dict[str, str]]:
        return await _made(uow, await documents.make_from_lead(uow, "order", lead_id, user, time_zone=time_zone))

    return await idempotency.answer(uow, create)


@router.post(
    "/leads/{lead_id}/invoices",
    response_model=DocumentOut,
    status_code=status.HTTP_201_CREATED,
    tags=["invoices"],
    summary="Make an invoice from a lead",
    description="A draft of the invoice_type setting's type, filled from the lead like an order. " + NOT_SET,
)
async def make_invoice(
    lead_id: UUID, user: CurrentUser, uow: UnitOfWork, time_zone: CompanyTimeZone, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[DocumentOut, dict[str, str]]:
        return await _made(uow, await documents.make_from_lead(uow, "invoice", lead_id, user, time_zone=time_zone))

    return await idempotency.answer(uow, create)


@router.post(
    "/orders/{order_id}/invoices",
    response_model=DocumentOut,
    status_code=status.HTTP_201_CREATED,
    tags=["invoices"],
    summary="Make an invoice from an order",
    description="A draft invoice with the order's lead, partner, address and lines, linked to the order. "
    "Only a confirmed order is invoiced (409 `order_not_confirmed` otherwise), and only once: while an invoice "
    "of it is not cancelled, another is refused (409 `order_already_invoiced`). " + NOT_SET,
)
async def invoice_order(
    order_id: UUID, user: CurrentUser, uow: UnitOfWork, time_zone: CompanyTimeZone, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[DocumentOut, dict[str, str]]:
        return await _made(uow, await documents.invoice_order(uow, order_id, user, time_zone=time_zone))

    return await idempotency.answer(uow, create)


@router.get(
    "/leads/{lead_id}/documents",
    response_model=list[DocumentOut],
    tags=["leads"],
    summary="The orders and invoices of a lead, oldest first",
)
async def list_lead_documents(lead_id: UUID, uow: UnitOfWork) -> list[DocumentOut]:
    async with uow:
        return [_view_out(found) for found in await queries.lead_documents(uow, lead_id)]


# Each order and invoice route is written out, to be found by its path; what they do alike is in these helpers.
Cursor = Annotated[str | None, Query(description="The `next_cursor` of the previous page.")]


async def _page(uow: DocumentsUnitOfWork, kind: DocumentKind, limit: int, cursor: str | None) -> DocumentPage:
    async with uow:
        found, next_cursor = await queries.page(uow, kind, limit=limit, cursor=cursor)
        return DocumentPage(items=[_view_out(view) for view in found], next_cursor=next_cursor)


async def _read(uow: DocumentsUnitOfWork, kind: DocumentKind, document_id: UUID, response: Response) -> DocumentOut:
    async with uow:
        document = await documents.get(uow, kind, document_id)
        return _answer(response, document, await _out(uow, document))


async def _move(
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


async def _delete(
    uow: DocumentsUnitOfWork, kind: DocumentKind, document_id: UUID, user: Principal, if_match: str | None
) -> None:
    async with uow:
        await documents.delete(uow, kind, document_id, user, expected_version(if_match))
        await uow.commit()


def _refused_moves(kind: DocumentKind, to_status: str) -> str:
    return (
        "Takes If-Match. Refused with 409 naming the transition (e.g. "
        f"`{kind}_cancelled_cannot_become_{to_status}`) when the status does not allow it"
    )


@router.get(
    "/orders",
    response_model=DocumentPage,
    tags=["orders"],
    summary="Every order, newest first, a page at a time",
)
async def list_orders(uow: UnitOfWork, limit: PageLimit = 50, cursor: Cursor = None) -> DocumentPage:
    return await _page(uow, "order", limit, cursor)


@router.get(
    "/orders/{document_id}",
    response_model=DocumentOut,
    tags=["orders"],
    summary="One order, with its lead",
)
async def get_order(document_id: UUID, uow: UnitOfWork, response: Response) -> DocumentOut:
    return await _read(uow, "order", document_id, response)


@router.post(
    "/orders/{document_id}/confirm",
    response_model=DocumentOut,
    tags=["orders"],
    summary="Confirm an order",
    description=_refused_moves("order", "confirmed") + ".",
    responses=STALE_RESPONSES,
)
async def confirm_order(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: DocumentIfMatch = None
) -> DocumentOut:
    return await _move(uow, "order", document_id, "confirmed", user, response, if_match)


@router.post(
    "/orders/{document_id}/cancel",
    response_model=DocumentOut,
    tags=["orders"],
    summary="Cancel an order",
    description=_refused_moves("order", "cancelled")
    + "; an order with an invoice that is not cancelled cannot be cancelled (409 `order_invoiced`).",
    responses=STALE_RESPONSES,
)
async def cancel_order(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: DocumentIfMatch = None
) -> DocumentOut:
    return await _move(uow, "order", document_id, "cancelled", user, response, if_match)


@router.delete(
    "/orders/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    tags=["orders"],
    summary="Delete a draft order that was never used",
    description="Takes If-Match. Only a draft nothing was invoiced from, `order_invoiced` otherwise can be deleted "
    "(409 `order_not_draft`); cancel it instead.",
    responses=STALE_RESPONSES,
)
async def delete_order(document_id: UUID, user: CurrentUser, uow: UnitOfWork, if_match: DocumentIfMatch = None) -> None:
    await _delete(uow, "order", document_id, user, if_match)


@router.get(
    "/invoices",
    response_model=DocumentPage,
    tags=["invoices"],
    summary="Every invoice, newest first, a page at a time",
)
async def list_invoices(uow: UnitOfWork, limit: PageLimit = 50, cursor: Cursor = None) -> DocumentPage:
    return await _page(uow, "invoice", limit, cursor)


@router.get(
    "/invoices/{document_id}",
    response_model=DocumentOut,
    tags=["invoices"],
    summary="One invoice, with its lead",
)
async def get_invoice(document_id: UUID, uow: UnitOfWork, response: Response) -> DocumentOut:
    return await _read(uow, "invoice", document_id, response)


@router.post(
    "/invoices/{document_id}/issue",
    response_model=DocumentOut,
    tags=["invoices"],
    summary="Issue an invoice",
    description=_refused_moves("invoice", "issued") + ".",
    responses=STALE_RESPONSES,
)
async def issue_invoice(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: DocumentIfMatch = None
) -> DocumentOut:
    return await _move(uow, "invoice", document_id, "issued", user, response, if_match)


@router.post(
    "/invoices/{document_id}/pay",
    response_model=DocumentOut,
    tags=["invoices"],
    summary="Mark an invoice paid",
    description=_refused_moves("invoice", "paid") + ".",
    responses=STALE_RESPONSES,
)
async def pay_invoice(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: DocumentIfMatch = None
) -> DocumentOut:
    return await _move(uow, "invoice", document_id, "paid", user, response, if_match)


@router.post(
    "/invoices/{document_id}/cancel",
    response_model=DocumentOut,
    tags=["invoices"],
    summary="Cancel an invoice",
    description=_refused_moves("invoice", "cancelled") + ".",
    responses=STALE_RESPONSES,
)
async def cancel_invoice(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: DocumentIfMatch = None
) -> DocumentOut:
    return await _move(uow, "invoice", document_id, "cancelled", user, response, if_match)


@router.delete(
    "/invoices/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    tags=["invoices"],
    summary="Delete a draft invoice that was never used",
    description="Takes If-Match. Only a draft never issued can be deleted (409 `invoice_not_draft`); "
    "cancel it instead.",
    responses=STALE_RESPONSES,
)
async def delete_invoice(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, if_match: DocumentIfMatch = None
) -> None:
    await _delete(uow, "invoice", document_id, user, if_match)
