"""The lead report's shape: its dimensions, and the rules a request for a pivot must keep. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple
from uuid import UUID

from leadline.contracts.platform.errors import RuleViolation

MAX_DIMENSIONS = 4


class Dimension(StrEnum):
    STATUS = "status"
    TYPE = "type"
    PARTNER = "partner"
    SALESPERSON = "salesperson"
    PRIORITY = "priority"
    TAG = "tag"
    SOURCE = "source"
    CAMPAIGN = "campaign"
    CHANNEL = "channel"
    LEAD_MINUTE = "lead_minute"
    LEAD_HOUR = "lead_hour"
    LEAD_DATE = "lead_date"
    LEAD_WEEKDAY = "lead_weekday"
    LEAD_WEEK = "lead_week"
    LEAD_MONTH = "lead_month"
    LEAD_YEAR = "lead_year"
    CLOSE_WEEKDAY = "close_weekday"
    CLOSE_WEEK = "close_week"
    CLOSE_MONTH = "close_month"
    CLOSE_YEAR = "close_year"


@dataclass(frozen=True)
class Interval:
    """From inclusive, to exclusive; either end may be open."""

    start: datetime | None = None
    end: datetime | None = None

    def checked(self, *, end_field: str) -> Interval:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise RuleViolation("the interval ends before it starts", rule="empty_interval", field=end_field)
        return self


@dataclass(frozen=True)
class PivotRequest:
    rows: tuple[Dimension, ...]
    columns: tuple[Dimension, ...]
    lead_date: Interval

    def checked(self) -> PivotRequest:
        if len(self.rows) + len(self.columns) > MAX_DIMENSIONS:
            raise RuleViolation(
                f"a pivot has at most {MAX_DIMENSIONS} dimensions in rows and columns together",
                rule="too_many_dimensions",
                field="columns" if self.columns else "rows",
            )
        for name, dimensions in (("rows", self.rows), ("columns", self.columns)):
            if len(set(dimensions)) != len(dimensions):
                raise RuleViolation(f"a dimension is named twice in {name}", rule="repeated_dimension", field=name)
        both = set(self.rows) & set(self.columns)
        if both:
            raise RuleViolation(
                f"{sorted(both)[0]} is both a row and a column dimension", rule="repeated_dimension", field="columns"
            )
        self.lead_date.checked(end_field="lead_date_to")
        return self

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        return self.rows + self.columns


@dataclass
class PivotCell:
    """One cell: the leads with these row and column values; money per currency, never summed across them."""

    row: tuple[str | None, ...]
    column: tuple[str | None, ...]
    count: int = 0
    expected_revenue: dict[str, Decimal] = field(default_factory=dict)
    weighted_revenue: dict[str, Decimal] = field(default_factory=dict)


# What the lead report queries count, one group each (money in hundredths, time in seconds); the service folds them
# into the reports above.


class PivotGroup(NamedTuple):
    """The leads with these dimension values (in the order the pivot asks for them) in one currency."""

    values: tuple[str | None, ...]
    currency: str | None
    lead_count: int
    revenue_minor: int | None
    weighted_minor_percent: int | None  # revenue × probability (None exactly when the revenue is)


class StatusEntries(NamedTuple):
    period: str
    status_code: str
    lead_count: int


class StatusStays(NamedTuple):
    """Stays in a status that moved on to the next one (None: still there): how many, and their seconds in total."""

    status_code: str
    next_status_code: str | None
    lead_count: int
    seconds: int


class LeadOutcomes(NamedTuple):
    lost: bool
    lost_reason_code: str | None
    lead_count: int


class WaitingLead(NamedTuple):
    """An open lead and how long it has been in its status."""

    lead_id: UUID
    status_code: str
    salesperson_id: str | None
    status_since: datetime
    next_step: str | None
    next_step_at: datetime | None


class SalespersonLoad(NamedTuple):
    """Open leads of a salesperson (None: of nobody) in one currency."""

    salesperson_id: str | None
    currency: str | None
    lead_count: int
    revenue_minor: int | None
