"""Reading and writing the deals of leads.

A deal row also carries its lead's salesperson, type and partner (the pipeline board filters and sums on them);
they are written with the deal and whenever the lead's change (``follow_lead``)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.errors import StaleVersion
from leadline.leads.adapters.tables import deals
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.model import Lead

_DEAL_COLUMNS = [deals.c[field.name] for field in fields(Deal)]


def lead_copies(lead: Lead) -> dict[str, Any]:
    """What a deal row keeps of its lead."""
    return {"salesperson_id": lead.salesperson_id, "lead_type_code": lead.type_code, "partner_id": lead.partner_id}


class DealRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, lead_id: UUID) -> list[Deal]:
        query = select(*_DEAL_COLUMNS).where(deals.c.lead_id == lead_id).order_by(deals.c.name, deals.c.id)
        return [Deal(**row) for row in (await self._session.execute(query)).mappings()]

    async def get(self, lead_id: UUID, deal_id: UUID) -> Deal | None:
        found = await self.by_ids([deal_id])
        return found[0] if found and found[0].lead_id == lead_id else None

    async def by_ids(self, deal_ids: list[UUID]) -> list[Deal]:
        """The deals with these ids, in that order (those that do not exist left out)."""
        query = select(*_DEAL_COLUMNS).where(deals.c.id.in_(deal_ids))
        found = {row["id"]: Deal(**row) for row in (await self._session.execute(query)).mappings()}
        return [found[deal_id] for deal_id in deal_ids if deal_id in found]

    async def add(self, deal: Deal, lead: Lead) -> None:
        await self._session.execute(insert(deals).values(**asdict(deal), **lead_copies(lead)))

    async def save(self, deal: Deal) -> None:
        """Writes a changed deal; refused when someone else saved a newer version meanwhile."""
        result = await self._session.execute(
            update(deals).where(deals.c.id == deal.id, deals.c.version == deal.version - 1).values(**asdict(deal))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"deal {deal.id} was changed by someone else; reload it and try again", rule="stale_version"
            )

    async def remove(self, deal: Deal) -> None:
        await self._session.execute(delete(deals).where(deals.c.id == deal.id))

    async def move(self, from_lead_id: UUID, to_lead: Lead) -> None:
        await self._session.execute(
            update(deals).where(deals.c.lead_id == from_lead_id).values(lead_id=to_lead.id, **lead_copies(to_lead))
        )


async def follow_lead(session: AsyncSession, lead: Lead, before: Lead) -> None:
    """The lead's deals keep its salesperson, type and partner as they change."""
    if lead_copies(lead) != lead_copies(before):
        await session.execute(update(deals).where(deals.c.lead_id == lead.id).values(**lead_copies(lead)))
