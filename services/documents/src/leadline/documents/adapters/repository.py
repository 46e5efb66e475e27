"""Reading and writing the documents service's copy of leads."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.documents.adapters.tables import lead_copies
from leadline.documents.domain.model import LeadCopy


class LeadCopyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, lead_id: UUID) -> LeadCopy | None:
        row = (
            (await self._session.execute(select(lead_copies).where(lead_copies.c.lead_id == lead_id)))
            .mappings()
            .first()
        )
        return LeadCopy(**row) if row else None

    async def add(self, lead: LeadCopy) -> None:
        await self._session.execute(insert(lead_copies).values(**vars(lead)))

    async def remove(self, lead_id: UUID) -> None:
        await self._session.execute(delete(lead_copies).where(lead_copies.c.lead_id == lead_id))

    async def set_status(self, lead_id: UUID, status_code: str, closed: bool) -> None:
        await self._session.execute(
            update(lead_copies).where(lead_copies.c.lead_id == lead_id).values(status_code=status_code, closed=closed)
        )
