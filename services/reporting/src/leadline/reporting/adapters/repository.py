"""Reading and writing the funnel aggregates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.reporting.adapters.tables import lead_statuses, leads_by_status


class FunnelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def status_of(self, lead_id: UUID) -> str | None:
        return (
            await self._session.execute(select(lead_statuses.c.status_code).where(lead_statuses.c.lead_id == lead_id))
        ).scalar_one_or_none()

    async def set_status(self, lead_id: UUID, status_code: str, *, known: bool) -> None:
        if known:
            await self._session.execute(
                update(lead_statuses).where(lead_statuses.c.lead_id == lead_id).values(status_code=status_code)
            )
        else:
            await self._session.execute(insert(lead_statuses).values(lead_id=lead_id, status_code=status_code))

    async def forget(self, lead_id: UUID) -> None:
        await self._session.execute(delete(lead_statuses).where(lead_statuses.c.lead_id == lead_id))

    async def add_to_counts(self, changes: Mapping[str, int]) -> dict[str, int]:
        """Applies the changes and returns the new count of every status touched."""
        current = await self.counts(changes.keys())
        for status_code, change in changes.items():
            if status_code in current:
                await self._session.execute(
                    update(leads_by_status)
                    .where(leads_by_status.c.status_code == status_code)
                    .values(lead_count=leads_by_status.c.lead_count + change)
                )
            else:
                await self._session.execute(insert(leads_by_status).values(status_code=status_code, lead_count=change))
            current[status_code] = current.get(status_code, 0) + change
        return {code: current[code] for code in changes}

    async def counts(self, status_codes: Iterable[str] | None = None) -> dict[str, int]:
        query = select(leads_by_status.c.status_code, leads_by_status.c.lead_count)
        if status_codes is not None:
            query = query.where(leads_by_status.c.status_code.in_(list(status_codes)))
        return dict((await self._session.execute(query)).all())
