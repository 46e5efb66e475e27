"""What reporting keeps of deals and how it measures them. Pure.

A deal's events share its lead's Kafka key, so they come in order; stages come from the compacted reference topic
(their probability weighs a deal's value, their order orders the report)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

from leadline.reporting.domain.buckets import funnel_period
from leadline.reporting.domain.funnel import seconds_between
from leadline.reporting.domain.money import from_minor, weighted_from_minor_percent


@dataclass(frozen=True)
class Closing:
    """A deal's outcome and when it closed, with the day, week and month of that and its cycle time from made to
    closed; every one None while the deal is open."""

    outcome: str | None = None
    closed_at: datetime | None = None
    closed_day: str | None = None
    closed_week: str | None = None
    closed_month: str | None = None
    cycle_seconds: int | None = None

    @classmethod
    def of(cls, outcome: str | None, created_at: datetime, at: datetime | None) -> Closing:
        """A deal made at ``created_at`` closing with ``outcome`` at ``at``; open when either is None."""
        if outcome is None or at is None:
            return OPEN
        period = funnel_period(at)
        return cls(outcome, at, period["day"], period["week"], period["month"], seconds_between(created_at, at))


OPEN = Closing()


@dataclass(frozen=True)
class DealFacts:
    """What reporting keeps of a deal: its lead, where it is, what it is worth (in hundredths) and how it closed."""

    deal_id: UUID
    lead_id: UUID
    pipeline_code: str
    stage_code: str
    currency: str
    value_minor: int
    created_at: datetime
    closing: Closing = OPEN


@dataclass(frozen=True)
class Stage:
    """A pipeline's stage as the leads service's reference topic says it: its order and probability order and weigh
    the reports, its outcome (won, lost or None) says whether a deal in it has closed."""

    code: str
    pipeline_code: str
    name: str
    sort_order: int
    probability: int | None
    outcome: str | None


@dataclass
class Values:
    """Deals summed per currency: how many, their value, and their value weighted by their stage's probability
    (only deals whose stage carries one are weighted; a currency none of whose deals is has no weighted value)."""

    deal_count: int = 0
    value: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[tuple[str, int, int, int | None]]) -> Values:
        """From rows of (currency, deals, value in hundredths, value × probability in hundredths of a percent of a
        hundredth, or None when no deal of the row is in a stage with a probability)."""
        values = cls()
        for currency, count, value_minor, weighted_minor_percent in rows:
            values.deal_count += count
            values.value[currency] = values.value.get(currency, Decimal(0)) + from_minor(value_minor)
            if weighted_minor_percent is not None:
                amount = weighted_from_minor_percent(weighted_minor_percent)
                values.weighted[currency] = values.weighted.get(currency, Decimal(0)) + amount
        return values


# What the pipeline report queries count, one group each (money in hundredths, time in seconds).


class PipelineGroup(NamedTuple):
    """Open deals of a pipeline per stage, or per salesperson (``key``), in one currency."""

    pipeline_code: str
    key: str | None
    currency: str
    deal_count: int
    value_minor: int
    weighted_minor_percent: int | None  # value × the stage's probability; None when no stage carries one


class ClosedDeals(NamedTuple):
    period: str
    pipeline_code: str
    outcome: str
    currency: str
    deal_count: int
    value_minor: int


class StageStays(NamedTuple):
    """Stays in a stage that moved on to the next one (None: still there): how many, and their seconds in total."""

    pipeline_code: str
    stage_code: str
    next_stage_code: str | None
    deal_count: int
    seconds: int


class CycleSums(NamedTuple):
    """Deals of a pipeline closed with an outcome: how many, and their seconds from made to closed in total."""

    pipeline_code: str
    outcome: str
    deal_count: int
    seconds: int | None
