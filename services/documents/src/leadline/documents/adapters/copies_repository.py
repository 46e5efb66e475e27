"""Reading and writing the documents service's copies of what the leads service owns."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.documents.adapters.tables import lead_copies
from leadline.documents.domain.lead_copy import LeadCopy


class LeadCopyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, lead_id: UUID, *, hold: bool = False) -> LeadCopy | None:
        """``hold``: the copy is kept as it is until the commit, a shared row lock (PostgreSQL; SQLite has one writer
        at a time). A document is made only for a lead held so, and the lead's deletion (``mark_deleted``) or merge
        (``remove``) locks the copy before it settles the lead's documents: the two never pass each other unseen."""
        query = select(lead_copies).where(lead_copies.c.lead_id == lead_id)
        if hold:
            query = query.with_for_update(read=True)
        row = (await self._session.execute(query)).mappings().first()
        return LeadCopy(**row) if row else None

    async def mark_deleted(self, lead_id: UUID) -> None:
        await self._session.execute(update(lead_copies).where(lead_copies.c.lead_id == lead_id).values(deleted=True))

    async def known(self, lead_ids: Collection[UUID]) -> set[UUID]:
        """Which of these leads have a copy here."""
        query = select(lead_copies.c.lead_id).where(lead_copies.c.lead_id.in_(list(lead_ids)))
        return set((await self._session.execute(query)).scalars())

    async def add_all(self, leads: Sequence[LeadCopy]) -> None:
        if leads:
            await self._session.execute(insert(lead_copies), [vars(lead) for lead in leads])

    async def save(self, lead: LeadCopy) -> None:
        await self._session.execute(
            update(lead_copies).where(lead_copies.c.lead_id == lead.lead_id).values(**vars(lead))
        )

    async def remove(self, lead_id: UUID) -> None:
        await self._session.execute(delete(lead_copies).where(lead_copies.c.lead_id == lead_id))

    async def set_status(self, lead_id: UUID, status_code: str, closed: bool) -> None:
        await self._session.execute(
            update(lead_copies).where(lead_copies.c.lead_id == lead_id).values(status_code=status_code, closed=closed)
        )

    async def set_salesperson(self, lead_id: UUID, salesperson_id: str | None) -> None:
        await self._session.execute(
            update(lead_copies).where(lead_copies.c.lead_id == lead_id).values(salesperson_id=salesperson_id)
        )


class NamedValues:
    """A key → value table kept whole from a compacted topic: the latest event per key wins."""

    def __init__(self, session: AsyncSession, table: Table, key: Column[str], value: Column[Any]) -> None:
        self._session = session
        self._table, self._key, self._value = table, key, value

    async def put(self, key: str, value: str | None) -> None:
        result = await self._session.execute(
            update(self._table).where(self._key == key).values({self._value.key: value})
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            await self._session.execute(insert(self._table).values({self._key.key: key, self._value.key: value}))

    async def remove(self, key: str) -> None:
        await self._session.execute(delete(self._table).where(self._key == key))

    async def get(self, key: str) -> str | None:
        found: str | None = (await self._session.execute(select(self._value).where(self._key == key))).scalar()
        return found

    async def all(self) -> dict[str, str | None]:
        rows = await self._session.execute(select(self._key, self._value))
        return {key: value for key, value in rows}  # noqa: C416 (rows are Row objects, not pairs)
