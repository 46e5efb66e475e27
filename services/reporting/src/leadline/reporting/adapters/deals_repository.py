"""Reading and writing what reporting keeps of deals: each deal's row and its stays in stages, and the pipelines'
stages.

Like the lead facts (facts_repository.py), deals are folded in memory during a batch and written at its end
(``flush``); ``changed_cells`` collects the (pipeline, stage) cells a flush touched, whose totals are then published.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.reporting.adapters.chunks import chunked
from leadline.reporting.adapters.tables import report_deal_stays, report_deals, report_stages
from leadline.reporting.domain.deals import Closing, DealFacts, Stage
from leadline.reporting.domain.funnel import seconds_between

_stays = report_deal_stays.c


@dataclass
class _Stay:
    """A deal's stay in a stage; ``id`` None: not written yet."""

    deal_id: UUID
    pipeline_code: str
    stage_code: str
    entered_at: datetime
    id: int | None = None
    left_at: datetime | None = None
    next_stage_code: str | None = None

    def closing(self) -> dict[str, Any]:
        assert self.left_at is not None
        return {
            "left_at": self.left_at,
            "next_stage_code": self.next_stage_code,
            "seconds_in_stage": seconds_between(self.entered_at, self.left_at),
        }

    def row(self) -> dict[str, Any]:
        closing = (
            self.closing() if self.left_at else {"left_at": None, "next_stage_code": None, "seconds_in_stage": None}
        )
        return {
            "deal_id": self.deal_id,
            "pipeline_code": self.pipeline_code,
            "stage_code": self.stage_code,
            "entered_at": self.entered_at,
            **closing,
        }


class DealFactsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._deals: dict[UUID, DealFacts | None] = {}  # as folded; None: reporting does not know the deal
        self._stored: set[UUID] = set()
        self._changed: set[UUID] = set()
        self._gone: set[UUID] = set()
        self._open: dict[UUID, _Stay] = {}
        self._stays: list[_Stay] = []
        self._loaded_leads: set[UUID] = set()
        self.changed_cells: set[tuple[str, str]] = set()  # (pipeline, stage) of the deals a flush wrote or deleted

    async def load(self, deal_ids: Iterable[UUID], lead_ids: Iterable[UUID] = ()) -> None:
        """The deals with these ids, and every deal of these leads, with their open stays."""
        wanted = list({i for i in deal_ids if i not in self._deals})
        leads = list({i for i in lead_ids if i not in self._loaded_leads})
        self._loaded_leads.update(leads)
        for chunk in chunked(wanted):
            await self._read(report_deals.c.deal_id.in_(chunk))
        for chunk in chunked(leads):
            await self._read(report_deals.c.lead_id.in_(chunk))
        for deal_id in wanted:
            self._deals.setdefault(deal_id, None)

    async def _read(self, condition: ColumnElement[bool]) -> None:
        found = [_facts(row) for row in await self._session.execute(select(report_deals).where(condition))]
        fresh = [deal.deal_id for deal in found if deal.deal_id not in self._deals]
        for deal in found:
            if deal.deal_id in fresh:
                self._deals[deal.deal_id] = deal
                self._stored.add(deal.deal_id)
        if not fresh:
            return
        open_stays = select(
            _stays.id, _stays.deal_id, _stays.pipeline_code, _stays.stage_code, _stays.entered_at
        ).where(_stays.deal_id.in_(fresh), _stays.left_at.is_(None))
        for stay in await self._session.execute(open_stays):
            self._open[stay.deal_id] = _Stay(
                stay.deal_id, stay.pipeline_code, stay.stage_code, stay.entered_at, stay.id
            )

    async def get(self, deal_id: UUID) -> DealFacts | None:
        """The deal as reporting knows it (None: not known)."""
        if deal_id not in self._deals:
            await self.load([deal_id])
        return self._deals[deal_id]

    async def of_lead(self, lead_id: UUID) -> list[DealFacts]:
        await self.load([], [lead_id])
        return [deal for deal in self._deals.values() if deal is not None and deal.lead_id == lead_id]

    def add(self, deal: DealFacts, entered_at: datetime) -> None:
        self._deals[deal.deal_id] = deal
        self._changed.add(deal.deal_id)
        self._enter(deal.deal_id, deal.pipeline_code, deal.stage_code, entered_at)

    def change(self, deal: DealFacts) -> None:
        """Keeps the deal as changed from what ``get`` or ``of_lead`` found; a deal reporting does not know is
        refused."""
        before = self._deals.get(deal.deal_id)
        if before is None:
            raise LookupError(f"reporting does not know the deal {deal.deal_id}")
        self._touch(before)
        self._deals[deal.deal_id] = deal
        self._touch(deal)
        self._changed.add(deal.deal_id)

    async def move(self, deal_id: UUID, pipeline_code: str, stage_code: str, at: datetime) -> None:
        """Closes the deal's stay in its stage and opens one in ``stage_code``; a deal already there stays."""
        stay = self._open.get(deal_id)
        if stay is not None and stay.stage_code == stage_code:
            return
        if stay is not None:
            stay.left_at, stay.next_stage_code = at, stage_code
            if stay.id is not None:
                self._stays.append(stay)
        deal = await self.get(deal_id)
        if deal is not None:
            self.change(replace(deal, pipeline_code=pipeline_code, stage_code=stage_code))
        self._enter(deal_id, pipeline_code, stage_code, at)

    async def forget(self, deal_id: UUID) -> None:
        """A removed deal (or one of a deleted lead) leaves the reports, stays and all."""
        deal = await self.get(deal_id)
        if deal is not None:
            self._touch(deal)
        self._deals[deal_id] = None
        self._changed.discard(deal_id)
        self._open.pop(deal_id, None)
        self._stays = [stay for stay in self._stays if stay.deal_id != deal_id]
        if deal_id in self._stored:
            self._stored.discard(deal_id)
            self._gone.add(deal_id)

    async def flush(self) -> None:
        gone = list(self._gone)
        for table, column in ((report_deal_stays, _stays.deal_id), (report_deals, report_deals.c.deal_id)):
            for chunk in chunked(gone):
                await self._session.execute(delete(table).where(column.in_(chunk)))
        deals = [deal for i in self._changed if (deal := self._deals[i]) is not None]
        added = [_row(deal) for deal in deals if deal.deal_id not in self._stored]
        changed = [
            {"b_id": deal.deal_id, **_row(deal, with_id=False)} for deal in deals if deal.deal_id in self._stored
        ]
        if added:
            await self._session.execute(insert(report_deals), added)
        if changed:
            await self._session.execute(
                update(report_deals).where(report_deals.c.deal_id == bindparam("b_id")), changed
            )
        live = [stay for stay in self._stays if self._deals.get(stay.deal_id) is not None]
        closed = [{"b_id": stay.id, **stay.closing()} for stay in live if stay.id is not None]
        if closed:
            await self._session.execute(update(report_deal_stays).where(_stays.id == bindparam("b_id")), closed)
        opened = [stay.row() for stay in live if stay.id is None]
        if opened:
            await self._session.execute(insert(report_deal_stays), opened)
        # The batch's state is dropped: the new stays' ids are unknown, the next use of a deal reads it again.
        self._deals.clear()
        self._stored.clear()
        self._changed.clear()
        self._gone.clear()
        self._open.clear()
        self._stays.clear()
        self._loaded_leads.clear()

    def _touch(self, deal: DealFacts) -> None:
        self.changed_cells.add((deal.pipeline_code, deal.stage_code))

    def _enter(self, deal_id: UUID, pipeline_code: str, stage_code: str, at: datetime) -> None:
        stay = _Stay(deal_id, pipeline_code, stage_code, at)
        self._open[deal_id] = stay
        self._stays.append(stay)
        deal = self._deals.get(deal_id)
        if deal is not None:
            self._touch(deal)


