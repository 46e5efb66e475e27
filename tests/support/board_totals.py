"""The kanban board's column totals two ways: as the leads service keeps them, and counted afresh over every open
lead (what the board once ran per request), in one shape to compare."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.leads.adapters.board_totals import BoardTotals
from leadline.leads.adapters.tables import leads, open_lead_totals

# status -> (how many open leads, {currency: their expected revenue}), of every type or of one
Totals = dict[str, tuple[int, dict[str, Decimal]]]


async def counted_afresh(session: AsyncSession, type_code: str | None) -> Totals:
    query = (
        select(leads.c.status_code, leads.c.currency, func.count(), func.sum(leads.c.expected_revenue))
        .where(leads.c.closed == false())
        .group_by(leads.c.status_code, leads.c.currency)
    )
    if type_code is not None:
        query = query.where(leads.c.type_code == type_code)
    totals: Totals = {}
    for status, currency, count, revenue in (await session.execute(query)).all():
        counted, revenues = totals.get(status, (0, {}))
        if revenue is not None:
            revenues[currency] = Decimal(revenue).quantize(Decimal("0.01"))
        totals[status] = (counted + count, revenues)
    return totals


async def kept(session: AsyncSession, type_code: str | None) -> Totals:
    totals: Totals = {}
    for total in await BoardTotals(session).per_status_and_currency(type_code):
        counted, revenues = totals.get(total.status_code, (0, {}))
        if total.revenue is not None:
            revenues[total.currency] = total.revenue
        totals[total.status_code] = (counted + total.count, revenues)
    return totals


# One row of open_lead_totals: status, type, currency, leads, how many with a revenue, the revenue in hundredths.
Row = tuple[Any, ...]
_KEY = (leads.c.status_code, leads.c.type_code, leads.c.currency)


async def folded_rows(session: AsyncSession) -> set[Row]:
    """The totals as folded (changes not folded yet left out)."""
    amounts = (open_lead_totals.c.leads, open_lead_totals.c.with_revenue, open_lead_totals.c.revenue_cents)
    stored = select(*(open_lead_totals.c[column.name] for column in _KEY), *amounts)
    return {_whole(row) for row in (await session.execute(stored)).all()}


async def rows_counted_afresh(session: AsyncSession) -> set[Row]:
    cents = func.sum(func.round(leads.c.expected_revenue * 100))
    query = select(*_KEY, func.count(), func.count(leads.c.expected_revenue), cents)
    return {
        _whole(row) for row in (await session.execute(query.where(leads.c.closed == false()).group_by(*_KEY))).all()
    }


def _whole(row: Any) -> Row:
    return (*row[:3], *(int(amount or 0) for amount in row[3:]))
