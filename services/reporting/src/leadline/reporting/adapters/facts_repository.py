"""Reading and writing the lead report's facts: each lead's row, its tags and its status history.

Like the counts (see repository.py), folded in memory during a batch and written at its end (``flush``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.sql import is_in
from leadline.reporting.adapters.tables import report_lead_tags, report_leads, report_status_periods
from leadline.reporting.domain.buckets import funnel_period
from leadline.reporting.domain.facts import (
    LeadFacts,
    Outcome,
    expected_close_columns,
    lead_date_columns,
    revenue_columns,
)
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
    period: dict[str, str] = field(init=False)  # the day, week and month it began in

    def __post_init__(self) -> None:
        self.period = funnel_period(self.entered_at)

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
        period = self.period
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
        self._dialect = session.get_bind().dialect
        self._rows: dict[UUID, dict[str, Any] | None] = {}  # as folded; None: reporting does not know the lead
        self._stored: set[UUID] = set()  # leads whose row is in the database
        self._changed: dict[UUID, set[str]] = {}  # the columns changed of each lead (all, for a lead not stored)
        self._gone: set[UUID] = set()  # stored leads to delete, history and all
        self._tags: dict[UUID, list[str]] = {}  # tags to write
        self._open: dict[UUID, _Stay] = {}  # each lead's current stay
        self._stays: list[_Stay] = []  # stays this batch opened, or closed
        self.changed_months: set[tuple[str, str]] = set()  # (month, status) of the stays a flush wrote or deleted

    async def load(self, lead_ids: Iterable[UUID]) -> None:
        missing = {i for i in lead_ids if i not in self._rows}
        if not missing:
            return
        leads = await self._session.execute(select(report_leads).where(self._among(report_leads, missing)))
        columns = list(leads.keys())
        for row in leads:
            self._rows[row.lead_id] = dict(zip(columns, row, strict=True))
            self._stored.add(row.lead_id)
        query = select(_periods.id, _periods.lead_id, _periods.status_code, _periods.entered_at).where(
            self._among(report_status_periods, missing), _periods.left_at.is_(None)
        )
        for stay in await self._session.execute(query):
            self._open[stay.lead_id] = _Stay(stay.lead_id, stay.status_code, stay.entered_at, id=stay.id)
        for lead_id in missing:
            self._rows.setdefault(lead_id, None)

    async def status_of(self, lead_id: UUID) -> str | None:
        """The lead's status as reporting knows it; None when reporting does not know the lead."""
        row = await self._row(lead_id)
        return row["status_code"] if row else None

    def add(self, lead: LeadFacts, tags: Iterable[str], entered_at: datetime) -> None:
        row = _row(lead)
        self._rows[lead.lead_id] = row
        self._changed[lead.lead_id] = set(row)
        self._tags[lead.lead_id] = sorted(set(tags))
        self._enter(lead.lead_id, lead.status_code, entered_at)

    async def change(self, lead_id: UUID, columns: Mapping[str, Any]) -> None:
        """Changes the columns named (as domain.facts.updated_columns names them)."""
        row = await self._row(lead_id)
        if row is not None and columns:
            row.update(columns)
            self._changed.setdefault(lead_id, set()).update(columns)

    async def assign(self, lead_id: UUID, salesperson_id: str | None) -> None:
        await self.change(lead_id, {"salesperson_id": salesperson_id})

    async def set_outcome(self, lead_id: UUID, outcome: Outcome) -> None:
        """The lead's outcome changed without a move of its status: lost in the status it is in."""
        await self.change(lead_id, _outcome_columns(outcome))

    def set_tags(self, lead_id: UUID, tags: Iterable[str]) -> None:
        self._tags[lead_id] = sorted(set(tags))

    async def move(self, lead_id: UUID, to_status: str, at: datetime, outcome: Outcome) -> None:
        """Closes the lead's stay in its status and opens one in ``to_status``, where the lead has ``outcome``."""
        stay = self._open.get(lead_id)
        if stay is not None:
            stay.left(at, to_status)
            if stay.id is not None:
                self._stays.append(stay)
        await self.change(lead_id, {**_outcome_columns(outcome), "status_code": to_status, "status_since": at})
        self._enter(lead_id, to_status, at)

    async def forget(self, lead_id: UUID) -> None:
        """A deleted or merged lead leaves the report, history and all."""
        await self._row(lead_id)
        self._rows[lead_id] = None
        self._changed.pop(lead_id, None)
        self._tags.pop(lead_id, None)
        self._open.pop(lead_id, None)
        if lead_id in self._stored:
            self._stored.discard(lead_id)
            self._gone.add(lead_id)

    async def flush(self) -> None:
        if self._gone:
            query = select(_periods.entered_month, _periods.status_code).distinct()
            months = await self._session.execute(query.where(self._among(report_status_periods, self._gone)))
            self.changed_months.update((row.entered_month, row.status_code) for row in months)
            for table in (report_status_periods, report_lead_tags, report_leads):
                await self._session.execute(delete(table).where(self._among(table, self._gone)))
        added = []
        changed: defaultdict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)  # by the columns changed
        for lead_id, columns in self._changed.items():
            if (row := self._rows[lead_id]) is None:
                continue
            if lead_id in self._stored:
                changed[frozenset(columns)].append({"b_id": lead_id, **{c: row[c] for c in columns}})
            else:
                added.append(row)
        if added:
            await self._session.execute(insert(report_leads), added)
        for rows in changed.values():  # only the columns that changed: most moves change five of thirty
            await self._session.execute(update(report_leads).where(report_leads.c.lead_id == bindparam("b_id")), rows)
        tagged = [i for i in self._tags if self._rows.get(i) is not None]
        if tagged:
            await self._session.execute(delete(report_lead_tags).where(self._among(report_lead_tags, tagged)))
        tags = [{"lead_id": i, "tag": tag} for i in tagged for tag in self._tags[i]]
        if tags:
            await self._session.execute(insert(report_lead_tags), tags)
        live = [s for s in self._stays if self._rows.get(s.lead_id) is not None]
        self.changed_months.update((s.period["month"], s.status_code) for s in live)
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

    def _among(self, table: Table, lead_ids: Collection[UUID]) -> ColumnElement[bool]:
        return is_in(table.c.lead_id, lead_ids, self._dialect)

    async def _row(self, lead_id: UUID) -> dict[str, Any] | None:
        if lead_id not in self._rows:
            await self.load([lead_id])
        return self._rows[lead_id]

    def _enter(self, lead_id: UUID, status_code: str, at: datetime) -> None:
        stay = _Stay(lead_id, status_code, at)
        self._open[lead_id] = stay
        self._stays.append(stay)


def _row(lead: LeadFacts) -> dict[str, Any]:
    """The lead's row in report_leads, with the buckets of its dates."""
    return {
        "lead_id": lead.lead_id,
        "status_code": lead.status_code,
        "status_since": lead.status_since,
        "type_code": lead.type_code,
        "partner_id": lead.partner_id,
        "salesperson_id": lead.salesperson_id,
        "priority_code": lead.priority_code,
        "source_code": lead.source_code,
        "campaign_code": lead.campaign_code,
        "channel_code": lead.channel_code,
        **lead_date_columns(lead.lead_date),
        **expected_close_columns(lead.expected_close),
        "currency": lead.currency,
        **revenue_columns(lead.expected_revenue),
        "probability": lead.probability,
        **_outcome_columns(lead.outcome),
        "next_step": lead.next_step,
        "next_step_at": lead.next_step_at,
    }


def _outcome_columns(outcome: Outcome) -> dict[str, Any]:
    return {"closed": outcome.closed, "lost": outcome.lost, "lost_reason_code": outcome.lost_reason_code}
