"""Dropping a lead's card on the kanban board and adding a lead in a column (service/board.py), on the unit of work in
memory: the status change with its rules, the card kept where it was dropped in the user's own order, and that a
refusal writes nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Forbidden, RuleViolation, StaleVersion
from leadline.contracts.wire.events import LeadCreatedV1, LeadStatusChangedV1
from leadline.leads.service import board
from leadline.leads.service.commands import CreateLead, MoveCard
from tests.support.fake_leads import FakeUnitOfWork
from tests.support.unit.leads import ANNA, PIOTR, a_lead, a_unit_of_work

REGION = "PL"


async def column(uow: FakeUnitOfWork, user: Principal, status_code: str) -> list[UUID]:
    return [lead_id async for lead_id, _ in uow.queries.column_order(user.user_id, status_code)]


def written(uow: FakeUnitOfWork) -> tuple[object, ...]:
    """Everything a use case may write, to compare before and after a refusal."""
    return (
        dict(uow.leads.by_id),
        len(uow.history.rows),
        len(uow.announced()),
        {user: dict(placed) for user, placed in uow.card_positions.by_user.items()},
    )


def rule_of(refusal: pytest.ExceptionInfo[Exception]) -> str | None:
    return getattr(refusal.value, "rule", None)


async def test_a_card_dropped_into_another_column_moves_its_lead_there_and_stays_where_it_was_dropped() -> None:
    lead, below = a_lead(), a_lead()
    uow = a_unit_of_work(lead, below)
    await board.move_card(uow, MoveCard(below.id, "qualification"), ANNA)

    moved = await board.move_card(uow, MoveCard(lead.id, "qualification", before_lead_id=below.id), ANNA)

    assert (uow.leads.by_id[lead.id], moved.status_code, moved.version) == (moved, "qualification", 2)
    assert [type(event) for event in uow.announced()] == [LeadStatusChangedV1, LeadStatusChangedV1]
    assert await column(uow, ANNA, "qualification") == [lead.id, below.id]


async def test_reordering_inside_a_column_changes_no_lead_and_only_the_users_own_order() -> None:
    leads = [a_lead() for _ in range(3)]
    uow = a_unit_of_work(*leads)
    top, middle, bottom = await column(uow, PIOTR, "new")
    before = (dict(uow.leads.by_id), len(uow.history.rows), len(uow.announced()))

    await board.move_card(uow, MoveCard(bottom, "new", after_lead_id=top), PIOTR)

    assert (dict(uow.leads.by_id), len(uow.history.rows), len(uow.announced())) == before
    assert await column(uow, PIOTR, "new") == [top, bottom, middle]
    assert await column(uow, ANNA, "new") == [top, middle, bottom]


async def test_a_card_dropped_into_a_closing_status_leaves_the_board_with_no_place_kept() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)

    won = await board.move_card(uow, MoveCard(lead.id, "won"), ANNA)

    assert (uow.leads.by_id[lead.id].status_code, won.closed) == ("won", True)
    assert uow.card_positions.by_user == {}


@pytest.mark.parametrize(
    ("move", "user", "refusal_type", "refused"),
    [
        ({"before_lead_id": uuid4(), "after_lead_id": uuid4()}, ANNA, RuleViolation, "one_neighbour"),
        ({"expected_version": 2}, ANNA, StaleVersion, "stale_version"),
        ({}, PIOTR, Forbidden, "not_your_lead"),
        ({"status_code": "lost"}, ANNA, RuleViolation, "lost_needs_reason"),
        ({"status_code": "new", "after_lead_id": uuid4()}, PIOTR, RuleViolation, "not_in_column"),
    ],
)
async def test_a_drop_that_breaks_a_rule_is_refused_with_nothing_written(
    move: dict[str, Any], user: Principal, refusal_type: type[Exception], refused: str
) -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    before = written(uow)
    command: dict[str, Any] = {"status_code": "qualification", **move}

    with pytest.raises(refusal_type) as refusal:
        await board.move_card(uow, MoveCard(lead_id=lead.id, **command), user)

    assert rule_of(refusal) == refused
    assert written(uow) == before


@pytest.mark.parametrize("fields", [{}, {"status_code": None}, {"status_code": "qualification"}])
async def test_a_lead_added_in_a_column_is_made_in_that_columns_status(fields: dict[str, object]) -> None:
    uow = a_unit_of_work()

    lead = await board.create_in_column(
        uow, "qualification", CreateLead({"name": "Fit-out", **fields}), ANNA, phone_region=REGION
    )

    assert uow.leads.by_id[lead.id].status_code == "qualification"
    [event] = uow.announced()
    assert isinstance(event, LeadCreatedV1)
    assert event.status_code == "qualification"


@pytest.mark.parametrize(
    ("status_code", "fields", "refused"),
    [
        ("qualification", {"status_code": "proposal"}, "status_differs_from_column"),
        ("won", {}, "not_a_column"),
    ],
)
async def test_a_lead_is_not_added_in_a_column_against_its_status_and_nothing_is_written(
    status_code: str, fields: dict[str, object], refused: str
) -> None:
    uow = a_unit_of_work()

    with pytest.raises(RuleViolation) as refusal:
        await board.create_in_column(
            uow, status_code, CreateLead({"name": "Fit-out", **fields}), ANNA, phone_region=REGION
        )

    assert rule_of(refusal) == refused
    assert (uow.leads.by_id, uow.history.rows, uow.announced()) == ({}, [], [])
