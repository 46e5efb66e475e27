"""HTTP API of the kanban board: its columns (one per status) with their totals and cards, moves between and
within columns, a new lead made in a column. Thin: parse, call, answer.

Query parameters are read into models that forbid unknown names, so a misspelt filter is a 422 naming it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.fields import QueryInt
from leadline.contracts.platform.http import (
    STALE_RESPONSES,
    CurrentUser,
    expected_version,
    runtime_of,
    signed_in_router,
    version_etag,
)
from leadline.contracts.platform.idempotency import Idempotency
from leadline.contracts.platform.pages import Page
from leadline.leads.domain.model import Lead, ReferenceItem
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import LeadCardIfMatch, UnitOfWork
from leadline.leads.entrypoints.fields import CodeRef
from leadline.leads.entrypoints.http_leads import LeadIn
from leadline.leads.service import board as board_commands
from leadline.leads.service import queries
from leadline.leads.service.commands import MoveCard

router = signed_in_router(tags=["kanban"])


class Money(BaseModel):
    currency: str = Field(examples=["PLN"])
    amount: Decimal = Field(examples=["125000.00"])


class Coloured(BaseModel):
    """A priority or tag: its code, name and colour (#rrggbb; null when none is set)."""

    code: str
    name: str
    colour: str | None = Field(examples=["#e91e63"])

    @classmethod
    def of(cls, item: ReferenceItem) -> Coloured:
        return cls(code=item.code, name=item.name, colour=item.colour)


class Named(BaseModel):
    id: str
    name: str | None = Field(description="Null when the directory does not know this id.")


class BoardCardOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.BOARD_CARD]})

    id: UUID
    title: str = Field(examples=["Sale : Office fit-out"], description='"type : name"')
    name: str
    type_code: str
    status_code: str
    created_at: datetime = Field(description='Show it relative to now ("3 days ago") in the user\'s language.')
    partner: Named | None
    expected_revenue: Money | None
    tags: list[Coloured]
    salesperson: Named | None
    expected_close: date | None
    overdue: bool = Field(description="The expected close date has passed and the lead is still open.")
    next_step: str | None
    next_step_at: datetime | None
    next_step_overdue: bool = Field(description="The next step was due before now and the lead is still open.")
    priority: Coloured | None
    version: int = Field(description="The lead's version (its ETag without quotes).")

    @classmethod
    def of(cls, card: queries.BoardCard) -> BoardCardOut:
        lead: Lead = card.lead
        return cls(
            id=lead.id,
            title=card.title,
            name=lead.name,
            type_code=lead.type_code,
            status_code=lead.status_code,
            created_at=lead.created_at,
            partner=Named(id=str(lead.partner_id), name=card.partner_name) if lead.partner_id else None,
            expected_revenue=Money(currency=lead.currency, amount=lead.expected_revenue)
            if lead.expected_revenue is not None
            else None,
            tags=[Coloured.of(tag) for tag in card.tags],
            salesperson=Named(id=lead.salesperson_id, name=card.salesperson_name) if lead.salesperson_id else None,
            expected_close=lead.expected_close,
            overdue=card.overdue,
            next_step=lead.next_step,
            next_step_at=lead.next_step_at,
            next_step_overdue=card.next_step_overdue,
            priority=Coloured.of(card.priority) if card.priority else None,
            version=lead.version,
        )


class BoardColumnOut(BaseModel):
    status_code: str
    name: str
    archived: bool = Field(
        description="The status is archived: its leads are shown until moved out; dropping a card here is refused."
    )
    count: int = Field(description="Leads in the column (of the type, when filtered by one).")
    revenue: list[Money] = Field(description="Sum of their expected revenue, per currency.")
    cards: list[BoardCardOut] = Field(description="The first cards: yours in your order, then the rest newest first.")
    next_cursor: str | None = Field(description="For GET /kanban/columns/{status_code}/cards; null: no more cards.")


class Board(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.BOARD]})

    type_code: str | None
    columns: list[BoardColumnOut]


class BoardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type_code: CodeRef | None = Field(default=None, description="Only this type's leads and allowed statuses.")
    limit: QueryInt = Field(default=20, ge=1, le=100, description="Cards per column.")


