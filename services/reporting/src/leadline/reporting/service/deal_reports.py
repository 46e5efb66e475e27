"""Use cases that read the pipeline reports: value per stage or salesperson, won and lost per period, time in
stages, conversion between them and cycle times."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.domain.deals import Values
from leadline.reporting.domain.funnel import SECONDS_PER_DAY, average, conversion_rate
from leadline.reporting.domain.money import from_minor
from leadline.reporting.domain.report import Interval


@dataclass(frozen=True)
class PipelineValue:
    pipeline_code: str
    key: str | None  # the stage, or the salesperson (None: deals of leads nobody is assigned to)
    values: Values


async def pipeline_value(
    uow: ReportingUnitOfWork, pipeline_code: str | None, by: Literal["stage", "salesperson"]
) -> list[PipelineValue]:
    """Open deals per pipeline and stage (in the stages' order) or salesperson (the most deals first)."""
    grouped: dict[tuple[str, str | None], list[tuple[str, int, int, int | None]]] = defaultdict(list)
    for group in await uow.deal_reports.pipeline_value(pipeline_code, by):
        sums = (group.currency, group.deal_count, group.value_minor, group.weighted_minor_percent)
        grouped[(group.pipeline_code, group.key)].append(sums)
    found = [PipelineValue(pipeline, key, Values.of(rows)) for (pipeline, key), rows in grouped.items()]
    if by == "salesperson":
        return sorted(found, key=lambda v: (v.pipeline_code, -v.values.deal_count, v.key or ""))
    order = await uow.deal_reports.stage_order()
    return sorted(found, key=lambda v: (v.pipeline_code, order.get(v.key or "", 0), v.key or ""))


@dataclass
class Outcomes:
    """Deals a pipeline closed in a period: won and lost, with their value per currency."""

    period: str
    pipeline_code: str
    won: int = 0
    won_value: dict[str, Decimal] = field(default_factory=dict)
    lost: int = 0
    lost_value: dict[str, Decimal] = field(default_factory=dict)


async def deal_outcomes(
    uow: ReportingUnitOfWork, period: str, closed: Interval, pipeline_code: str | None
) -> list[Outcomes]:
    found: dict[tuple[str, str], Outcomes] = {}
    for bucket, pipeline, outcome, currency, count, value_minor in await uow.deal_reports.outcomes(
        period, closed, pipeline_code
    ):
        row = found.setdefault((bucket, pipeline), Outcomes(bucket, pipeline))
        if outcome == "won":
            row.won += count
            row.won_value[currency] = from_minor(value_minor)
        else:
            row.lost += count
            row.lost_value[currency] = from_minor(value_minor)
    return [found[key] for key in sorted(found)]


@dataclass(frozen=True)
class TimeInStage:
    pipeline_code: str
    stage_code: str
    left_count: int
    average_days: float | None


@dataclass(frozen=True)
class StageConversion:
    pipeline_code: str
    from_stage_code: str
    to_stage_code: str
    deal_count: int
    rate: float | None  # of the deals that entered from_stage_code


@dataclass(frozen=True)
class CycleTime:
    pipeline_code: str
    outcome: str
    deal_count: int
    average_days: float | None  # from made to closed


@dataclass(frozen=True)
class DealFlow:
    time_in_stage: list[TimeInStage]
    conversions: list[StageConversion]
    cycle_times: list[CycleTime]


async def deal_flow(uow: ReportingUnitOfWork, interval: Interval, pipeline_code: str | None) -> DealFlow:
    """Over the stays that began in the interval (time in stage, conversions) and the deals that closed in it
    (cycle times)."""
    entered: dict[tuple[str, str], int] = defaultdict(int)
    left: dict[tuple[str, str], tuple[int, int]] = {}
    moves: list[tuple[str, str, str, int]] = []
    for pipeline, stage, next_stage, count, seconds in await uow.deal_reports.stays(interval, pipeline_code):
        entered[(pipeline, stage)] += count
        if next_stage is not None:
            moves.append((pipeline, stage, next_stage, count))
            left_count, total = left.get((pipeline, stage), (0, 0))
            left[(pipeline, stage)] = (left_count + count, total + seconds)
    return DealFlow(
        time_in_stage=[
            TimeInStage(pipeline, stage, count, _days(average(seconds, count)))
            for (pipeline, stage), (count, seconds) in sorted(left.items())
        ],
        conversions=[
            StageConversion(pipeline, a, b, n, conversion_rate(n, entered[(pipeline, a)]))
            for pipeline, a, b, n in sorted(moves)
        ],
        cycle_times=[
            CycleTime(pipeline, outcome, count, _days(average(int(seconds or 0), count)))
            for pipeline, outcome, count, seconds in await uow.deal_reports.cycles(interval, pipeline_code)
        ],
    )


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / SECONDS_PER_DAY, 1)
