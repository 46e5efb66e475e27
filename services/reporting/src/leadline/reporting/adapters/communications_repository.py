"""Writing what reporting keeps of each call and e-mail: when it arrived, and how and when triage decided it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.sql import is_in
from leadline.reporting.adapters.tables import report_communications
from leadline.reporting.domain.buckets import funnel_period
from leadline.reporting.domain.communications import Arrival, Outcome
from leadline.reporting.domain.funnel import seconds_between

_items = report_communications.c
# Built once, values bound per call (see leadline.contracts.platform.messaging.outbox).
_INSERT = insert(report_communications)


class CommunicationsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def arrived_at(self, item_id: UUID) -> datetime | None:
        """When the item arrived; None when reporting has not seen it registered."""
        query = select(_items.arrived_at).where(_items.id == item_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def known(self, item_ids: Collection[UUID]) -> set[UUID]:
        """Which of these items reporting has seen registered."""
        query = select(_items.id).where(is_in(_items.id, item_ids, self._session.get_bind().dialect))
        return set((await self._session.execute(query)).scalars())

    async def add_all(self, arrivals: Sequence[Arrival]) -> None:
        if not arrivals:
            return
        rows = []
        for arrival in arrivals:
            period = funnel_period(arrival.arrived_at)
            rows.append(
                {
                    "id": arrival.item_id,
                    "kind": arrival.kind,
                    "arrived_at": arrival.arrived_at,
                    "arrived_day": period["day"],
                    "arrived_week": period["week"],
                    "arrived_month": period["month"],
                    "outcome": arrival.outcome,
                }
            )
        await self._session.execute(_INSERT, rows)

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
