"""The kanban board's pure rules (columns, card positions, overdue) and how free text reads a phone number."""

from __future__ import annotations

import math
from datetime import date
from uuid import UUID, uuid4

import pytest

from leadline.leads.domain.board import (
    POSITION_STEP,
    board_columns,
    is_overdue,
    placement,
    position_between,
    spread_positions,
)
from leadline.leads.domain.model import LeadType, ReferenceData, Status
from leadline.leads.domain.search import phone_digits

NEW = Status("new", "New", sort_order=10, closed=False, lost=False)
QUALIFICATION = Status("qualification", "Qualification", sort_order=20, closed=False, lost=False)
PROPOSAL = Status("proposal", "Proposal", sort_order=30, closed=False, lost=False)
WON = Status("won", "Won", sort_order=40, closed=True, lost=False)
SERVICE = LeadType("service", "Service", frozenset({"new", "qualification", "won"}))
REFERENCE = ReferenceData(
    # Listed out of order on purpose: columns follow the sort order.
    statuses={s.code: s for s in (PROPOSAL, WON, NEW, QUALIFICATION)},
    lead_types={"sale": LeadType("sale", "Sale"), "service": SERVICE},
)


def test_columns_are_the_open_statuses_by_sort_order_limited_to_what_a_type_allows() -> None:
    assert board_columns(REFERENCE, None) == [NEW, QUALIFICATION, PROPOSAL]
    assert board_columns(REFERENCE, REFERENCE.lead_types["sale"]) == [NEW, QUALIFICATION, PROPOSAL]
    assert board_columns(REFERENCE, SERVICE) == [NEW, QUALIFICATION]


@pytest.mark.parametrize(
    ("above", "below", "expected"),
    [
        (None, None, 0.0),
        (None, 0.0, -POSITION_STEP),
        (5.0, None, 5.0 + POSITION_STEP),
        (0.0, 1024.0, 512.0),
        (-3.0, -2.0, -2.5),
    ],
)
def test_a_position_between_neighbours(above: float | None, below: float | None, expected: float) -> None:
    assert position_between(above, below) == expected


def test_halving_a_gap_runs_out_and_says_so() -> None:
    above, below = 0.0, POSITION_STEP
    drops = 0
    while (middle := position_between(above, below)) is not None:
        below = middle
        drops += 1
    assert drops > 50  # room for many drops between the same two cards before renumbering


def test_spread_positions_follow_the_last_one() -> None:
    assert spread_positions(3) == [0.0, POSITION_STEP, 2 * POSITION_STEP]
    assert spread_positions(2, after=10.0) == [10.0 + POSITION_STEP, 10.0 + 2 * POSITION_STEP]
    assert spread_positions(0, after=10.0) == []


def cards(*positions: float | None) -> list[tuple[UUID, float | None]]:
    return [(uuid4(), position) for position in positions]


def test_dropped_on_top_of_an_unordered_column() -> None:
    assert placement([], None) == (0.0, {})


def test_dropped_between_two_placed_cards() -> None:
    assert placement(cards(0.0, 1024.0), 2048.0) == (1536.0, {})


def test_cards_never_placed_above_the_drop_point_are_placed_too() -> None:
    above = cards(0.0, None, None)
    position, moved = placement(above, None)

    assert moved == {above[1][0]: POSITION_STEP, above[2][0]: 2 * POSITION_STEP}
    assert position == 3 * POSITION_STEP


def test_when_no_float_is_left_the_cards_above_are_spread_again() -> None:
    above = cards(0.0, 1.0)
    below = math.nextafter(1.0, 2.0)  # no float lies between 1.0 and this
    position, moved = placement(above, below)

    first, second = (moved[card] for card, _ in above)
    assert first < second < position < below


@pytest.mark.parametrize(
    ("expected_close", "closed", "overdue"),
    [
        (date(2026, 3, 1), False, True),
        (date(2026, 3, 2), False, False),  # due today is not overdue yet
        (date(2026, 3, 1), True, False),
        (None, False, False),
    ],
)
def test_overdue_is_a_past_expected_close_of_an_open_lead(
    expected_close: date | None, closed: bool, overdue: bool
) -> None:
    assert is_overdue(expected_close, closed=closed, today=date(2026, 3, 2)) is overdue


@pytest.mark.parametrize(
    ("query", "digits"),
    [
        ("601 234 567", "601234567"),
        ("+48 601-234-567", "48601234567"),
        ("0048 (601) 234", "48601234"),
        ("07700 900123", "7700900123"),
        ("60", None),  # too few digits: would match nearly every phone
        ("Kowalski 601", None),  # words: a name, not a phone
        ("", None),
    ],
)
def test_a_phone_like_query_is_looked_for_by_its_digits(query: str, digits: str | None) -> None:
    assert phone_digits(query) == digits
