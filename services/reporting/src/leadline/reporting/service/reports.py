"""Use cases that read the reports: the lead pivot and the funnel."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.domain.funnel import average, conversion_rate, days_in_status
from leadline.reporting.domain.money import from_minor, weighted_from_minor_percent
from leadline.reporting.domain.report import Interval, PivotCell, PivotRequest


async def lead_pivot(uow: ReportingUnitOfWork, request: PivotRequest) -> list[PivotCell]:
    """Cells in the order of their row, then column values (no value first)."""
    width = len(request.rows)
    cells: dict[tuple[str | None, ...], PivotCell] = {}
    for group in await uow.reports.pivot(request.dimensions, request.lead_date):
        cell = cells.setdefault(group.values, PivotCell(row=group.values[:width], column=group.values[width:]))
        cell.count += group.lead_count
        # The weighted sum is there exactly when the revenue is (a lead without a probability weighs 0).
        if group.revenue_minor is not None and group.weighted_minor_percent is not None and group.currency is not None:
            cell.expected_revenue[group.currency] = from_minor(group.revenue_minor)
            cell.weighted_revenue[group.currency] = weighted_from_minor_percent(group.weighted_minor_percent)
    return [cells[key] for key in sorted(cells, key=lambda values: [(v is not None, v or "") for v in values])]


@dataclass(frozen=True)
class Entries:
    period: str
    status_code: str
    lead_count: int


@dataclass(frozen=True)
class Conversion:
    from_status_code: str
    to_status_code: str
    lead_count: int
    rate: float | None  # of the leads that entered from_status_code


@dataclass(frozen=True)
class TimeInStatus:
    status_code: str
    left_count: int
    average_seconds: float | None


@dataclass(frozen=True)
class LostReason:
    lost_reason_code: str | None
    lead_count: int


@dataclass(frozen=True)
class Funnel:
    entries: list[Entries]
    conversions: list[Conversion]
    won: int
    lost: int
    lost_reasons: list[LostReason]
    time_in_status: list[TimeInStatus]


async def funnel(uow: ReportingUnitOfWork, period: str, entered: Interval) -> Funnel:
    """``entered``: when leads entered a status (entries, conversions, time in status) or closed (won, lost)."""
    entries = [Entries(p, status, count) for p, status, count in await uow.reports.entries(period, entered)]
    entered_count: dict[str, int] = defaultdict(int)
    moves: list[tuple[str, str, int]] = []
    left: dict[str, tuple[int, int]] = {}
    for status, next_status, count, seconds in await uow.reports.stays(entered):
        entered_count[status] += count
        if next_status is not None:
            moves.append((status, next_status, count))
            left_count, total = left.get(status, (0, 0))
            left[status] = (left_count + count, total + seconds)
    won = lost = 0
    reasons: list[LostReason] = []
    for is_lost, reason, count in await uow.reports.outcomes(entered):
        if is_lost:
            lost += count
            reasons.append(LostReason(reason, count))
        else:
            won += count
    return Funnel(
        entries=entries,
        conversions=[Conversion(a, b, n, conversion_rate(n, entered_count[a])) for a, b, n in moves],
        won=won,
        lost=lost,
        lost_reasons=sorted(reasons, key=lambda r: (-r.lead_count, r.lost_reason_code or "")),
        time_in_status=[
            TimeInStatus(status, count, average(seconds, count)) for status, (count, seconds) in sorted(left.items())
        ],
    )


@dataclass(frozen=True)
class StuckLead:
    lead_id: UUID
    status_code: str
    salesperson_id: str | None
    status_since: datetime
    days_in_status: int
    next_step: str | None
    next_step_at: datetime | None


async def stuck_leads(uow: ReportingUnitOfWork, days: int, now: datetime, limit: int) -> list[StuckLead]:
    return [
        StuckLead(
            lead.lead_id,
            lead.status_code,
            lead.salesperson_id,
            lead.status_since,
            days_in_status=days_in_status(lead.status_since, now),
            next_step=lead.next_step,
            next_step_at=lead.next_step_at,
        )
        for lead in await uow.reports.stuck(now - timedelta(days=days), limit)
    ]


@dataclass(frozen=True)
class Workload:
    salesperson_id: str | None
    open_leads: int
    expected_revenue: dict[str, Decimal]


async def workload(uow: ReportingUnitOfWork) -> list[Workload]:
    per_person: dict[str | None, Workload] = {}
    for person, currency, count, revenue_minor in await uow.reports.workload():
        known = per_person.get(person) or Workload(person, 0, {})
        revenue = dict(known.expected_revenue)
        if revenue_minor is not None and currency is not None:
            revenue[currency] = from_minor(revenue_minor)
        per_person[person] = Workload(person, known.open_leads + count, revenue)
    return sorted(per_person.values(), key=lambda w: (-w.open_leads, w.salesperson_id or ""))
