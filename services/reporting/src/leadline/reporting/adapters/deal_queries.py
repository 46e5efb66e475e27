"""Reading the pipeline reports: GROUP BY over the deals, their stays and the stages, the same SQL on SQLite and
PostgreSQL (time buckets and cycle times are stored columns)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.reporting.adapters.chunks import chunked
from leadline.reporting.adapters.queries import within
from leadline.reporting.adapters.tables import report_deal_stays, report_deals, report_leads, report_stages
from leadline.reporting.domain.deals import ClosedDeals, CycleSums, PipelineGroup, StageStays
from leadline.reporting.domain.report import Interval

_deals = report_deals.c
_stays = report_deal_stays.c
_stages = report_stages.c
_CLOSED_BUCKETS = {"day": _deals.closed_day, "week": _deals.closed_week, "month": _deals.closed_month}

# Sums of a group of deals per currency: how many, their value, their value × their stage's probability.
_SUMS = (
    _deals.currency,
    func.count().label("deal_count"),
    func.sum(_deals.value_minor).label("value_minor"),
    func.sum(_deals.value_minor * _stages.probability).label("weighted_minor_percent"),
)
_WITH_STAGES = report_deals.outerjoin(report_stages, _stages.code == _deals.stage_code)


def _of_pipeline(column: ColumnElement[Any], pipeline_code: str | None) -> list[ColumnElement[bool]]:
    return [] if pipeline_code is None else [column == pipeline_code]


class DealReportQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def stage_order(self) -> dict[str, int]:
        """The sort order of every stage reporting knows, by its code."""
        return dict((await self._session.execute(select(_stages.code, _stages.sort_order))).all())

    async def cells(self, cells: Collection[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[str, int, int, Any]]]:
        """Per (pipeline, stage): the sums of its deals per currency."""
        found: dict[tuple[str, str], list[tuple[str, int, int, Any]]] = {}
        for chunk in chunked(sorted(cells)):
            query = (
                select(_deals.pipeline_code, _deals.stage_code, *_SUMS)
                .select_from(_WITH_STAGES)
                .where(tuple_(_deals.pipeline_code, _deals.stage_code).in_(chunk))
                .group_by(_deals.pipeline_code, _deals.stage_code, _deals.currency)
            )
            for pipeline, stage, *sums in await self._session.execute(query):
                found.setdefault((pipeline, stage), []).append(tuple(sums))
        return found

    async def pipeline_value(
        self, pipeline_code: str | None, by: Literal["stage", "salesperson"]
    ) -> list[PipelineGroup]:
        """Open deals per pipeline, stage (or their lead's salesperson) and currency, with their sums."""
        key = _deals.stage_code if by == "stage" else report_leads.c.salesperson_id
        query = (
            select(_deals.pipeline_code, key.label("key"), *_SUMS)
            .select_from(_WITH_STAGES.outerjoin(report_leads, report_leads.c.lead_id == _deals.lead_id))
            .where(_deals.outcome.is_(None), *_of_pipeline(_deals.pipeline_code, pipeline_code))
            .group_by(_deals.pipeline_code, key, _deals.currency)
        )
        return [PipelineGroup(*row) for row in await self._session.execute(query)]

    async def outcomes(self, period: str, closed: Interval, pipeline_code: str | None) -> list[ClosedDeals]:
        """Closed deals per period of closing, pipeline, outcome and currency: how many, and their value."""
        bucket = _CLOSED_BUCKETS[period]
        query = (
            select(
                bucket,
                _deals.pipeline_code,
                _deals.outcome,
                _deals.currency,
                func.count(),
                func.sum(_deals.value_minor),
            )
            .where(
                _deals.outcome.is_not(None),
                *within(_deals.closed_at, closed),
                *_of_pipeline(_deals.pipeline_code, pipeline_code),
            )
            .group_by(bucket, _deals.pipeline_code, _deals.outcome, _deals.currency)
            .order_by(bucket, _deals.pipeline_code, _deals.outcome, _deals.currency)
        )
        return [ClosedDeals(*row) for row in await self._session.execute(query)]

    async def stays(self, entered: Interval, pipeline_code: str | None) -> list[StageStays]:
        """Per pipeline, stage and the stage deals moved on to (None: still there): deals, and seconds in total."""
        query = (
            select(
                _stays.pipeline_code,
                _stays.stage_code,
                _stays.next_stage_code,
                func.count(),
                func.coalesce(func.sum(_stays.seconds_in_stage), 0),
            )
            .where(*within(_stays.entered_at, entered), *_of_pipeline(_stays.pipeline_code, pipeline_code))
            .group_by(_stays.pipeline_code, _stays.stage_code, _stays.next_stage_code)
        )
        return [StageStays(*row) for row in await self._session.execute(query)]

    async def cycles(self, closed: Interval, pipeline_code: str | None) -> list[CycleSums]:
        """Per pipeline and outcome, of the deals closed in the interval: how many, and their cycle seconds in total."""
        query = (
            select(_deals.pipeline_code, _deals.outcome, func.count(), func.sum(_deals.cycle_seconds))
            .where(
                _deals.outcome.is_not(None),
                *within(_deals.closed_at, closed),
                *_of_pipeline(_deals.pipeline_code, pipeline_code),
            )
            .group_by(_deals.pipeline_code, _deals.outcome)
            .order_by(_deals.pipeline_code, _deals.outcome)
        )
        return [CycleSums(*row) for row in await self._session.execute(query)]
