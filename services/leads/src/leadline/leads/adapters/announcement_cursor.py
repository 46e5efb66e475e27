"""How far announcing the leads that existed before LeadAnnouncedV1 has got: one row the migration made, moved on a
chunk of leads at a time by service/announcement.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.leads.adapters.repository import LeadRepository
from leadline.leads.adapters.tables import lead_announcement, leads
from leadline.leads.domain.model import Lead

_CURSOR = lead_announcement.c


class AnnouncementCursor:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def done(self) -> bool:
        """Whether every lead is announced (a database without the cursor row has nothing to announce)."""
        done_at = select(_CURSOR.done_at).where(_CURSOR.id == 1)
        row = (await self._session.execute(done_at)).first()
        return row is None or row.done_at is not None

    async def last_announced(self) -> UUID | None:
        """The id of the last lead announced; None before the first."""
        return await self._session.scalar(select(_CURSOR.after_lead_id).where(_CURSOR.id == 1))

    async def leads_after(self, lead_id: UUID | None, *, limit: int) -> list[Lead]:
        """The next leads in the order of their ids, after ``lead_id`` (None: from the first)."""
        query = select(leads).order_by(leads.c.id).limit(limit)
        if lead_id is not None:
            query = query.where(leads.c.id > lead_id)
        return await LeadRepository(self._session).many(query)

    async def advance(self, from_lead_id: UUID | None, to_lead_id: UUID | None, *, done_at: datetime | None) -> bool:
        """Moves the cursor on, unless another transaction moved it from ``from_lead_id`` meanwhile: False then."""
        unchanged = _CURSOR.after_lead_id.is_(None) if from_lead_id is None else _CURSOR.after_lead_id == from_lead_id
        moved = await self._session.execute(
            update(lead_announcement)
            .where(_CURSOR.id == 1, _CURSOR.done_at.is_(None), unchanged)
            .values(after_lead_id=to_lead_id, done_at=done_at)
        )
        return bool(moved.rowcount == 1)  # type: ignore[attr-defined]
