"""Reading and writing the lead report's facts: each lead's row, its tags and its status history.

Like the counts (see repository.py), folded in memory during a batch and written at its end (``flush``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.reporting.adapters.chunks import chunked
from leadline.reporting.adapters.tables import report_lead_tags, report_leads, report_status_periods
from leadline.reporting.domain.buckets import funnel_period
from leadline.reporting.domain.funnel import seconds_between

_periods = report_status_periods.c


@dataclass
class _Stay:
    """A lead's stay in a status; ``id`` None: not written yet."""

    lead_id: UUID
    status_code: str
    entered_at: datetime
    id: int | None = None
    left_at: datetime | None = None
    next_status_code: str | None = None

    def left(self, at: datetime, for_status: str) -> None:
        self.left_at, self.next_status_code = at, for_status

    def closing(self) -> dict[str, Any]:
        assert self.left_at is not None
        return {
            "left_at": self.left_at,
            "next_status_code": self.next_status_code,
            "seconds_in_status": seconds_between(self.entered_at, self.left_at),
        }

    def row(self) -> dict[str, Any]:
        period = funnel_period(self.entered_at)
        closing = (
            self.closing() if self.left_at else {"left_at": None, "next_status_code": None, "seconds_in_status": None}
        )
        return {
            "lead_id": self.lead_id,
            "status_code": self.status_code,
            "entered_at": self.entered_at,
            "entered_day": period["day"],
            "entered_week": period["week"],
            "entered_month": period["month"],
            **closing,
        }


class LeadFactsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows: dict[UUID, dict[str, Any] | None] = {}  # as folded; None: reporting does not know the lead
        self._stored: set[UUID] = set()  # leads whose row is in the database
        self._changed: set[UUID] = set()
        self._gone: set[UUID] = set()  # stored leads to delete, history and all
        self._tags: dict[UUID, list[str]] = {}  # tags to write
        self._open: dict[UUID, _Stay] = {}  # each lead's current stay
        self._stays: list[_Stay] = []  # stays this batch opened, or closed
        self.changed_months: set[tuple[str, str]] = set()  # (month, status) of the stays a flush wrote or deleted

    async def load(self, lead_ids: Iterable[UUID]) -> None:
        missing = list({i for i in lead_ids if i not in self._rows})
        for chunk in chunked(missing):
            for row in await self._session.execute(select(report_leads).where(report_leads.c.lead_id.in_(chunk))):
                self._rows[row.lead_id] = dict(row._mapping)
                self._stored.add(row.lead_id)
            query = select(_periods.id, _periods.lead_id, _periods.status_code, _periods.entered_at).where(
                _periods.lead_id.in_(chunk), _periods.left_at.is_(None)
            )
            for stay in await self._session.execute(query):
                self._open[stay.lead_id] = _Stay(stay.lead_id, stay.status_code, stay.entered_at, id=stay.id)
        for lead_id in missing:
            self._rows.setdefault(lead_id, None)

    async def status_of(self, lead_id: UUID) -> str | None:
        """The lead's status as reporting knows it; None when reporting does not know the lead."""
        row = await self._row(lead_id)
        return row["status_code"] if row else None

    def add(self, columns: Mapping[str, Any], tags: Iterable[str], entered_at: datetime) -> None:
        lead_id: UUID = columns["lead_id"]
        self._rows[lead_id] = dict(columns)
        self._changed.add(lead_id)
        self._tags[lead_id] = sorted(set(tags))
        self._enter(lead_id, columns["status_code"], entered_at)

    async def change(self, lead_id: UUID, columns: Mapping[str, Any]) -> None:
        row = await self._row(lead_id)
        if row is not None and columns:
            row.update(columns)
            self._changed.add(lead_id)

    def set_tags(self, lead_id: UUID, tags: Iterable[str]) -> None:
        self._tags[lead_id] = sorted(set(tags))

    async def move(self, lead_id: UUID, to_status: str, at: datetime, columns: Mapping[str, Any]) -> None:
        """Closes the lead's stay in its status and opens one in ``to_status``."""
        stay = self._open.get(lead_id)
        if stay is not None:
            stay.left(at, to_status)
            if stay.id is not None:
                self._stays.append(stay)
        await self.change(lead_id, {**columns, "status_code": to_status, "status_since": at})
        self._enter(lead_id, to_status, at)

    async def forget(self, lead_id: UUID) -> None:
        """A deleted or merged lead leaves the report, history and all."""
        await self._row(lead_id)
        self._rows[lead_id] = None
        self._changed.discard(lead_id)
        self._tags.pop(lead_id, None)
        self._open.pop(lead_id, None)
        if lead_id in self._stored:
            self._stored.discard(lead_id)
            self._gone.add(lead_id)

    async def flush(self) -> None:
        gone = list(self._gone)
        for chunk in chunked(gone):
            query = select(_periods.entered_month, _periods.status_code).where(_periods.lead_id.in_(chunk)).distinct()
            self.changed_months.update(
                (row.entered_month, row.status_code) for row in await self._session.execute(query)
            )
        for table in (report_status_periods, report_lead_tags, report_leads):
            for chunk in chunked(gone):
                await self._session.execute(delete(table).where(table.c.lead_id.in_(chunk)))
        rows = [(i, row) for i in self._changed if (row := self._rows[i]) is not None]
        added = [row for i, row in rows if i not in self._stored]
        changed = [
            {"b_id": i, **{k: v for k, v in row.items() if k != "lead_id"}} for i, row in rows if i in self._stored
        ]
        if added:
            await self._session.execute(insert(report_leads), added)
        if changed:
            await self._session.execute(
                update(report_leads).where(report_leads.c.lead_id == bindparam("b_id")), changed
            )
        tagged = [i for i in self._tags if self._rows.get(i) is not None]
        for chunk in chunked(tagged):
            await self._session.execute(delete(report_lead_tags).where(report_lead_tags.c.lead_id.in_(chunk)))
        tags = [{"lead_id": i, "tag": tag} for i in tagged for tag in self._tags[i]]
        if tags:
            await self._session.execute(insert(report_lead_tags), tags)
        live = [s for s in self._stays if self._rows.get(s.lead_id) is not None]
        self.changed_months.update((funnel_period(s.entered_at)["month"], s.status_code) for s in live)
        closed = [{"b_id": s.id, **s.closing()} for s in live if s.id is not None]
        if closed:
            await self._session.execute(update(report_status_periods).where(_periods.id == bindparam("b_id")), closed)
        opened = [s.row() for s in live if s.id is None]
        if opened:
            await self._session.execute(insert(report_status_periods), opened)
        self._forget_written()

    def _forget_written(self) -> None:
        """After a flush the database holds the batch; the new stays' ids are unknown, so the batch's state is
        dropped and the next use of a lead reads it again."""
        self._rows.clear()
        self._stored.clear()
        self._changed.clear()
        self._gone.clear()
        self._tags.clear()
        self._open.clear()
        self._stays.clear()

    async def _row(self, lead_id: UUID) -> dict[str, Any] | None:
        if lead_id not in self._rows:
            await self.load([lead_id])
        return self._rows[lead_id]

    def _enter(self, lead_id: UUID, status_code: str, at: datetime) -> None:
        stay = _Stay(lead_id, status_code, at)
        self._open[lead_id] = stay
        self._stays.append(stay)
