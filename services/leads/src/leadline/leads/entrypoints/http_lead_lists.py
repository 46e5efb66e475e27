"""HTTP API of the lead list and the daily-routine views (stuck leads, next steps due, leads lacking something).
Thin: parse, call, answer.

Query parameters are read into models that forbid unknown names, so a misspelt filter is a 422
naming it rather than a silently unfiltered list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import RuleViolation
from leadline.contracts.platform.fields import Day, QueryBool, QueryInt
from leadline.contracts.platform.http import CompanyTimeZone, CurrentUser, signed_in_router
from leadline.contracts.platform.pages import Page
from leadline.leads.domain.lead_filters import LeadFilter, LeadOrder, SortKey
from leadline.leads.domain.next_steps import DueWindow, due_interval, whose_next_steps
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import UnitOfWork
from leadline.leads.entrypoints.fields import CodeRef
from leadline.leads.entrypoints.http_leads import LeadOut
from leadline.leads.service import queries

router = signed_in_router()


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
    type_code: CodeRef | None = None
    status_code: CodeRef | None = None
    salesperson_id: str | None = Field(default=None, min_length=1, max_length=100)
    priority_code: CodeRef | None = None
    partner_id: UUID | None = None
    tag: CodeRef | None = Field(default=None, description="A tag code: leads that carry it.")
    source_code: CodeRef | None = None
    campaign_code: CodeRef | None = None
    channel_code: CodeRef | None = None
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


class LeadPage(Page[LeadOut]):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [examples.LEAD], "next_cursor": examples.CURSOR}]}
    )


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
async def list_stuck_leads(uow: UnitOfWork, user: CurrentUser, params: Annotated[StuckQuery, Query()]) -> LeadPage:
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
async def list_next_steps_due(
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
async def list_routine_view(
    view: RoutineView, uow: UnitOfWork, user: CurrentUser, params: Annotated[LeadQuery, Query()]
) -> LeadPage:
    return await _lead_page(uow, params, _LACKING[view](replace(params.lead_filter(user), closed=False)))
