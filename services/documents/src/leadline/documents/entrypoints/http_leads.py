"""HTTP API of the leads as documents know them: a lead's copy, and the list of its orders and invoices. Thin:
parse, call, answer."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.http import signed_in_router
from leadline.documents.entrypoints import document_routes
from leadline.documents.entrypoints.deps import UnitOfWork
from leadline.documents.entrypoints.document_routes import DocumentOut
from leadline.documents.service import copies, queries

router = signed_in_router(tags=["leads"])


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
    summary="The lead as documents know it: what an order or invoice from it is filled with",
)
async def get_lead_copy(lead_id: UUID, uow: UnitOfWork) -> LeadCopyOut:
    async with uow:
        lead = await copies.lead_copy(uow, lead_id)
    return LeadCopyOut.model_validate(lead, from_attributes=True)


@router.get(
    "/leads/{lead_id}/documents",
    response_model=list[DocumentOut],
    summary="The orders and invoices of a lead, oldest first",
)
async def list_lead_documents(lead_id: UUID, uow: UnitOfWork) -> list[DocumentOut]:
    async with uow:
        return [document_routes.view_out(found) for found in await queries.lead_documents(uow, lead_id)]
