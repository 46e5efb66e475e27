"""Reading and writing leads and reference data."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.errors import StaleVersion
from leadline.contracts.pagination import newest_first
from leadline.leads.adapters.tables import (
    lead_type_statuses,
    lead_types,
    leads,
    statuses,
)
from leadline.leads.domain.model import Lead, LeadType, ReferenceData, Status


class LeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, lead_id: UUID) -> Lead | None:
        row = (await self._session.execute(select(leads).where(leads.c.id == lead_id))).mappings().first()
        return Lead(**row) if row else None

    async def add(self, lead: Lead) -> None:
        await self._session.execute(insert(leads).values(**_columns(lead)))

    async def save(self, lead: Lead) -> None:
        """Writes a changed lead; refused when someone else saved a newer version meanwhile."""
        result = await self._session.execute(
            update(leads).where(leads.c.id == lead.id, leads.c.version == lead.version - 1).values(**_columns(lead))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"lead {lead.id} was changed by someone else; reload it and try again",
                rule="stale_version",
            )

    async def page(
        self,
        *,
        status_code: str | None,
        closed: bool | None,
        salesperson_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Lead], str | None]:
        """Newest first; the cursor is the position after the last lead returned."""
        query = select(leads)
        if status_code is not None:
            query = query.where(leads.c.status_code == status_code)
        if closed is not None:
            query = query.where(leads.c.closed == closed)
        if salesperson_id is not None:
            query = query.where(leads.c.salesperson_id == salesperson_id)
        rows, next_cursor = await newest_first(
            self._session, query, at=leads.c.created_at, row_id=leads.c.id, limit=limit, cursor=cursor
        )
        return [Lead(**row) for row in rows], next_cursor


class ReferenceDataRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(self) -> ReferenceData:
        status_rows = (await self._session.execute(select(statuses))).mappings()
        allowed: dict[str, set[str]] = {}
        for type_code, status_code in (await self._session.execute(select(lead_type_statuses))).all():
            allowed.setdefault(type_code, set()).add(status_code)
        type_rows = (await self._session.execute(select(lead_types))).mappings()
        return ReferenceData(
            statuses={row["code"]: Status(**row) for row in status_rows},
            lead_types={
                row["code"]: LeadType(row["code"], row["name"], frozenset(allowed.get(row["code"], ())))
                for row in type_rows
            },
        )


def _columns(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in leads.c.keys()}  # noqa: SIM118  (a ColumnCollection iterates columns, not names)
