"""Adding, editing, removing a lead's deals and dropping them on the pipeline board (service/deals.py), on the unit of
work in memory: what is stored, recorded in the lead's history and announced, and that a refusal writes nothing."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Forbidden, NotFound, RuleViolation, StaleVersion
from leadline.contracts.wire.events import DealLostV1, DealStageChangedV1, DealWonV1, LeadDealChangedV1
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.model import Lead, ReferenceItem
from leadline.leads.service import deals
from leadline.leads.service.commands import AddDeal, EditDeal, MoveDeal, NewDeal, RemoveDeal
from tests.support.fake_leads import FakeUnitOfWork
from tests.support.unit.leads import ANNA, MARTA, PIOTR, a_lead, a_unit_of_work

PIPELINES = (
    ReferenceItem("pipeline", "sales", "Sales"),
    ReferenceItem("pipeline", "service", "Service"),
    ReferenceItem("stage", "offer", "Offer", sort_order=10, parent_code="sales"),
    ReferenceItem("stage", "negotiation", "Negotiation", sort_order=20, parent_code="sales"),
    ReferenceItem("stage", "shelved", "Shelved", sort_order=25, parent_code="sales", archived=True),
    ReferenceItem("stage", "won", "Won", sort_order=90, parent_code="sales", outcome="won"),
    ReferenceItem("stage", "lost", "Lost", sort_order=99, parent_code="sales", outcome="lost"),
    ReferenceItem("stage", "visit", "Site visit", parent_code="service"),
)


def with_pipelines(*leads: Lead) -> FakeUnitOfWork:
    uow = a_unit_of_work(*leads)
    configured = uow.reference.reference
    uow.reference.reference = replace(
        configured, items={**configured.items, **{(item.kind, item.code): item for item in PIPELINES}}
    )
    return uow


async def add(uow: FakeUnitOfWork, lead: Lead, stage_code: str = "offer", *, name: str = "Desks") -> Deal:
    return await deals.add_deal(uow, AddDeal(lead.id, NewDeal(name, "sales", stage_code, Decimal("1000.00"))), ANNA)


async def column(uow: FakeUnitOfWork, user: Principal, stage_code: str) -> list[UUID]:
    return [deal_id async for deal_id, _ in uow.deal_queries.stage_order(user.user_id, stage_code)]


def written(uow: FakeUnitOfWork) -> tuple[object, ...]:
    """Everything a use case may write, to compare before and after a refusal."""
    return (
        dict(uow.deals.by_id),
        len(uow.history.rows),
        len(uow.announced()),
        {user: dict(placed) for user, placed in uow.deal_card_positions.by_user.items()},
    )


def rule_of(refusal: pytest.ExceptionInfo[Exception]) -> str | None:
    return getattr(refusal.value, "rule", None)


# Adding a deal


async def test_an_added_deal_is_stored_in_its_leads_currency_recorded_and_announced() -> None:
    lead = a_lead()
    uow = with_pipelines(lead)

    deal = await add(uow, lead)

    assert uow.deals.by_id == {deal.id: deal}
    assert (deal.lead_id, deal.stage_code, deal.currency, deal.outcome, deal.version) == (
        lead.id,
        "offer",
        "PLN",
        None,
        1,
    )
    [entry] = await uow.history.of(lead.id)
    assert (entry.action, entry.by) == ("deal_added", "anna")
    [event] = uow.announced()
    assert isinstance(event, LeadDealChangedV1)
    assert (event.deal_id, event.change, event.stage_code, event.value) == (deal.id, "added", "offer", Decimal("1000"))


async def test_a_deal_added_in_a_closing_stage_is_announced_won_from_the_start() -> None:
    lead = a_lead()
    uow = with_pipelines(lead)

    deal = await add(uow, lead, "won")

    assert (uow.deals.by_id[deal.id].outcome, deal.closed_at) == ("won", deal.created_at)
    assert [type(event) for event in uow.announced()] == [LeadDealChangedV1, DealWonV1]


@pytest.mark.parametrize(
    ("lead", "stage_code", "refused"),
    [
        (a_lead(salesperson_id="piotr"), "offer", "not_your_lead"),
        (a_lead(), "visit", "stage_not_in_pipeline"),
        (a_lead(), "shelved", "archived_stage"),
    ],
)
async def test_a_deal_that_breaks_a_rule_is_not_added_and_nothing_is_written(
    lead: Lead, stage_code: str, refused: str
) -> None:
    uow = with_pipelines(lead)

    with pytest.raises((Forbidden, RuleViolation)) as refusal:
        await add(uow, lead, stage_code)

    assert rule_of(refusal) == refused
    assert (uow.deals.by_id, uow.history.rows, uow.announced()) == ({}, [], [])


async def test_a_deal_is_not_added_to_a_lead_that_does_not_exist() -> None:
    uow = with_pipelines()

    with pytest.raises(NotFound) as refusal:
        await add(uow, a_lead())

    assert rule_of(refusal) == "lead_not_found"
    assert (uow.deals.by_id, uow.history.rows, uow.announced()) == ({}, [], [])


# Editing and removing a deal


async def test_an_edited_deal_is_stored_one_version_on_recorded_and_announced_as_changed() -> None:
    lead = a_lead()
    uow = with_pipelines(lead)
    deal = await add(uow, lead)

    edited = await deals.edit_deal(
        uow, EditDeal(lead.id, deal.id, {"name": "Chairs", "value": Decimal("1500.00")}, expected_version=1), ANNA
    )

    assert uow.deals.by_id[deal.id] == edited
    assert (edited.name, edited.value, edited.version) == ("Chairs", Decimal("1500.00"), 2)
    assert [entry.action for entry in await uow.history.of(lead.id)] == ["deal_added", "deal_changed"]
    event = uow.announced()[-1]
    assert isinstance(event, LeadDealChangedV1)
    assert (event.change, event.name, len(uow.announced())) == ("changed", "Chairs", 2)


async def test_a_deal_edited_into_a_losing_stage_is_lost_and_announced_as_moved_and_lost() -> None:
    lead = a_lead()
    uow = with_pipelines(lead)
    deal = await add(uow, lead)

    lost = await deals.edit_deal(uow, EditDeal(lead.id, deal.id, {"stage_code": "lost"}), MARTA)

    stored = uow.deals.by_id[deal.id]
    assert (stored.stage_code, stored.outcome, stored.closed_at) == ("lost", "lost", lost.stage_since)
    assert (await uow.history.of(lead.id))[-1].action == "deal_stage_changed"
    changed, moved, closed = uow.announced()[1:]
    assert isinstance(changed, LeadDealChangedV1)
    assert isinstance(closed, DealLostV1)
    assert isinstance(moved, DealStageChangedV1)
    assert (moved.from_stage_code, moved.to_stage_code, moved.outcome, closed.closed_by) == (
        "offer",
        "lost",
        "lost",
        "marta",
    )


async def test_an_edit_that_changes_nothing_writes_nothing() -> None:
    lead = a_lead()
    uow = with_pipelines(lead)
    deal = await add(uow, lead)
    before = written(uow)

    unchanged = await deals.edit_deal(uow, EditDeal(lead.id, deal.id, {"name": "Desks"}), ANNA)

    assert (unchanged, written(uow)) == (deal, before)


@pytest.mark.parametrize(
    ("user", "changes", "expected_version", "other_lead", "refusal_type", "refused"),
    [
        (ANNA, {"name": "Chairs"}, 2, False, StaleVersion, "stale_version"),
        (PIOTR, {"name": "Chairs"}, None, False, Forbidden, "not_your_lead"),
        (ANNA, {"value": Decimal("-1")}, None, False, RuleViolation, "negative_value"),
        (ANNA, {"stage_code": "visit"}, None, False, RuleViolation, "stage_not_in_pipeline"),
        (ANNA, {"name": "Chairs"}, None, True, NotFound, "deal_not_found"),
    ],
)
async def test_an_edit_that_breaks_a_rule_is_refused_with_nothing_written(
    user: Principal,
    changes: dict[str, Any],
    expected_version: int | None,
    other_lead: bool,
    refusal_type: type[Exception],
    refused: str,
) -> None:
    lead, another = a_lead(), a_lead()
    uow = with_pipelines(lead, another)
    deal = await add(uow, lead)
    before = written(uow)

    with pytest.raises(refusal_type) as refusal:
        await deals.edit_deal(
            uow, EditDeal(another.id if other_lead else lead.id, deal.id, changes, expected_version), user
        )

    assert rule_of(refusal) == refused
    assert written(uow) == before


async def test_a_removed_deal_is_gone_recorded_and_announced_and_its_history_outlives_it() -> None:
    lead = a_lead()
    uow = with_pipelines(lead)
    kept, removed = await add(uow, lead, name="Kept"), await add(uow, lead, name="Removed")

    await deals.remove_deal(uow, RemoveDeal(lead.id, removed.id, expected_version=1), ANNA)

    assert await deals.deals_of(uow, lead.id) == [kept]
    assert [entry.action for entry in await deals.deal_history(uow, lead.id, removed.id)] == [
        "deal_added",
        "deal_removed",
    ]
    event = uow.announced()[-1]
    assert isinstance(event, LeadDealChangedV1)
    assert (event.deal_id, event.change) == (removed.id, "removed")


async def test_a_deal_is_not_removed_by_a_salesperson_who_does_not_hold_its_lead_nor_from_a_stale_version() -> None:
    lead = a_lead()
    uow = with_pipelines(lead)
    deal = await add(uow, lead)
    before = written(uow)

    with pytest.raises(Forbidden):
        await deals.remove_deal(uow, RemoveDeal(lead.id, deal.id), PIOTR)
    with pytest.raises(StaleVersion):
        await deals.remove_deal(uow, RemoveDeal(lead.id, deal.id, expected_version=2), ANNA)

    assert written(uow) == before


async def test_the_history_of_a_deal_the_lead_never_had_is_not_found() -> None:
    lead = a_lead()
    uow = with_pipelines(lead)
    await add(uow, lead)

    with pytest.raises(NotFound) as refusal:
        await deals.deal_history(uow, lead.id, uuid4())

    assert rule_of(refusal) == "deal_not_found"


# Dropping a deal on the pipeline board


async def test_a_deal_dropped_into_a_winning_stage_is_won_announced_and_kept_at_the_top_of_the_users_column() -> None:
    lead = a_lead()
    uow = with_pipelines(lead)
    already_won, deal = await add(uow, lead, "won"), await add(uow, lead)

    won = await deals.move_deal(uow, MoveDeal("sales", deal.id, "won", expected_version=1), ANNA)

    assert uow.deals.by_id[deal.id] == won
    assert (won.stage_code, won.outcome, won.version) == ("won", "won", 2)
    assert (await uow.history.of(lead.id))[-1].action == "deal_stage_changed"
    assert [type(event) for event in uow.announced()[-3:]] == [LeadDealChangedV1, DealStageChangedV1, DealWonV1]
    assert await column(uow, ANNA, "won") == [deal.id, already_won.id]


async def test_reordering_inside_a_stage_changes_no_deal_and_only_the_users_own_order() -> None:
    lead = a_lead()
    uow = with_pipelines(lead)
    for name in ("First", "Second", "Third"):
        await add(uow, lead, name=name)
    top, middle, bottom = await column(uow, PIOTR, "offer")
    before = (dict(uow.deals.by_id), len(uow.history.rows), len(uow.announced()))

    await deals.move_deal(uow, MoveDeal("sales", bottom, "offer", after_deal_id=top), PIOTR)

    assert (dict(uow.deals.by_id), len(uow.history.rows), len(uow.announced())) == before
    assert await column(uow, PIOTR, "offer") == [top, bottom, middle]
    assert await column(uow, ANNA, "offer") == [top, middle, bottom]


@pytest.mark.parametrize(
    ("move", "user", "refusal_type", "refused"),
    [
        (
            {"stage_code": "won", "before_deal_id": uuid4(), "after_deal_id": uuid4()},
            ANNA,
            RuleViolation,
            "one_neighbour",
        ),
        ({"pipeline_code": "service", "stage_code": "visit"}, ANNA, NotFound, "deal_not_on_board"),
        ({"pipeline_code": "nope"}, ANNA, NotFound, "pipeline_not_found"),
        ({"stage_code": "won", "expected_version": 2}, ANNA, StaleVersion, "stale_version"),
        ({"stage_code": "won"}, PIOTR, Forbidden, "not_your_lead"),
        ({"stage_code": "shelved"}, ANNA, RuleViolation, "archived_stage"),
        ({"stage_code": "offer", "after_deal_id": uuid4()}, PIOTR, RuleViolation, "not_in_column"),
    ],
)
async def test_a_drop_that_breaks_a_rule_is_refused_with_nothing_written(
    move: dict[str, Any], user: Principal, refusal_type: type[Exception], refused: str
) -> None:
    lead = a_lead()
    uow = with_pipelines(lead)
    deal = await add(uow, lead)
    before = written(uow)
    command: dict[str, Any] = {"pipeline_code": "sales", "stage_code": "negotiation", **move}

    with pytest.raises(refusal_type) as refusal:
        await deals.move_deal(uow, MoveDeal(deal_id=deal.id, **command), user)

    assert rule_of(refusal) == refused
    assert written(uow) == before
