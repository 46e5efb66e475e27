"""Next steps: what is to be done next on a lead and when, and when one counts as due. No I/O here."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Forbidden


class DueWindow(StrEnum):
    OVERDUE = "overdue"  # due before now
    TODAY = "today"  # due on the company's current day (earlier today included)
    THIS_WEEK = "this-week"  # due on a day of the company's current week, Monday to Sunday


def due_interval(window: DueWindow, now: datetime, zone: ZoneInfo) -> tuple[datetime | None, datetime]:
    """From (inclusive; None: no bound) and before (exclusive): when a next step must be due to fall in ``window``,
    days and weeks being the company's (``zone``)."""
    if window is DueWindow.OVERDUE:
        return None, now
    today = now.astimezone(zone).date()
    first_day = today if window is DueWindow.TODAY else today - timedelta(days=today.weekday())
    days = 1 if window is DueWindow.TODAY else 7
    # Wall-clock arithmetic on the zone's dates, then the instants: a day of a DST change is 23 or 25 hours.
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=days), time.min, tzinfo=zone)
    return start, end


def is_next_step_overdue(next_step_at: datetime | None, *, closed: bool, now: datetime) -> bool:
    """An open lead whose next step was due before now; a closed lead has nothing to follow up."""
    return next_step_at is not None and not closed and next_step_at < now


def whose_next_steps(user: Principal, *, mine: bool | None, salesperson_id: str | None) -> str | None:
    """Whose next steps a user lists (None: everyone's): a salesperson only their own; a manager their own
    (``mine``), one salesperson's or everyone's (the default)."""
    if user.is_manager:
        return user.user_id if mine else salesperson_id
    if mine is False or salesperson_id not in (None, user.user_id):
        raise Forbidden(
            "a salesperson lists their own next steps; everyone's are for managers",
            rule="manager_only",
            field="mine" if mine is False else "salesperson_id",
        )
    return user.user_id
