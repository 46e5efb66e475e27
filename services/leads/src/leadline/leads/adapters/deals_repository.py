"""Reading and writing the deals of leads."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.errors import StaleVersion
from leadline.leads.adapters.tables import deals
from leadline.leads.domain.deals import Deal


class DealRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, lead_id: UUID) -> list[Deal]:
        query = select(deals).where(deals.c.lead_id == lead_id).order_by(deals.c.name, deals.c.id)
        return [Deal(**row) for row in (await self._session.execute(query)).mappings()]

    async def get(self, lead_id: UUID, deal_id: UUID) -> Deal | None:
        query = select(deals).where(deals.c.lead_id == lead_id, deals.c.id == deal_id)
        row = (await self._session.execute(query)).mappings().first()
        return Deal(**row) if row else None

    async def add(self, deal: Deal) -> None:
        await self._session.execute(insert(deals).values(**_columns(deal)))

    async def save(self, deal: Deal) -> None:
        """Writes a changed deal; refused when someone else saved a newer version meanwhile."""
        result = await self._session.execute(
            update(deals).where(deals.c.id == deal.id, deals.c.version == deal.version - 1).values(**_columns(deal))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"deal {deal.id} was changed by someone else; reload it and try again", rule="stale_version"
            )

    async def remove(self, deal: Deal) -> None:
        await self._session.execute(delete(deals).where(deals.c.id == deal.id))

    async def move(self, from_lead_id: UUID, to_lead_id: UUID) -> None:
        await self._session.execute(update(deals).where(deals.c.lead_id == from_lead_id).values(lead_id=to_lead_id))


def _columns(deal: Deal) -> dict[str, Any]:
    return {column.key: getattr(deal, column.key) for column in deals.c}
