"""The funnel's measures over a lead's status history. Pure."""

from __future__ import annotations

from datetime import datetime

SECONDS_PER_DAY = 86400


def seconds_between(entered_at: datetime, left_at: datetime) -> int:
    """Time a lead spent in a status; never negative, even when clocks of the leads' replicas disagree."""
    return max(0, int((left_at - entered_at).total_seconds()))


def conversion_rate(moved_on: int, entered: int) -> float | None:
    """The share of the leads that entered a status and moved on to a given next one; None without entries."""
    if entered <= 0:
        return None
    return round(moved_on / entered, 4)


def average(total: int, count: int) -> float | None:
    return round(total / count, 1) if count else None


def days_in_status(since: datetime, now: datetime) -> int:
    return seconds_between(since, now) // SECONDS_PER_DAY
