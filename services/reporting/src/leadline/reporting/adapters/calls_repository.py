"""Writing and reading what reporting keeps of each call: its direction and start, how it ended, and whether and
how soon a missed one was returned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.sql import upsert
from leadline.reporting.adapters.tables import report_calls
from leadline.reporting.domain.buckets import funnel_period
from leadline.reporting.domain.calls import CallEnd, CallGroup, CallStart, Cleared, MissedCalls
from leadline.reporting.domain.report import Interval

_calls = report_calls.c
_STARTED = {"day": _calls.started_day, "week": _calls.started_week, "month": _calls.started_month}
_ENDED = (
    update(report_calls)
    .where(_calls.id == bindparam("call_id"))
    .values(disposition=bindparam("disposition"), missed=bindparam("missed"))
)
_CLEARED = (
    update(report_calls)
    .where(_calls.id == bindparam("call_id"))
    .values(callback=bindparam("how"), callback_seconds=bindparam("seconds"))
)


class CallsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def started(self, calls: Sequence[CallStart]) -> None:
        """Adds the calls; one seen again keeps what was learnt of it since (an end, a call back)."""
        if not calls:
            return
        rows = []
        for call in calls:
            period = funnel_period(call.started_at)
            rows.append(
                {
                    "id": call.call_id,
                    "direction": call.direction,
                    "started_at": call.started_at,
                    "started_day": period["day"],
                    "started_week": period["week"],
                    "started_month": period["month"],
                    "missed": False,
                }
            )
        statement = upsert(self._session, report_calls, key=["id"], replaced=["direction"])
        await self._session.execute(statement, rows)

    async def ended(self, ends: Sequence[CallEnd]) -> None:
        if ends:
            rows = [{"call_id": e.call_id, "disposition": e.disposition, "missed": e.missed} for e in ends]
            await self._session.execute(_ENDED, rows)

    async def cleared(self, cleared: Sequence[Cleared]) -> None:
        if cleared:
            rows = [{"call_id": c.call_id, "how": c.how, "seconds": c.seconds} for c in cleared]
            await self._session.execute(_CLEARED, rows)

    async def by_direction_and_disposition(self, period: str, started: Interval) -> list[CallGroup]:
        bucket = _STARTED[period]
        query = (
            select(bucket.label("period"), _calls.direction, _calls.disposition, func.count().label("calls"))
            .where(*_within(started))
            .group_by(bucket, _calls.direction, _calls.disposition)
            .order_by(bucket, _calls.direction, _calls.disposition)
        )
        return [CallGroup(*row) for row in await self._session.execute(query)]

    async def missed(self, period: str, started: Interval) -> list[MissedCalls]:
        """Per period: inbound calls, those that ended, the missed ones, and how they were returned."""
        bucket = _STARTED[period]
        inbound = _calls.direction == "inbound"
        query = (
            select(
                bucket.label("period"),
                func.count(case((inbound, 1))).label("inbound"),
                func.count(case((inbound & _calls.disposition.is_not(None), 1))).label("inbound_ended"),
                func.count(case((_calls.missed, 1))).label("missed"),
                func.count(case((_calls.callback == "called_back", 1))).label("called_back"),
                func.count(case((_calls.callback == "marked_done", 1))).label("marked_done"),
                func.coalesce(func.sum(_calls.callback_seconds), 0).label("callback_seconds"),
            )
            .where(*_within(started))
            .group_by(bucket)
            .order_by(bucket)
        )
        return [MissedCalls(*row) for row in await self._session.execute(query)]


def _within(started: Interval) -> list[Any]:
    conditions = []
    if started.start is not None:
        conditions.append(_calls.started_at >= started.start)
    if started.end is not None:
        conditions.append(_calls.started_at < started.end)
    return conditions
