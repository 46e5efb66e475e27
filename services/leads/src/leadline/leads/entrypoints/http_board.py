"""HTTP API for the lead list, its daily-routine views and the kanban board. Thin: parse, call, answer.

Query parameters are read into models that forbid unknown names, so a misspelt filter is a 422
naming it rather than a silently unfiltered list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.auth import Principal
from leadline.contracts.errors import RuleViolation
from leadline.contracts.fields import Day, QueryBool, QueryInt
from leadline.contracts.http import (
    PROBLEM_RESPONSES,
    STALE_RESPONSES,
    CompanyTimeZone,
    CurrentUser,
    current_user,
    expected_version,
    runtime_of,
    version_etag,
)
from leadline.contracts.idempotency import Idempotency
from leadline.leads.adapters.queries import LeadFilter, LeadOrder, SortKey
from leadline.leads.domain.model import Lead, ReferenceItem
from leadline.leads.domain.next_steps import DueWindow, due_interval, whose_next_steps
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.http import Code, LeadIn, LeadOut, UnitOfWork
from leadline.leads.service import board as board_commands
from leadline.leads.service import queries
from leadline.leads.service.commands import MoveCard

router = APIRouter(dependencies=[Depends(current_user)], responses=PROBLEM_RESPONSES)

# Without `order`, each sort key goes the way people read it: the newest, latest, largest first;
# names A to Z; the soonest expected close first.
_NATURAL_ORDER = {
    SortKey.CREATED_AT: "desc",
    SortKey.UPDATED_AT: "desc",
    SortKey.LEAD_DATE: "desc",
    SortKey.EXPECTED_REVENUE: "desc",
    SortKey.NAME: "asc",
    SortKey.EXPECTED_CLOSE: "asc",
    SortKey.NEXT_STEP_AT: "asc",
}


class LeadQuery(BaseModel):
    """Filters, sort and page of a lead listing; every filter given must hold."""

    model_config = ConfigDict(extra="forbid")

    mine: QueryBool = Field(default=False, description="My leads: those whose salesperson is the current user.")
    type_code: Code | None = None
    status_code: Code | None = None
    salesperson_id: str | None = Field(default=None, min_length=1, max_length=100)
    priority_code: Code | None = None
    partner_id: UUID | None = None
    tag: Code | None = Field(default=None, description="A tag code: leads that carry it.")
    source_code: Code | None = None
    campaign_code: Code | None = None
    channel_code: Code | None = None
    created_by: str | None = Field(default=None, min_length=1, max_length=100)
    lead_date_from: Day | None = Field(default=None, description="Lead date on or after this day (UTC).")
    lead_date_to: Day | None = Field(default=None, description="Lead date on or before this day (UTC).")
    expected_close_from: Day | None = None
    expected_close_to: Day | None = None
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Free text in the name, partner name or e-mail, in any case; "
        "a phone number in any format is looked for by its digits.",
    )
    sort: SortKey = Field(
        default=SortKey.CREATED_AT,
        description="Leads without an expected close, revenue or next step come last when sorted by it, newest first.",
    )
    order: Literal["asc", "desc"] | None = Field(
        default=None,
        description="Default: desc for dates and revenue, asc for name, expected_close and next_step_at.",
    )
    limit: QueryInt = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, description="The `next_cursor` of the previous page, with the same sort.")

    def lead_filter(self, user: Principal) -> LeadFilter:
        if self.mine and self.salesperson_id not in (None, user.user_id):
            raise RuleViolation(
                "mine=true lists your own leads; it cannot be combined with another salesperson_id",
                rule="contradicting_filters",
                field="salesperson_id",
            )
        return LeadFilter(
            type_code=self.type_code,
            status_code=self.status_code,
            salesperson_id=user.user_id if self.mine else self.salesperson_id,
            priority_code=self.priority_code,
            partner_id=self.partner_id,
            tag=self.tag,
            source_code=self.source_code,
            campaign_code=self.campaign_code,
            channel_code=self.channel_code,
            created_by=self.created_by,
            lead_date_from=self.lead_date_from,
            lead_date_to=self.lead_date_to,
            expected_close_from=self.expected_close_from,
            expected_close_to=self.expected_close_to,
            text=self.q.strip() if self.q and self.q.strip() else None,
        )

    def lead_order(self) -> LeadOrder:
        return LeadOrder(self.sort, (self.order or _NATURAL_ORDER[self.sort]) == "desc")


class LeadListQuery(LeadQuery):
    view: Literal["open", "closed"] | None = Field(default=None, description="Open or Closed leads; default both.")


class StuckQuery(LeadQuery):
    days: QueryInt = Field(ge=1, le=3650, description="In their status for longer than this many days.")


class LeadPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [examples.LEAD], "next_cursor": examples.CURSOR}]}
    )

    items: list[LeadOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


async def _lead_page(uow: UnitOfWork, params: LeadQuery, where: LeadFilter) -> LeadPage:
    async with uow:
        found, next_cursor = await queries.list_leads(
            uow, where, params.lead_order(), limit=params.limit, cursor=params.cursor
        )
    return LeadPage(items=[LeadOut.of(lead) for lead in found], next_cursor=next_cursor)


@router.get("/leads", response_model=LeadPage, tags=["leads"], summary="Leads: filtered, sorted, a page at a time")
async def list_leads(uow: UnitOfWork, user: CurrentUser, params: Annotated[LeadListQuery, Query()]) -> LeadPage:
    closed = {"open": False, "closed": True, None: None}[params.view]
    return await _lead_page(uow, params, replace(params.lead_filter(user), closed=closed))


@router.get(
    "/leads/routine/stuck",
    response_model=LeadPage,
    tags=["daily routine"],
    summary="Open leads in their status for longer than `days` days",
)
async def stuck_leads(uow: UnitOfWork, user: CurrentUser, params: Annotated[StuckQuery, Query()]) -> LeadPage:
    since = datetime.now(UTC) - timedelta(days=params.days)
    return await _lead_page(uow, params, replace(params.lead_filter(user), closed=False, in_status_before=since))


class DueQuery(LeadQuery):
    due: DueWindow = Field(
        default=DueWindow.TODAY,
        description="overdue: due before now; today: due on the company's current day (COMPANY_TIME_ZONE; earlier "
        "today included); this-week: due on a day of its current week, Monday to Sunday.",
    )
    mine: QueryBool | None = Field(  # type: ignore[assignment]
        default=None,
        description="Your own next steps. A salesperson lists only their own; a manager lists everyone's unless "
        "true (or salesperson_id names one person).",
    )
    sort: SortKey = Field(default=SortKey.NEXT_STEP_AT, description="Default: the soonest due first.")

    def due_filter(self, user: Principal, zone: ZoneInfo) -> LeadFilter:
        whose = whose_next_steps(user, mine=self.mine, salesperson_id=self.salesperson_id)
        start, end = due_interval(self.due, datetime.now(UTC), zone)
        where = LeadQuery.lead_filter(self.model_copy(update={"mine": False, "salesperson_id": whose}), user)
        return replace(where, closed=False, next_step_from=start, next_step_before=end)


@router.get(
    "/leads/routine/next-steps-due",
    response_model=LeadPage,
    tags=["daily routine"],
    summary="Open leads whose next step is overdue, due today or due this week",
)
async def next_steps_due(
    uow: UnitOfWork, user: CurrentUser, zone: CompanyTimeZone, params: Annotated[DueQuery, Query()]
) -> LeadPage:
    return await _lead_page(uow, params, params.due_filter(user, zone))


class RoutineView(StrEnum):
    WITHOUT_EXPECTED_CLOSE = "without-expected-close"
    WITHOUT_DESCRIPTION = "without-description"
    WITHOUT_SALESPERSON = "without-salesperson"
    WITHOUT_NEXT_STEP = "without-next-step"


# Each view is the open leads that lack one thing.
_LACKING: dict[RoutineView, Callable[[LeadFilter], LeadFilter]] = {
    RoutineView.WITHOUT_EXPECTED_CLOSE: lambda where: replace(where, without_expected_close=True),
    RoutineView.WITHOUT_DESCRIPTION: lambda where: replace(where, without_description=True),
    RoutineView.WITHOUT_SALESPERSON: lambda where: replace(where, without_salesperson=True),
    RoutineView.WITHOUT_NEXT_STEP: lambda where: replace(where, without_next_step=True),
}


@router.get(
    "/leads/routine/{view}",
    response_model=LeadPage,
    tags=["daily routine"],
    summary="Open leads without an expected close date, a description, a salesperson or a next step",
    description="without-next-step: the open leads with no date for a next step, so nothing of theirs comes due.",
)
async def routine_view(
    view: RoutineView, uow: UnitOfWork, user: CurrentUser, params: Annotated[LeadQuery, Query()]
) -> LeadPage:
    return await _lead_page(uow, params, _LACKING[view](replace(params.lead_filter(user), closed=False)))


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

    type_code: Code | None = Field(default=None, description="Only this type's leads and allowed statuses.")
    limit: QueryInt = Field(default=20, ge=1, le=100, description="Cards per column.")


class ColumnCardsQuery(BoardQuery):
    cursor: str | None = None


class BoardCardPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [examples.BOARD_CARD], "next_cursor": None}]})

    items: list[BoardCardOut]
    next_cursor: str | None


class CardMove(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"status_code": "qualification", "after_lead_id": "0b7e4c1e-6a0f-4d8e-9a55-3f1d2c9b8a70"}]
        },
    )

    status_code: Code = Field(description="The column dropped into (the lead's status when only reordering).")
    before_lead_id: UUID | None = Field(default=None, description="Dropped right above this card.")
    after_lead_id: UUID | None = Field(default=None, description="Dropped right below this card.")


class SalespersonCandidateOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "anna", "name": "Anna Nowak", "open_leads": 21}]})

    id: str
    name: str
    open_leads: int


@router.get("/kanban", response_model=Board, tags=["kanban"], summary="The kanban board: columns, totals, first cards")
async def kanban(uow: UnitOfWork, user: CurrentUser, params: Annotated[BoardQuery, Query()]) -> Board:
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
    tags=["kanban"],
    summary="More cards of a column",
)
async def column_cards(
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
    tags=["kanban"],
    summary="Drop a card into a column (changes the status) at a place in your order",
    responses=STALE_RESPONSES,
)
async def move_card(
    lead_id: UUID,
    body: CardMove,
    uow: UnitOfWork,
    user: CurrentUser,
    response: Response,
    if_match: Annotated[
        str | None, Header(description="The lead's ETag (the card's version); a stale one is refused with 412")
    ] = None,
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
    tags=["kanban"],
    summary='"+" on a column: a new lead in its status',
)
async def create_in_column(
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
    tags=["kanban"],
    summary="Whom a card can be given to: employees who hold open leads",
)
async def salesperson_candidates(uow: UnitOfWork) -> list[SalespersonCandidateOut]:
    async with uow:
        candidates = await queries.salesperson_candidates(uow)
    return [SalespersonCandidateOut(id=c.id, name=c.name, open_leads=c.open_leads) for c in candidates]
