"""HTTP API of the pipeline board: deals by stage, their totals, moves between stages. Thin: parse, call, answer.

Query parameters are read into models that forbid unknown names, so a misspelt filter is a 422 naming it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import RuleViolation
from leadline.contracts.platform.fields import QueryBool, QueryInt
from leadline.contracts.platform.http import (
    STALE_RESPONSES,
    CurrentUser,
    expected_version,
    signed_in_router,
    version_etag,
)
from leadline.contracts.platform.pages import Page
from leadline.leads.domain.deal_filters import DealFilter, DealState
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import DealCardIfMatch, UnitOfWork
from leadline.leads.entrypoints.fields import CodeRef
from leadline.leads.entrypoints.http_kanban import Coloured, Money, Named
from leadline.leads.service import deals, pipeline_board
from leadline.leads.service.commands import MoveDeal

router = signed_in_router(tags=["pipeline board"])

PipelineCode = Annotated[str, Path(max_length=40, description="The pipeline's code.")]
Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class DealCardOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.DEAL_CARD]})

    id: UUID
    name: str
    stage_code: str
    value: Money
    outcome: Literal["won", "lost"] | None = Field(description="Set in a closing stage; null: open.")
    closed_at: datetime | None
    stage_since: datetime = Field(description='In its stage since then ("for 5 days").')
    created_at: datetime
    lead: Named = Field(description="The lead the deal is of (id and name).")
    partner: Named | None
    salesperson: Named | None
    priority: Coloured | None = Field(description="The lead's priority, with its colour.")
    version: int = Field(description="The deal's version (its ETag without quotes): If-Match of a move.")

    @classmethod
    def of(cls, card: pipeline_board.DealCard) -> DealCardOut:
        row, deal = card.deal_with_names, card.deal_with_names.deal
        return cls(
            id=deal.id,
            name=deal.name,
            stage_code=deal.stage_code,
            value=Money(currency=deal.currency, amount=deal.value),
            outcome=deal.outcome,
            closed_at=deal.closed_at,
            stage_since=deal.stage_since,
            created_at=deal.created_at,
            lead=Named(id=str(deal.lead_id), name=row.lead_name),
            partner=Named(id=str(row.partner_id), name=row.partner_name) if row.partner_id else None,
            salesperson=Named(id=row.salesperson_id, name=row.salesperson_name) if row.salesperson_id else None,
            priority=Coloured.of(card.priority) if card.priority else None,
            version=deal.version,
        )


class StageColumnOut(BaseModel):
    stage_code: str
    name: str
    outcome: Literal["won", "lost"] | None = Field(
        description="A closing stage: dropping a deal here wins (or loses) it. Its cards show with state=won (lost)."
    )
    probability: int | None = Field(description="The chance (percent) that a deal in this stage is won.")
    archived: bool = Field(
        description="The stage is archived: its deals are shown until moved out; dropping a card here is refused."
    )
    count: int = Field(description="Deals in the stage that the filters keep.")
    value: list[Money] = Field(description="Sum of their values, per currency.")
    cards: list[DealCardOut] = Field(description="The first cards: yours in your order, then the rest newest first.")
    next_cursor: str | None = Field(
        description="For GET /pipelines/{code}/stages/{stage_code}/cards; null: no more cards."
    )


class PipelineBoardOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PIPELINE_BOARD]})

    pipeline_code: str
    name: str
    state: DealState
    columns: list[StageColumnOut]


class DealBoardQuery(BaseModel):
    """Which deals the board shows; every filter given must hold."""

    model_config = ConfigDict(extra="forbid")

    state: DealState = Field(
        default="open",
        description="open: deals in the open stages; won, lost: the deals closing stages closed so (shown in them).",
    )
    mine: QueryBool = Field(default=False, description="Deals of your leads (their salesperson is you).")
    salesperson_id: str | None = Field(default=None, min_length=1, max_length=100, description="The lead's.")
    type_code: CodeRef | None = Field(default=None, description="The lead's type.")
    partner_id: UUID | None = Field(default=None, description="The lead's partner.")
    value_from: Amount | None = Field(default=None, description="At least this value, in the deal's currency.")
    value_to: Amount | None = Field(default=None, description="At most this value, in the deal's currency.")
    limit: QueryInt = Field(default=20, ge=1, le=100, description="Cards per stage.")

    def deal_filter(self, user: Principal) -> DealFilter:
        if self.mine and self.salesperson_id not in (None, user.user_id):
            raise RuleViolation(
                "mine=true shows your own deals; it cannot be combined with another salesperson_id",
                rule="contradicting_filters",
                field="salesperson_id",
            )
        if self.value_from is not None and self.value_to is not None and self.value_from > self.value_to:
            raise RuleViolation("value_from is above value_to", rule="empty_range", field="value_to")
        return DealFilter(
            state=self.state,
            salesperson_id=user.user_id if self.mine else self.salesperson_id,
            lead_type_code=self.type_code,
            partner_id=self.partner_id,
            value_from=self.value_from,
            value_to=self.value_to,
        )


class StageCardsQuery(DealBoardQuery):
    cursor: str | None = None


class DealCardPage(Page[DealCardOut]):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [examples.DEAL_CARD], "next_cursor": None}]})


class DealMove(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"stage_code": "negotiation", "after_deal_id": "2c9b8a70-3f1d-4d8e-9a55-0b7e4c1e6a0f"}]
        },
    )

    stage_code: CodeRef = Field(description="The stage dropped into (the deal's own when only reordering).")
    before_deal_id: UUID | None = Field(default=None, description="Dropped right above this card.")
    after_deal_id: UUID | None = Field(default=None, description="Dropped right below this card.")


@router.get(
    "/pipelines/{code}/board",
    response_model=PipelineBoardOut,
    summary="The pipeline board: a column per stage with its totals and first cards",
)
async def get_pipeline_board(
    code: PipelineCode, uow: UnitOfWork, user: CurrentUser, params: Annotated[DealBoardQuery, Query()]
) -> PipelineBoardOut:
    async with uow:
        found = await pipeline_board.pipeline_board(uow, user, code, params.deal_filter(user), limit=params.limit)
    return PipelineBoardOut(
        pipeline_code=found.pipeline.code,
        name=found.pipeline.name,
        state=params.state,
        columns=[
            StageColumnOut(
                stage_code=column.stage.code,
                name=column.stage.name,
                outcome=column.stage.outcome,
                probability=column.stage.probability,
                archived=column.stage.archived,
                count=column.count,
                value=[Money(currency=currency, amount=amount) for currency, amount in column.value.items()],
                cards=[DealCardOut.of(card) for card in column.cards],
                next_cursor=column.next_cursor,
            )
            for column in found.columns
        ],
    )


@router.get(
    "/pipelines/{code}/stages/{stage_code}/cards",
    response_model=DealCardPage,
    summary="More cards of a stage",
)
async def list_stage_cards(
    code: PipelineCode,
    stage_code: Annotated[str, Path(max_length=40)],
    uow: UnitOfWork,
    user: CurrentUser,
    params: Annotated[StageCardsQuery, Query()],
) -> DealCardPage:
    async with uow:
        cards, next_cursor = await pipeline_board.stage_cards(
            uow, user, code, stage_code, params.deal_filter(user), limit=params.limit, cursor=params.cursor
        )
    return DealCardPage(items=[DealCardOut.of(card) for card in cards], next_cursor=next_cursor)


@router.post(
    "/pipelines/{code}/cards/{deal_id}/move",
    response_model=DealCardOut,
    summary="Drop a deal into a stage (a move, recorded in its lead's history) at a place in your order",
    description="Refused (422, naming the rule) when the stage is not of this pipeline (`stage_not_in_pipeline`), "
    "archived (`archived_stage`) or unknown (`unknown_stage`), or when the deal's lead is not yours "
    "(403 `not_your_lead`). A stage flagged won or lost closes the deal so; one that is not reopens it.",
    responses=STALE_RESPONSES,
)
async def move_deal_card(
    code: PipelineCode,
    deal_id: UUID,
    body: DealMove,
    uow: UnitOfWork,
    user: CurrentUser,
    response: Response,
    if_match: DealCardIfMatch = None,
) -> DealCardOut:
    async with uow:
        command = MoveDeal(
            code, deal_id, body.stage_code, body.before_deal_id, body.after_deal_id, expected_version(if_match)
        )
        await deals.move_deal(uow, command, user)
        card = await pipeline_board.deal_card(uow, deal_id)
        await uow.commit()
    response.headers["ETag"] = version_etag(card.deal_with_names.deal.version)
    return DealCardOut.of(card)
