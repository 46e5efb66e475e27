"""Reading the reports: GROUP BY over the facts, the same SQL on SQLite and PostgreSQL (time buckets are stored
columns, so no date function differs between them)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.reporting.adapters.chunks import chunked
from leadline.reporting.adapters.tables import (
    report_communications,
    report_lead_tags,
    report_leads,
    report_status_periods,
)
from leadline.reporting.domain.communications import Outcome, TriageGroup
from leadline.reporting.domain.facts import CLOSE_BUCKET_COLUMNS, LEAD_BUCKET_COLUMNS
from leadline.reporting.domain.report import (
    Dimension,
    Interval,
    LeadOutcomes,
    PivotGroup,
    SalespersonLoad,
    StatusEntries,
    StatusStays,
    WaitingLead,
)

_leads = report_leads.c
_periods = report_status_periods.c

_DIMENSION_COLUMNS: dict[Dimension, ColumnElement[Any]] = {
    Dimension.STATUS: _leads.status_code,
    Dimension.TYPE: _leads.type_code,
    Dimension.PARTNER: _leads.partner_id,
    Dimension.SALESPERSON: _leads.salesperson_id,
    Dimension.PRIORITY: _leads.priority_code,
    Dimension.TAG: report_lead_tags.c.tag,
    Dimension.SOURCE: _leads.source_code,
    Dimension.CAMPAIGN: _leads.campaign_code,
    Dimension.CHANNEL: _leads.channel_code,
    **{Dimension(f"lead_{part}"): report_leads.c[column] for part, column in LEAD_BUCKET_COLUMNS.items()},
    **{Dimension(f"close_{part}"): report_leads.c[column] for part, column in CLOSE_BUCKET_COLUMNS.items()},
}

_items = report_communications.c
_PERIOD_COLUMNS = {"day": _periods.entered_day, "week": _periods.entered_week, "month": _periods.entered_month}
_ARRIVAL_COLUMNS = {"day": _items.arrived_day, "week": _items.arrived_week, "month": _items.arrived_month}


def within(column: Any, interval: Interval) -> list[ColumnElement[bool]]:
    conditions = []
    if interval.start is not None:
        conditions.append(column >= interval.start)
    if interval.end is not None:
        conditions.append(column < interval.end)
    return conditions


class ReportQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def pivot(self, dimensions: Sequence[Dimension], lead_date: Interval) -> list[PivotGroup]:
        """Per combination of the dimensions' values and currency: leads, revenue (hundredths) and revenue ×
        probability (hundredths × percent). A lead with several tags counts once under each of its tags."""
        columns = [_DIMENSION_COLUMNS[d].label(f"d{i}") for i, d in enumerate(dimensions)]
        source: Any = report_leads
        if Dimension.TAG in dimensions:
            source = report_leads.outerjoin(report_lead_tags, report_lead_tags.c.lead_id == _leads.lead_id)
        query = (
            select(
                *columns,
                _leads.currency,
                func.count().label("lead_count"),
                func.sum(_leads.revenue_minor).label("revenue_minor"),
                func.sum(_leads.revenue_minor * func.coalesce(_leads.probability, 0)).label("weighted_minor_percent"),
            )
            .select_from(source)
            .where(*within(_leads.lead_date, lead_date))
            .group_by(*columns, _leads.currency)
        )
        groups = await self._session.execute(query)
        return [
            PivotGroup(tuple(values), currency, lead_count, revenue_minor, weighted_minor_percent)
            for *values, currency, lead_count, revenue_minor, weighted_minor_percent in groups
        ]

    async def entries(self, period: str, entered: Interval) -> list[StatusEntries]:
        """Leads entering each status per period: (period, status, count)."""
        bucket = _PERIOD_COLUMNS[period]
        query = (
            select(bucket, _periods.status_code, func.count())
            .where(*within(_periods.entered_at, entered))
            .group_by(bucket, _periods.status_code)
            .order_by(bucket, _periods.status_code)
        )
        return [StatusEntries(*row) for row in await self._session.execute(query)]

    async def stays(self, entered: Interval) -> list[StatusStays]:
        """Per status and the status leads moved on to (None: still there): leads, and seconds spent in total."""
        query = (
            select(
                _periods.status_code,
                _periods.next_status_code,
                func.count(),
                func.coalesce(func.sum(_periods.seconds_in_status), 0),
            )
            .where(*within(_periods.entered_at, entered))
            .group_by(_periods.status_code, _periods.next_status_code)
            .order_by(_periods.status_code, _periods.next_status_code)
        )
        return [StatusStays(*row) for row in await self._session.execute(query)]

    async def outcomes(self, closed: Interval) -> list[LeadOutcomes]:
        """Closed leads by (lost, lost reason): how many, counted when they closed."""
        query = (
            select(_leads.lost, _leads.lost_reason_code, func.count())
            .where(_leads.closed.is_(True), *within(_leads.status_since, closed))
            .group_by(_leads.lost, _leads.lost_reason_code)
        )
        return [LeadOutcomes(*row) for row in await self._session.execute(query)]

    async def stuck(self, since_before: datetime, limit: int) -> list[WaitingLead]:
        """Open leads in their status since before the given moment, the longest waiting first."""
        query = (
            select(
                _leads.lead_id,
                _leads.status_code,
                _leads.salesperson_id,
                _leads.status_since,
                _leads.next_step,
                _leads.next_step_at,
            )
            .where(and_(_leads.closed.is_(False), _leads.status_since < since_before))
            .order_by(_leads.status_since, _leads.lead_id)
            .limit(limit)
        )
        return [WaitingLead(*row) for row in await self._session.execute(query)]

    async def workload(self) -> list[SalespersonLoad]:
        """Open leads per salesperson and currency: how many, and their expected revenue in hundredths."""
        query = (
            select(_leads.salesperson_id, _leads.currency, func.count(), func.sum(_leads.revenue_minor))
            .where(_leads.closed.is_(False))
            .group_by(_leads.salesperson_id, _leads.currency)
        )
        return [SalespersonLoad(*row) for row in await self._session.execute(query)]

    async def funnel_months(self, months: Collection[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int, int]]:
        """Per (month, status): stays entered that month, how many have ended, and their seconds in total."""
        found: dict[tuple[str, str], tuple[int, int, int]] = {}
        for chunk in chunked(sorted(months)):
            query = (
                select(
                    _periods.entered_month,
                    _periods.status_code,
                    func.count(),
                    func.count(_periods.left_at),
                    func.coalesce(func.sum(_periods.seconds_in_status), 0),
                )
                .where(tuple_(_periods.entered_month, _periods.status_code).in_(chunk))
                .group_by(_periods.entered_month, _periods.status_code)
            )
            for month, status, entered, left, seconds in await self._session.execute(query):
                found[(month, status)] = (entered, left, seconds)
        return found

    async def communications(self, period: str, arrived: Interval) -> list[TriageGroup]:
        """Per period of arrival and kind: arrived, each outcome, and of a person's decisions (those with a decision
        time) how many there were, how many attached, and their seconds in total."""
        bucket = _ARRIVAL_COLUMNS[period]
        outcomes = [func.count(case((_items.outcome == o.value, 1))).label(o.value) for o in Outcome]
        decided_attached = case((_items.outcome == Outcome.ATTACHED.value, _items.decision_seconds))
        query = (
            select(
                bucket.label("period"),
                _items.kind,
                func.count().label("arrived"),
                *outcomes,
                func.count(_items.decision_seconds).label("decided"),
                func.count(decided_attached).label("decided_attached"),
                func.coalesce(func.sum(_items.decision_seconds), 0).label("decision_seconds"),
            )
            .where(*within(_items.arrived_at, arrived))
            .group_by(bucket, _items.kind)
            .order_by(bucket, _items.kind)
        )
        return [
            TriageGroup(
                period=row.period,
                kind=row.kind,
                arrived=row.arrived,
                outcomes={outcome: getattr(row, outcome.value) for outcome in Outcome},
                decided=row.decided,
                decided_attached=row.decided_attached,
                decision_seconds=row.decision_seconds,
            )
            for row in await self._session.execute(query)
        ]