class ColumnCardsQuery(BoardQuery):
    cursor: str | None = None


class BoardCardPage(Page[BoardCardOut]):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [examples.BOARD_CARD], "next_cursor": None}]})


class CardMove(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"status_code": "qualification", "after_lead_id": "0b7e4c1e-6a0f-4d8e-9a55-3f1d2c9b8a70"}]
        },
    )

    status_code: CodeRef = Field(description="The column dropped into (the lead's status when only reordering).")
    before_lead_id: UUID | None = Field(default=None, description="Dropped right above this card.")
    after_lead_id: UUID | None = Field(default=None, description="Dropped right below this card.")


class SalespersonCandidateOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "anna", "name": "Anna Nowak", "open_leads": 21}]})

    id: str
    name: str
    open_leads: int


@router.get("/kanban", response_model=Board, summary="The kanban board: columns, totals, first cards")
async def get_kanban(uow: UnitOfWork, user: CurrentUser, params: Annotated[BoardQuery, Query()]) -> Board:
    async with uow:
        columns = await queries.board(uow, user, type_code=params.type_code, limit=params.limit)
    return Board(
        type_code=params.type_code,
        columns=[
            BoardColumnOut(
                status_code=column.status.code,
                name=column.status.name,
                archived=column.status.archived,
                count=column.count,
                revenue=[Money(currency=currency, amount=amount) for currency, amount in column.revenue.items()],
                cards=[BoardCardOut.of(card) for card in column.cards],
                next_cursor=column.next_cursor,
            )
            for column in columns
        ],
    )


@router.get(
    "/kanban/columns/{status_code}/cards",
    response_model=BoardCardPage,
    summary="More cards of a column",
)
async def list_column_cards(
    status_code: str, uow: UnitOfWork, user: CurrentUser, params: Annotated[ColumnCardsQuery, Query()]
) -> BoardCardPage:
    async with uow:
        cards, next_cursor = await queries.column_cards(
            uow, user, status_code, type_code=params.type_code, limit=params.limit, cursor=params.cursor
        )
    return BoardCardPage(items=[BoardCardOut.of(card) for card in cards], next_cursor=next_cursor)


@router.post(
    "/kanban/cards/{lead_id}/move",
    response_model=BoardCardOut,
    summary="Drop a card into a column (changes the status) at a place in your order",
    responses=STALE_RESPONSES,
)
async def move_card(
    lead_id: UUID,
    body: CardMove,
    uow: UnitOfWork,
    user: CurrentUser,
    response: Response,
    if_match: LeadCardIfMatch = None,
) -> BoardCardOut:
    async with uow:
        move = MoveCard(lead_id, body.status_code, body.before_lead_id, body.after_lead_id, expected_version(if_match))
        await board_commands.move_card(uow, move, user)
        card = await queries.board_card(uow, lead_id)
        await uow.commit()
    response.headers["ETag"] = version_etag(card.lead.version)
    return BoardCardOut.of(card)


@router.post(
    "/kanban/columns/{status_code}/leads",
    status_code=201,
    response_model=BoardCardOut,
    summary='"+" on a column: a new lead in its status',
)
async def create_lead_in_column(
    status_code: str, body: LeadIn, uow: UnitOfWork, user: CurrentUser, request: Request, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[BoardCardOut, dict[str, str]]:
        lead = await board_commands.create_in_column(
            uow,
            status_code,
            body.command(),
            user,
            phone_region=runtime_of(request).settings.default_phone_region,
        )
        card = await queries.board_card(uow, lead.id)
        return BoardCardOut.of(card), {"Location": f"/leads/{lead.id}", "ETag": version_etag(lead.version)}

    return await idempotency.answer(uow, create)


@router.get(
    "/kanban/salesperson-candidates",
    response_model=list[SalespersonCandidateOut],
    summary="Whom a card can be given to: employees who hold open leads",
)
async def list_salesperson_candidates(uow: UnitOfWork) -> list[SalespersonCandidateOut]:
    async with uow:
        candidates = await queries.salesperson_candidates(uow)
    return [SalespersonCandidateOut(id=c.id, name=c.name, open_leads=c.open_leads) for c in candidates]
