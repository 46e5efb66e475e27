"""Reading and writing the counts of leads per status.

Folded in memory during a batch of events and written at its end (``flush``), a few statements per batch
rather than several per event: what lets reporting replay the topics at tens of thousands of events a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.sql import is_in
from leadline.contracts.wire.envelope import Envelope
from leadline.reporting.adapters.tables import lead_statuses, leads_by_status


class FunnelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._dialect = session.get_bind().dialect
        self._status: dict[UUID, str | None] = {}  # as folded; None: reporting does not count the lead
        self._stored_status: dict[UUID, str | None] = {}  # as in the database
        self._counts: dict[str, int] | None = None
        self._stored_counts: dict[str, int] = {}
        self._causes: dict[str, Envelope] = {}  # the last event that changed each count in this batch

    async def load(self, lead_ids: Iterable[UUID]) -> None:
        missing = {i for i in lead_ids if i not in self._status}
        if not missing:
            return
        query = select(lead_statuses.c.lead_id, lead_statuses.c.status_code).where(
            is_in(lead_statuses.c.lead_id, missing, self._dialect)
        )
        found: dict[UUID, str] = {row.lead_id: row.status_code for row in await self._session.execute(query)}
        for lead_id in missing:
            self._status[lead_id] = self._stored_status[lead_id] = found.get(lead_id)

    async def status_of(self, lead_id: UUID) -> str | None:
        if lead_id not in self._status:
            await self.load([lead_id])
        return self._status[lead_id]

    def set_status(self, lead_id: UUID, status_code: str | None) -> None:
        """None: the lead is gone. Only after ``status_of`` has read the lead."""
        self._status[lead_id] = status_code

    async def add_to_counts(self, changes: Mapping[str, int], caused_by: Envelope) -> None:
        counts = await self._all_counts()
        for status_code, change in changes.items():
            counts[status_code] = counts.get(status_code, 0) + change
            self._causes.pop(status_code, None)  # keeps the order of the last change
            self._causes[status_code] = caused_by

    def changed_counts(self) -> list[tuple[str, int, Envelope]]:
        """Each count this batch changed, its value now and the last event that changed it, in that order."""
        assert self._counts is not None or not self._causes
        return [(code, (self._counts or {})[code], cause) for code, cause in self._causes.items()]

    async def counts(self) -> dict[str, int]:
        return dict(await self._all_counts())

    async def _all_counts(self) -> dict[str, int]:
        if self._counts is None:
            rows = await self._session.execute(select(leads_by_status.c.status_code, leads_by_status.c.lead_count))
            self._stored_counts = {row.status_code: row.lead_count for row in rows}
            self._counts = dict(self._stored_counts)
        return self._counts

    async def flush(self) -> None:
        statuses = {i: s for i, s in self._status.items() if s != self._stored_status.get(i)}
        gone = [i for i, s in statuses.items() if s is None]
        if gone:
            await self._session.execute(
                delete(lead_statuses).where(is_in(lead_statuses.c.lead_id, gone, self._dialect))
            )
        new = [
            {"lead_id": i, "status_code": s} for i, s in statuses.items() if s and self._stored_status.get(i) is None
        ]
        moved = [{"b_id": i, "status_code": s} for i, s in statuses.items() if s and self._stored_status.get(i)]
        if new:
            await self._session.execute(insert(lead_statuses), new)
        if moved:
            await self._session.execute(
                update(lead_statuses).where(lead_statuses.c.lead_id == bindparam("b_id")), moved
            )
        self._stored_status.update(statuses)
        counts = {c: n for c, n in (self._counts or {}).items() if self._stored_counts.get(c) != n}
        added = [{"status_code": c, "lead_count": n} for c, n in counts.items() if c not in self._stored_counts]
        changed = [{"b_code": c, "lead_count": n} for c, n in counts.items() if c in self._stored_counts]
        if added:
            await self._session.execute(insert(leads_by_status), added)
        if changed:
            await self._session.execute(
                update(leads_by_status).where(leads_by_status.c.status_code == bindparam("b_code")), changed
            )
        self._stored_counts.update(counts)
        self._causes.clear()
