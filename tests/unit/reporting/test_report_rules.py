"""The lead report's pure rules: time buckets, money per currency, the funnel's measures, pivot requests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from leadline.contracts.platform.errors import RuleViolation
from leadline.reporting.domain.buckets import day_buckets, funnel_period, moment_buckets
from leadline.reporting.domain.deals import Closing
from leadline.reporting.domain.facts import updated_columns
from leadline.reporting.domain.funnel import average, conversion_rate, days_in_status, seconds_between
from leadline.reporting.domain.money import from_minor, to_minor, weighted, weighted_from_minor_percent
from leadline.reporting.domain.report import Dimension, Interval, PivotRequest


def test_a_moment_is_bucketed_in_utc() -> None:
    warsaw = timezone(timedelta(hours=1))

    buckets = moment_buckets(datetime(2026, 3, 2, 0, 30, tzinfo=warsaw))  # 23:30 UTC on Sunday the 1st

    assert buckets == {
        "minute": "2026-03-01T23:30",
        "hour": "2026-03-01T23",
        "date": "2026-03-01",
        "weekday": "7",
        "week": "2026-W09",
        "month": "2026-03",
        "year": "2026",
    }


def test_weeks_are_iso_weeks_of_their_iso_year() -> None:
    assert day_buckets(date(2027, 1, 1))["week"] == "2026-W53"
    assert day_buckets(date(2025, 12, 29))["week"] == "2026-W01"
    assert day_buckets(date(2025, 12, 29))["year"] == "2025"  # the year dimension stays the calendar year


def test_funnel_periods_are_day_week_and_month() -> None:
    assert funnel_period(datetime(2026, 11, 24, 10, tzinfo=UTC)) == {
        "day": "2026-11-24",
        "week": "2026-W48",
        "month": "2026-11",
    }


def test_a_deal_closes_with_its_outcome_the_periods_of_the_close_and_its_cycle_time() -> None:
    made, closed = datetime(2026, 11, 20, 9, tzinfo=UTC), datetime(2026, 11, 24, 10, tzinfo=UTC)

    assert Closing.of("won", made, closed) == Closing(
        outcome="won",
        closed_at=closed,
        closed_day="2026-11-24",
        closed_week="2026-W48",
        closed_month="2026-11",
        cycle_seconds=4 * 86400 + 3600,
    )


@pytest.mark.parametrize(("outcome", "at"), [(None, datetime(2026, 11, 24, tzinfo=UTC)), ("lost", None)])
def test_a_deal_without_an_outcome_or_a_time_of_closing_is_open(outcome: str | None, at: datetime | None) -> None:
    assert Closing.of(outcome, datetime(2026, 11, 20, tzinfo=UTC), at) == Closing(None, None, None, None, None, None)


def test_amounts_are_kept_in_hundredths_exactly() -> None:
    assert to_minor(Decimal("12500.10")) == 1250010
    assert from_minor(1250010) == Decimal("12500.10")
    assert from_minor(to_minor(Decimal("0.1")) * 3) == Decimal("0.30")  # no float drift in sums


@pytest.mark.parametrize(
    ("amount", "probability", "expected"),
    [
        (Decimal("1000.00"), 25, Decimal("250.00")),
        (Decimal("999.99"), 33, Decimal("330.00")),  # 329.9967 rounded to the cent
        (Decimal("1000.00"), None, Decimal("0.00")),
        (Decimal("1000.00"), 100, Decimal("1000.00")),
    ],
)
def test_weighted_revenue_is_revenue_times_probability(
    amount: Decimal, probability: int | None, expected: Decimal
) -> None:
    assert weighted(amount, probability) == expected


def test_weighted_revenue_is_rounded_once_after_summing() -> None:
    # Two leads of 0.01 at 50 %: each alone would round to 0.00 (half-even), together they are 0.01.
    assert weighted_from_minor_percent(1 * 50 + 1 * 50) == Decimal("0.01")


def test_conversion_is_the_share_that_moved_on() -> None:
    assert conversion_rate(3, 4) == 0.75
    assert conversion_rate(1, 3) == 0.3333
    assert conversion_rate(0, 0) is None


def test_time_in_status_is_never_negative_and_averages_over_stays() -> None:
    entered = datetime(2026, 3, 2, 9, tzinfo=UTC)

    assert seconds_between(entered, entered + timedelta(hours=2)) == 7200
    assert seconds_between(entered, entered - timedelta(seconds=5)) == 0  # clocks of replicas disagreeing
    assert average(7200 + 3600, 2) == 5400.0
    assert average(0, 0) is None
    assert days_in_status(entered, entered + timedelta(days=3, hours=23)) == 3


def test_an_update_names_the_columns_it_changes_with_their_buckets() -> None:
    columns, tags = updated_columns(
        {
            "expected_revenue": "1500.50",
            "expected_close": "2026-12-31",
            "salesperson_id": "piotr",
            "tags": ["vip", "a", "vip"],
            "name": "B",  # not a report dimension
            "status_code": "won",  # moved by its own event
        }
    )

    assert columns == {
        "revenue_minor": 150050,
        "expected_close": date(2026, 12, 31),
        "close_weekday": "4",
        "close_week": "2026-W53",
        "close_month": "2026-12",
        "close_year": "2026",
        "salesperson_id": "piotr",
    }
    assert tags == ["a", "vip"]


def test_clearing_the_expected_close_clears_its_buckets() -> None:
    columns, tags = updated_columns({"expected_close": None})

    assert set(columns.values()) == {None}
    assert tags is None


def test_a_pivot_request_names_each_dimension_once() -> None:
    with pytest.raises(RuleViolation) as refused:
        PivotRequest((Dimension.STATUS,), (Dimension.STATUS,), Interval()).checked()
    assert (refused.value.rule, refused.value.field) == ("repeated_dimension", "columns")

    with pytest.raises(RuleViolation) as refused:
        PivotRequest((Dimension.TAG, Dimension.TAG), (), Interval()).checked()
    assert (refused.value.rule, refused.value.field) == ("repeated_dimension", "rows")


def test_a_pivot_has_a_bounded_number_of_dimensions() -> None:
    many = (Dimension.STATUS, Dimension.TYPE, Dimension.TAG)

    with pytest.raises(RuleViolation) as refused:
        PivotRequest(many, (Dimension.LEAD_MONTH, Dimension.CLOSE_YEAR), Interval()).checked()
    assert refused.value.rule == "too_many_dimensions"
    assert PivotRequest(many, (Dimension.LEAD_MONTH,), Interval()).checked().dimensions == (*many, Dimension.LEAD_MONTH)


def test_an_interval_must_end_after_it_starts() -> None:
    start = datetime(2026, 3, 2, tzinfo=UTC)

    with pytest.raises(RuleViolation) as refused:
        Interval(start, start).checked(end_field="lead_date_to")
    assert (refused.value.rule, refused.value.field) == ("empty_interval", "lead_date_to")
    assert Interval(start, None).checked(end_field="lead_date_to") == Interval(start, None)
