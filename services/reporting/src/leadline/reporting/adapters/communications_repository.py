"""Writing what reporting keeps of each call and e-mail: when it arrived, and how and when triage decided it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.reporting.adapters.tables import report_communications
from leadline.reporting.domain.buckets import funnel_period
from leadline.reporting.domain.communications import Outcome
from leadline.reporting.domain.funnel import seconds_between

_items = report_communications.c


class CommunicationsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def arrived_at(self, item_id: UUID) -> datetime | None:
        """When the item arrived; None when reporting has not seen it registered."""
        query = select(_items.arrived_at).where(_items.id == item_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def add(self, item_id: UUID, kind: str, arrived_at: datetime, outcome: Outcome | None) -> None:
        period = funnel_period(arrived_at)
        await self._session.execute(
            insert(report_communications).values(
                id=item_id,
                kind=kind,
                arrived_at=arrived_at,
                arrived_day=period["day"],
                arrived_week=period["week"],
                arrived_month=period["month"],
                outcome=outcome,
            )
        )

    async def decide(self, item_id: UUID, outcome: Outcome | None, at: datetime | None) -> None:
        """``outcome`` None: back in triage (an ignore undone). ``at`` None: no person decided (it was matched)."""
        arrived_at = await self.arrived_at(item_id)
        if arrived_at is None:
            return
        seconds = seconds_between(arrived_at, at) if at is not None else None
        await self._session.execute(
            update(report_communications)
            .where(_items.id == item_id)
            .values(outcome=outcome, decided_at=at, decision_seconds=seconds)
        )
