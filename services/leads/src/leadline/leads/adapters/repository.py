"""Reading and writing leads and reference data."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.errors import RuleViolation, StaleVersion
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
        query = select(leads).order_by(leads.c.created_at.desc(), leads.c.id.desc()).limit(limit + 1)
        if status_code is not None:
            query = query.where(leads.c.status_code == status_code)
        if closed is not None:
            query = query.where(leads.c.closed == closed)
        if salesperson_id is not None:
            query = query.where(leads.c.salesperson_id == salesperson_id)
        if cursor:
            created_at, lead_id = _decode_cursor(cursor)
            query = query.where(
                or_(
                    leads.c.created_at < created_at,
                    and_(leads.c.created_at == created_at, leads.c.id < lead_id),
                )
            )
        found = [Lead(**row) for row in (await self._session.execute(query)).mappings()]
        if len(found) <= limit:
            return found, None
        last = found[limit - 1]
        return found[:limit], _encode_cursor(last.created_at, last.id)


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


def _encode_cursor(created_at: datetime, lead_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{lead_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        created_at, lead_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(created_at), UUID(lead_id)
    except ValueError:
        raise RuleViolation(
            "the cursor is not one this API returned",
            rule="invalid_cursor",
            field="cursor",
        ) from None