def _facts(row: Row[Any]) -> DealFacts:
    closing = Closing(row.outcome, row.closed_at, row.closed_day, row.closed_week, row.closed_month, row.cycle_seconds)
    return DealFacts(
        row.deal_id,
        row.lead_id,
        row.pipeline_code,
        row.stage_code,
        row.currency,
        row.value_minor,
        row.created_at,
        closing,
    )


def _row(deal: DealFacts, *, with_id: bool = True) -> dict[str, Any]:
    """The deal's columns in report_deals (without its id, for an update keyed by it)."""
    closing = deal.closing
    return {
        **({"deal_id": deal.deal_id} if with_id else {}),
        "lead_id": deal.lead_id,
        "pipeline_code": deal.pipeline_code,
        "stage_code": deal.stage_code,
        "currency": deal.currency,
        "value_minor": deal.value_minor,
        "outcome": closing.outcome,
        "created_at": deal.created_at,
        "closed_at": closing.closed_at,
        "closed_day": closing.closed_day,
        "closed_week": closing.closed_week,
        "closed_month": closing.closed_month,
        "cycle_seconds": closing.cycle_seconds,
    }


class StageRepository:
    """The pipelines' stages, as the leads service's reference topic says them now."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, stage: Stage) -> str | None:
        """Writes the stage; returns the pipeline it was in before, if it was known."""
        before = await self.remove(stage.code)
        await self._session.execute(
            insert(report_stages).values(
                code=stage.code,
                pipeline_code=stage.pipeline_code,
                name=stage.name,
                sort_order=stage.sort_order,
                probability=stage.probability,
                outcome=stage.outcome,
            )
        )
        return before

    async def remove(self, code: str) -> str | None:
        """Forgets the stage; returns its pipeline, if it was known."""
        found = await self._session.scalar(select(report_stages.c.pipeline_code).where(report_stages.c.code == code))
        if found is not None:
            await self._session.execute(delete(report_stages).where(report_stages.c.code == code))
        return found
