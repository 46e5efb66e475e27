"""Time buckets of the lead report. Pure: a moment's minute, hour, date, weekday, week, month and year as text.

Buckets are computed once, when a lead's facts are written, and stored beside them: the report then groups by
plain indexed columns, the same SQL on SQLite and PostgreSQL, instead of date functions that differ per dialect.
Every bucket is in UTC and sorts in time order as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Literal

LEAD_DATE_BUCKETS = ("minute", "hour", "date", "weekday", "week", "month", "year")
CLOSE_BUCKETS = ("weekday", "week", "month", "year")
FunnelPeriod = Literal["day", "week", "month"]


@lru_cache(maxsize=4096)  # a replay asks for the same few hundred days hundreds of thousands of times
def day_buckets(day: date) -> Mapping[str, str]:
    """Weekday is ISO (1 Monday … 7 Sunday); week is the ISO week, with its ISO year (2026-W01 may start in 2025)."""
    iso_year, iso_week, iso_weekday = day.isocalendar()
    return {
        "date": day.isoformat(),
        "weekday": str(iso_weekday),
        "week": f"{iso_year}-W{iso_week:02d}",
        "month": f"{day.year}-{day.month:02d}",
        "year": str(day.year),
    }


def moment_buckets(moment: datetime) -> dict[str, str]:
    utc = moment.astimezone(UTC)
    text = utc.isoformat()  # 2026-03-01T23:30:00+00:00; cheaper than strftime, called for every lead
    return {"minute": text[:16], "hour": text[:13], **day_buckets(utc.date())}


def funnel_period(moment: datetime) -> dict[str, str]:
    """The day, week and month a lead entered a status in."""
    buckets = day_buckets(moment.astimezone(UTC).date())
    return {"day": buckets["date"], "week": buckets["week"], "month": buckets["month"]}
