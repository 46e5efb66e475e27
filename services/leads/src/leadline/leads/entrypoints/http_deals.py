"""HTTP API of a lead's deals. Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.fields import not_null
from leadline.contracts.platform.http import (
    STALE_RESPONSES,
    CurrentUser,
    expected_version,
    signed_in_router,
    version_etag,
)
from leadline.contracts.platform.idempotency import Idempotency
from leadline.leads.domain.deals import Deal
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import DealIfMatch, UnitOfWork
from leadline.leads.entrypoints.fields import CodeRef
from leadline.leads.entrypoints.history import HistoryEntry
from leadline.leads.service import deals
from leadline.leads.service.commands import AddDeal, EditDeal, NewDeal, RemoveDeal

router = signed_in_router(tags=["deals"])

Currency = Annotated[str, Field(pattern="^[A-Z]{3}$", description="ISO 4217, e.g. PLN.")]
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2, description="Not negative.")]


class DealIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Racking, phase 1",
                    "pipeline_code": "sales",
                    "stage_code": "negotiation",
                    "value": "48000.00",
                    "currency": "PLN",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    pipeline_code: CodeRef
    stage_code: CodeRef = Field(
        description="A stage of the pipeline; a closing one makes the deal won or lost at once."
    )
    value: Money
    currency: Currency | None = Field(default=None, description="Default: the lead's currency.")

    def new_deal(self) -> NewDeal:
        return NewDeal(**self.model_dump())


class DealPatch(BaseModel):
    """Only the fields present change; a deal's fields cannot be cleared. Another stage is a move, as on the
    pipeline board: into a closing stage it wins or loses the deal, out of one it reopens it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"stage_code": "closing"}]})

    name: str = not_null(min_length=1, max_length=200)
    pipeline_code: CodeRef = not_null()
    stage_code: CodeRef = not_null()
    value: Money = not_null()
    currency: Currency = not_null()


class DealOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.DEAL]})

    id: UUID
    name: str
    pipeline_code: str
    stage_code: str
    value: Decimal
    currency: str
    outcome: Literal["won", "lost"] | None = Field(
        description="Set while the deal is in a closing stage (a stage flagged won or lost); null: open."
    )
    closed_at: datetime | None = Field(description="When it entered its closing stage; null while open.")
    created_at: datetime
    stage_since: datetime = Field(description="When it entered its stage.")
    version: int = Field(description="Its ETag without quotes: send it in If-Match to change or remove the deal.")

    @classmethod
    def of(cls, deal: Deal) -> DealOut:
        return cls.model_validate(deal, from_attributes=True)


@router.get("/leads/{lead_id}/deals", response_model=list[DealOut], summary="The deals of a lead")
async def list_deals(lead_id: UUID, uow: UnitOfWork) -> list[DealOut]:
    async with uow:
        found = await deals.deals_of(uow, lead_id)
    return [DealOut.of(deal) for deal in found]


@router.post("/leads/{lead_id}/deals", status_code=201, response_model=DealOut, summary="Add a deal to a lead")
async def add_deal(
    lead_id: UUID, body: DealIn, user: CurrentUser, uow: UnitOfWork, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[DealOut, dict[str, str]]:
        deal = await deals.add_deal(uow, AddDeal(lead_id, body.new_deal()), user)
        location = f"/leads/{lead_id}/deals/{deal.id}"
        return DealOut.of(deal), {"Location": location, "ETag": version_etag(deal.version)}

    return await idempotency.answer(uow, create)


@router.patch(
    "/leads/{lead_id}/deals/{deal_id}",
    response_model=DealOut,
    summary="Change some fields of a deal",
    responses=STALE_RESPONSES,
)
async def edit_deal(
    lead_id: UUID,
    deal_id: UUID,
    body: DealPatch,
    user: CurrentUser,
    uow: UnitOfWork,
    response: Response,
    if_match: DealIfMatch = None,
) -> DealOut:
    async with uow:
        deal = await deals.edit_deal(
            uow, EditDeal(lead_id, deal_id, body.model_dump(exclude_unset=True), expected_version(if_match)), user
        )
        await uow.commit()
    response.headers["ETag"] = version_etag(deal.version)
    return DealOut.of(deal)


@router.delete(
    "/leads/{lead_id}/deals/{deal_id}",
    status_code=204,
    summary="Remove a deal from a lead",
    responses=STALE_RESPONSES,
)
async def remove_deal(
    lead_id: UUID, deal_id: UUID, user: CurrentUser, uow: UnitOfWork, if_match: DealIfMatch = None
) -> Response:
    async with uow:
        await deals.remove_deal(uow, RemoveDeal(lead_id, deal_id, expected_version(if_match)), user)
        await uow.commit()
    return Response(status_code=204)


@router.get(
    "/leads/{lead_id}/deals/{deal_id}/history",
    response_model=list[HistoryEntry],
    summary="Who changed what of a deal, and when: its moves between stages, value changes and outcome",
    description="The entries of the lead's history about this deal (kept after the deal is removed).",
)
async def get_deal_history(lead_id: UUID, deal_id: UUID, uow: UnitOfWork) -> list[HistoryEntry]:
    async with uow:
        entries = await deals.deal_history(uow, lead_id, deal_id)
    return [HistoryEntry.model_validate(entry, from_attributes=True) for entry in entries]
