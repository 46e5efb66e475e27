"""HTTP API of invoices: made from a lead or a confirmed order, listed, read, issued, paid, cancelled, deleted.
Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from uuid import UUID

from fastapi import Response, status

from leadline.contracts.platform.http import STALE_RESPONSES, CompanyTimeZone, CurrentUser, signed_in_router
from leadline.contracts.platform.idempotency import Idempotency
from leadline.contracts.platform.pages import PageLimit
from leadline.documents.entrypoints import document_routes
from leadline.documents.entrypoints.deps import DocumentIfMatch, UnitOfWork
from leadline.documents.entrypoints.document_routes import NOT_SET, Cursor, DocumentOut, DocumentPage
from leadline.documents.service import documents

router = signed_in_router(tags=["invoices"])


@router.post(
    "/leads/{lead_id}/invoices",
    response_model=DocumentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Make an invoice from a lead",
    description="A draft of the invoice_type setting's type, filled from the lead like an order. " + NOT_SET,
)
async def make_invoice(
    lead_id: UUID, user: CurrentUser, uow: UnitOfWork, time_zone: CompanyTimeZone, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[DocumentOut, dict[str, str]]:
        return await document_routes.made(
            uow, await documents.make_from_lead(uow, "invoice", lead_id, user, time_zone=time_zone)
        )

    return await idempotency.answer(uow, create)


@router.post(
    "/orders/{order_id}/invoices",
    response_model=DocumentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Make an invoice from an order",
    description="A draft invoice with the order's lead, partner, address and lines, linked to the order. "
    "Only a confirmed order is invoiced (409 `order_not_confirmed` otherwise), and only once: while an invoice "
    "of it is not cancelled, another is refused (409 `order_already_invoiced`). " + NOT_SET,
)
async def invoice_order(
    order_id: UUID, user: CurrentUser, uow: UnitOfWork, time_zone: CompanyTimeZone, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[DocumentOut, dict[str, str]]:
        return await document_routes.made(uow, await documents.invoice_order(uow, order_id, user, time_zone=time_zone))

    return await idempotency.answer(uow, create)


@router.get(
    "/invoices",
    response_model=DocumentPage,
    summary="Every invoice, newest first, a page at a time",
)
async def list_invoices(uow: UnitOfWork, limit: PageLimit = 50, cursor: Cursor = None) -> DocumentPage:
    return await document_routes.page(uow, "invoice", limit, cursor)


@router.get(
    "/invoices/{document_id}",
    response_model=DocumentOut,
    summary="One invoice, with its lead",
)
async def get_invoice(document_id: UUID, uow: UnitOfWork, response: Response) -> DocumentOut:
    return await document_routes.read(uow, "invoice", document_id, response)


@router.post(
    "/invoices/{document_id}/issue",
    response_model=DocumentOut,
    summary="Issue an invoice",
    description=document_routes.refused_moves("invoice", "issued") + ".",
    responses=STALE_RESPONSES,
)
async def issue_invoice(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: DocumentIfMatch = None
) -> DocumentOut:
    return await document_routes.move(uow, "invoice", document_id, "issued", user, response, if_match)


@router.post(
    "/invoices/{document_id}/pay",
    response_model=DocumentOut,
    summary="Mark an invoice paid",
    description=document_routes.refused_moves("invoice", "paid") + ".",
    responses=STALE_RESPONSES,
)
async def pay_invoice(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: DocumentIfMatch = None
) -> DocumentOut:
    return await document_routes.move(uow, "invoice", document_id, "paid", user, response, if_match)


@router.post(
    "/invoices/{document_id}/cancel",
    response_model=DocumentOut,
    summary="Cancel an invoice",
    description=document_routes.refused_moves("invoice", "cancelled") + ".",
    responses=STALE_RESPONSES,
)
async def cancel_invoice(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: DocumentIfMatch = None
) -> DocumentOut:
    return await document_routes.move(uow, "invoice", document_id, "cancelled", user, response, if_match)


@router.delete(
    "/invoices/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete a draft invoice that was never used",
    description="Takes If-Match. Only a draft never issued can be deleted (409 `invoice_not_draft`); "
    "cancel it instead.",
    responses=STALE_RESPONSES,
)
async def delete_invoice(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, if_match: DocumentIfMatch = None
) -> None:
    await document_routes.delete(uow, "invoice", document_id, user, if_match)
