"""What reporting keeps of each lead: its report dimensions and measures, as column values. Pure.

Only the lead's own events feed it (one Kafka key, so in order), which makes every fold here order-safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from leadline.contracts.events import LeadCreatedV1, LeadFieldChange
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


def created_columns(event: LeadCreatedV1) -> dict[str, Any]:
    return {
        "lead_id": event.lead_id,
        "status_code": event.status_code,
        "type_code": event.type_code,
        "partner_id": str(event.partner_id) if event.partner_id else None,
        "salesperson_id": event.salesperson_id,
        "priority_code": event.priority_code,
        "source_code": event.source_code,
        "campaign_code": event.campaign_code,
        "channel_code": event.channel_code,
        "currency": event.currency,
        "probability": event.probability,
        "closed": event.closed,
        "lost": False,
        "lost_reason_code": None,
        "status_since": event.created_at,
        "next_step": event.next_step,
        "next_step_at": event.next_step_at,
        # A lead's date defaults to its creation; events from before lead_date was published carry none.
        **lead_date_columns(event.lead_date or event.created_at),
        **expected_close_columns(event.expected_close),
        **revenue_columns(event.expected_revenue),
    }


def updated_columns(changes: Iterable[LeadFieldChange]) -> tuple[dict[str, Any], list[str] | None]:
    """The columns an update changes, and the lead's tags when they changed (None: they did not)."""
    columns: dict[str, Any] = {}
    tags: list[str] | None = None
    for change in changes:
        new = change.new
        if change.field in _PLAIN_FIELDS:
            columns[_PLAIN_FIELDS[change.field]] = new
        elif change.field == "tags":
            tags = sorted(set(new or []))
        elif change.field == "expected_revenue":
            columns |= revenue_columns(Decimal(new) if new is not None else None)
        elif change.field == "expected_close":
            columns |= expected_close_columns(date.fromisoformat(new) if new is not None else None)
        elif change.field == "lead_date" and new is not None:
            columns |= lead_date_columns(datetime.fromisoformat(new))
        elif change.field == "next_step_at":
            columns["next_step_at"] = datetime.fromisoformat(new) if new is not None else None
    return columns, tags
