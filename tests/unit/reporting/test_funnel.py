"""The funnel's arithmetic: which status counts one lead's move changes, and by how much."""

from __future__ import annotations

import pytest

from leadline.reporting.domain.model import StatusMove


def test_a_new_lead_adds_one_to_its_status_only() -> None:
    assert StatusMove(None, "new").count_changes() == {"new": 1}


def test_a_move_adds_one_to_the_new_status_and_takes_one_from_the_old() -> None:
    assert StatusMove("new", "qualification").count_changes() == {"qualification": 1, "new": -1}


def test_staying_in_the_same_status_changes_no_count() -> None:
    changes = StatusMove("won", "won").count_changes()

    assert changes["won"] == 0
    assert sum(changes.values()) == 0


def test_a_lead_that_is_gone_takes_one_from_its_status_only() -> None:
    assert StatusMove("proposal", None).count_changes() == {"proposal": -1}


@pytest.mark.parametrize(
    ("move", "leads_added"),
    [
        (StatusMove(None, "new"), 1),
        (StatusMove("new", "won"), 0),
        (StatusMove("proposal", "lost"), 0),
        (StatusMove("won", None), -1),
    ],
)
def test_the_counts_always_sum_to_the_number_of_leads(move: StatusMove, leads_added: int) -> None:
    assert sum(move.count_changes().values()) == leads_added


def test_a_lead_going_back_and_forth_leaves_the_counts_as_they_were() -> None:
    total = StatusMove(None, "new").count_changes()
    for move in (StatusMove("new", "proposal"), StatusMove("proposal", "new"), StatusMove("new", "proposal")):
        total.update(move.count_changes())

    assert +total == {"proposal": 1}  # unary plus drops the statuses left at zero
