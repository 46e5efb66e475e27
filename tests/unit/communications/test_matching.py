"""Which lead an inbound call attaches to, judged by the caller's normalised number."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from uuid import UUID

import pytest

from leadline.communications.domain.model import KnownLead, Match, match_call, normalised_number

CALLER = "+48601234567"
OTHER_CALLER = "+48602000000"

# Ids ascending in creation order, deliberately not in created_at order: an ordering by id would show.
_lead_numbers = itertools.count(1)


def lead(*, phone: str = CALLER, closed: bool = False, created_on: int = 1) -> KnownLead:
    return KnownLead(
        lead_id=UUID(int=next(_lead_numbers)),
        phone=phone,
        closed=closed,
        created_at=datetime(2026, 3, created_on, tzinfo=UTC),
    )


def test_the_one_open_lead_with_the_callers_number_gets_the_call() -> None:
    the_open_one = lead(created_on=1)
    newer_closed = lead(closed=True, created_on=5)
    someone_elses = lead(phone=OTHER_CALLER, created_on=9)

    match = match_call(CALLER, [newer_closed, the_open_one, someone_elses])

    assert match == Match("attached", lead_id=the_open_one.lead_id)


def test_several_open_leads_leave_the_call_in_triage_with_them_as_candidates_newest_first() -> None:
    older, newest, middle = lead(created_on=1), lead(created_on=7), lead(created_on=4)
    closed = lead(closed=True, created_on=9)

    match = match_call(CALLER, [older, closed, newest, middle])

    assert match == Match("triage", candidate_lead_ids=(newest.lead_id, middle.lead_id, older.lead_id))


def test_with_only_closed_leads_the_most_recently_created_one_gets_the_call() -> None:
    closed_leads = [lead(closed=True, created_on=day) for day in (3, 8, 1)]

    match = match_call(CALLER, closed_leads)

    assert match == Match("attached", lead_id=closed_leads[1].lead_id)


@pytest.mark.parametrize(
    "known_leads",
    [
        pytest.param([], id="no leads at all"),
        pytest.param([lead(phone=OTHER_CALLER)], id="only another number's lead"),
        pytest.param(
            [KnownLead(UUID(int=1), None, False, datetime(2026, 3, 1, tzinfo=UTC))], id="a lead without phone"
        ),
    ],
)
def test_with_no_lead_of_that_number_the_call_waits_in_triage_without_candidates(known_leads: list[KnownLead]) -> None:
    assert match_call(CALLER, known_leads) == Match("triage")


@pytest.mark.parametrize("as_dialled", ["+48 601-234-567", "0048601234567", "601234567"])
def test_a_polish_number_in_any_usual_format_is_normalised_to_e164(as_dialled: str) -> None:
    assert normalised_number(as_dialled, "PL") == CALLER


@pytest.mark.parametrize("garbage", ["anonymous", "12", "+48 abc"])
def test_what_cannot_be_read_as_a_number_is_kept_as_received(garbage: str) -> None:
    assert normalised_number(garbage, "PL") == garbage


def test_a_number_dialled_with_the_trunk_prefix_matches_the_lead_stored_in_e164() -> None:
    the_lead = lead()

    match = match_call(normalised_number("0048 601 234 567", "PL"), [the_lead])

    assert match.lead_id == the_lead.lead_id


def test_a_call_from_the_number_of_a_lead_merged_into_another_finds_the_survivor() -> None:
    survivor = KnownLead(
        UUID(int=7), "+48602000000", False, datetime(2026, 3, 1, tzinfo=UTC), other_phones=frozenset({CALLER})
    )

    assert match_call(CALLER, [survivor]) == Match("attached", lead_id=survivor.lead_id)
