"""What reporting keeps of each lead: its report dimensions and measures, and the column values they are kept in.
Pure.

Only the lead's own events feed it (one Kafka key, so in order), which makes every fold here order-safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from leadline.reporting.domain.buckets import CLOSE_BUCKETS, LEAD_DATE_BUCKETS, day_buckets, moment_buckets
from leadline.reporting.domain.money import to_minor

# Fields of LeadUpdatedV1 reporting keeps, and the column each is kept in. The status is not among them: its
# move is announced by LeadStatusChangedV1 as well, which also dates the lead's status history.
_PLAIN_FIELDS = {
    "type_code": "type_code",
    "salesperson_id": "salesperson_id",
    "partner_id": "partner_id",
    "priority_code": "priority_code",
    "source_code": "source_code",
    "campaign_code": "campaign_code",
    "channel_code": "channel_code",
    "currency": "currency",
    "probability": "probability",
    "next_step": "next_step",
}


@dataclass(frozen=True)
class Outcome:
    """Whether a lead is closed, and whether it was lost and why."""

    closed: bool
    lost: bool = False
    lost_reason_code: str | None = None


@dataclass(frozen=True)
class LeadFacts:
    """A lead as its creation announced it: what the lead report groups, filters and sums it by."""

    lead_id: UUID
    status_code: str
    status_since: datetime
    type_code: str
    partner_id: str | None
    salesperson_id: str | None
    priority_code: str | None
    source_code: str | None
    campaign_code: str | None
    channel_code: str | None
    lead_date: datetime
    expected_close: date | None
    currency: str | None
    expected_revenue: Decimal | None
    probability: int | None
    outcome: Outcome
    next_step: str | None
    next_step_at: datetime | None


# The column of each time bucket of the lead date ("lead_date" itself is the moment).
LEAD_BUCKET_COLUMNS = {part: f"lead_{part}" for part in LEAD_DATE_BUCKETS} | {"date": "lead_day"}
CLOSE_BUCKET_COLUMNS = {part: f"close_{part}" for part in CLOSE_BUCKETS}


def lead_date_columns(moment: datetime) -> dict[str, Any]:
    buckets = moment_buckets(moment)
    return {"lead_date": moment, **{column: buckets[part] for part, column in LEAD_BUCKET_COLUMNS.items()}}


def expected_close_columns(day: date | None) -> dict[str, Any]:
    buckets = day_buckets(day) if day is not None else {}
    return {"expected_close": day, **{column: buckets.get(part) for part, column in CLOSE_BUCKET_COLUMNS.items()}}


def revenue_columns(amount: Decimal | None) -> dict[str, Any]:
    return {"revenue_minor": to_minor(amount) if amount is not None else None}


def updated_columns(new_values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str] | None]:
    """The columns an update changes, from each changed field's new value (as JSON: decimals and dates as strings),
    and the lead's tags when they changed (None: they did not)."""
    columns: dict[str, Any] = {}
    tags: list[str] | None = None
    for name, new in new_values.items():
        if name in _PLAIN_FIELDS:
            columns[_PLAIN_FIELDS[name]] = new
        elif name == "tags":
            tags = sorted(set(new or []))
        elif name == "expected_revenue":
            columns |= revenue_columns(Decimal(new) if new is not None else None)
        elif name == "expected_close":
            columns |= expected_close_columns(date.fromisoformat(new) if new is not None else None)
        elif name == "lead_date" and new is not None:
            columns |= lead_date_columns(datetime.fromisoformat(new))
        elif name == "next_step_at":
            columns["next_step_at"] = datetime.fromisoformat(new) if new is not None else None
    return columns, tags
