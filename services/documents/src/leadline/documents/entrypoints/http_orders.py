"""HTTP API of sales orders: made from a lead, listed, read, confirmed, cancelled, deleted. Thin: parse, call a use
case, commit, answer."""

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

router = signed_in_router(tags=["orders"])


@router.post(
    "/leads/{lead_id}/orders",
    response_model=DocumentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Make a sales order from a lead",
    description="A draft of the order_type setting's type, filled from the lead: partner, delivery address and, "
    "when the lead has a product, one line worth the expected revenue. " + NOT_SET,
)
async def make_order(
    lead_id: UUID, user: CurrentUser, uow: UnitOfWork, time_zone: CompanyTimeZone, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[DocumentOut, dict[str, str]]:
        return await document_routes.made(
            uow, await documents.make_from_lead(uow, "order", lead_id, user, time_zone=time_zone)
        )

    return await idempotency.answer(uow, create)


@router.get(
    "/orders",
    response_model=DocumentPage,
    summary="Every order, newest first, a page at a time",
)
async def list_orders(uow: UnitOfWork, limit: PageLimit = 50, cursor: Cursor = None) -> DocumentPage:
    return await document_routes.page(uow, "order", limit, cursor)


@router.get(
    "/orders/{document_id}",
    response_model=DocumentOut,
    summary="One order, with its lead",
)
async def get_order(document_id: UUID, uow: UnitOfWork, response: Response) -> DocumentOut:
    return await document_routes.read(uow, "order", document_id, response)


@router.post(
    "/orders/{document_id}/confirm",
    response_model=DocumentOut,
    summary="Confirm an order",
    description=document_routes.refused_moves("order", "confirmed") + ".",
    responses=STALE_RESPONSES,
)
async def confirm_order(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: DocumentIfMatch = None
) -> DocumentOut:
    return await document_routes.move(uow, "order", document_id, "confirmed", user, response, if_match)


@router.post(
    "/orders/{document_id}/cancel",
    response_model=DocumentOut,
    summary="Cancel an order",
    description=document_routes.refused_moves("order", "cancelled")
    + "; an order with an invoice that is not cancelled cannot be cancelled (409 `order_invoiced`).",
    responses=STALE_RESPONSES,
)
async def cancel_order(
    document_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: DocumentIfMatch = None
) -> DocumentOut:
    return await document_routes.move(uow, "order", document_id, "cancelled", user, response, if_match)


@router.delete(
    "/orders/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete a draft order that was never used",
    description="Takes If-Match. Only a draft nothing was invoiced from, `order_invoiced` otherwise can be deleted "
    "(409 `order_not_draft`); cancel it instead.",
    responses=STALE_RESPONSES,
)
async def delete_order(document_id: UUID, user: CurrentUser, uow: UnitOfWork, if_match: DocumentIfMatch = None) -> None:
    await document_routes.delete(uow, "order", document_id, user, if_match)
