"""Writing the lead report's facts: each lead's row, its tags and its status history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.reporting.adapters.tables import report_lead_tags, report_leads, report_status_periods
from leadline.reporting.domain.buckets import funnel_period
from leadline.reporting.domain.funnel import seconds_between


class LeadFactsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def status_of(self, lead_id: UUID) -> str | None:
        """The lead's status as reporting knows it; None when reporting does not know the lead."""
        query = select(report_leads.c.status_code).where(report_leads.c.lead_id == lead_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def add(self, columns: Mapping[str, Any], tags: Iterable[str], entered_at: datetime) -> None:
        await self._session.execute(insert(report_leads).values(**columns))
        await self.set_tags(columns["lead_id"], tags)
        await self._enter(columns["lead_id"], columns["status_code"], entered_at)

    async def change(self, lead_id: UUID, columns: Mapping[str, Any]) -> None:
        if columns:
            await self._session.execute(update(report_leads).where(report_leads.c.lead_id == lead_id).values(**columns))

    async def set_tags(self, lead_id: UUID, tags: Iterable[str]) -> None:
        await self._session.execute(delete(report_lead_tags).where(report_lead_tags.c.lead_id == lead_id))
        rows = [{"lead_id": lead_id, "tag": tag} for tag in sorted(set(tags))]
        if rows:
            await self._session.execute(insert(report_lead_tags), rows)

    async def move(self, lead_id: UUID, to_status: str, at: datetime, columns: Mapping[str, Any]) -> None:
        """Closes the lead's stay in its status and opens one in ``to_status``."""
        open_stay = report_status_periods.c.lead_id == lead_id, report_status_periods.c.left_at.is_(None)
        entered_at = (
            await self._session.execute(select(report_status_periods.c.entered_at).where(*open_stay))
        ).scalar_one_or_none()
        if entered_at is not None:
            await self._session.execute(
                update(report_status_periods)
                .where(*open_stay)
                .values(left_at=at, next_status_code=to_status, seconds_in_status=seconds_between(entered_at, at))
            )
        await self.change(lead_id, {**columns, "status_code": to_status, "status_since": at})
        await self._enter(lead_id, to_status, at)

    async def forget(self, lead_id: UUID) -> None:
        """A deleted or merged lead leaves the report, history and all."""
        for table in (report_status_periods, report_lead_tags, report_leads):
            await self._session.execute(delete(table).where(table.c.lead_id == lead_id))

    async def _enter(self, lead_id: UUID, status_code: str, at: datetime) -> None:
        period = funnel_period(at)
        await self._session.execute(
            insert(report_status_periods).values(
                lead_id=lead_id,
                status_code=status_code,
                entered_at=at,
                entered_day=period["day"],
                entered_week=period["week"],
                entered_month=period["month"],
            )
        )
