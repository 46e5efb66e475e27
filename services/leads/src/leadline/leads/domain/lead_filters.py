"""Which leads a listing holds and in which order: what a user asks of the lead list and the daily-routine views,
in the domain's words (adapters/queries.py turns them into SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID


class SortKey(StrEnum):
    CREATED_AT = "created_at"
    LEAD_DATE = "lead_date"
    EXPECTED_CLOSE = "expected_close"
    EXPECTED_REVENUE = "expected_revenue"
    NAME = "name"
    UPDATED_AT = "updated_at"
    NEXT_STEP_AT = "next_step_at"


@dataclass(frozen=True)
class LeadOrder:
    key: SortKey = SortKey.CREATED_AT
    descending: bool = True


@dataclass(frozen=True)
class LeadFilter:
    """Which leads a listing holds; every condition given must hold (None / False: not filtered)."""

    closed: bool | None = None
    type_code: str | None = None
    status_code: str | None = None
    salesperson_id: str | None = None
    priority_code: str | None = None
    partner_id: UUID | None = None
    tag: str | None = None
    source_code: str | None = None
    campaign_code: str | None = None
    channel_code: str | None = None
    created_by: str | None = None
    # Intervals of days, both ends included; a lead date (a timestamp) by whole UTC days.
    lead_date_from: date | None = None
    lead_date_to: date | None = None
    expected_close_from: date | None = None
    expected_close_to: date | None = None
    text: str | None = None
    # The daily-routine views are lists with one of these added.
    without_expected_close: bool = False
    without_description: bool = False
    without_salesperson: bool = False
    without_next_step: bool = False
    in_status_before: datetime | None = None
    # Next steps coming due: from (inclusive) and before (exclusive), either end open.
    next_step_from: datetime | None = None
    next_step_before: datetime | None = None
