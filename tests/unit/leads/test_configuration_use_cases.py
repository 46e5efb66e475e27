"""Changing the workflow (statuses, lead types) and the reference items (service/reference.py), on the unit of work in
memory: what the reference data reads afterwards and what is announced, what is archived instead of deleted while in
use, and that a refusal writes nothing."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from leadline.contracts.platform.errors import Conflict, RuleViolation
from leadline.contracts.wire.events import LeadTypeChangedV1, ReferenceItemChangedV1, StatusChangedV1
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.model import LeadType, ReferenceData, ReferenceItem, Status
from leadline.leads.domain.reference import Usage
from leadline.leads.service import reference
from tests.support.fake_leads import FakeUnitOfWork
from tests.support.unit.leads import CREATED, LOST, MARTA, PROPOSAL, SERVICE, WENT_ELSEWHERE, a_lead, a_unit_of_work

REVIEW = Status("review", "Review", sort_order=25, closed=False, lost=False)
SALES = ReferenceItem("pipeline", "sales", "Sales")
OFFER = ReferenceItem("stage", "offer", "Offer", parent_code="sales")
SERVICE_PIPELINE = ReferenceItem("pipeline", "service", "Service")


def configured(uow: FakeUnitOfWork) -> ReferenceData:
    return uow.reference.reference


def written(uow: FakeUnitOfWork) -> tuple[object, ...]:
    return configured(uow), len(uow.announced())


def rule_of(refusal: pytest.ExceptionInfo[Exception]) -> str | None:
    return getattr(refusal.value, "rule", None)


def with_pipelines() -> FakeUnitOfWork:
    uow = a_unit_of_work()
    items = {(item.kind, item.code): item for item in (SALES, OFFER, SERVICE_PIPELINE)}
    uow.reference.reference = replace(configured(uow), items={**configured(uow).items, **items})
    return uow


def a_deal_in(stage: ReferenceItem) -> Deal:
    return Deal(uuid4(), uuid4(), "Desks", "sales", stage.code, Decimal(1000), "PLN", CREATED, CREATED)


# Statuses


async def test_a_created_status_is_what_the_reference_data_reads_and_is_announced() -> None:
    uow = a_unit_of_work()

    created = await reference.create_status(uow, REVIEW, MARTA)

    assert configured(uow).statuses["review"] == created == REVIEW
    [event] = uow.announced()
    assert isinstance(event, StatusChangedV1)
    assert (event.code, event.deleted, event.changed_by) == ("review", False, "marta")


async def test_a_new_lost_status_takes_the_flag_from_the_former_one_both_announced() -> None:
    uow = a_unit_of_work()

    await reference.create_status(uow, Status("gone", "Gone", sort_order=60, closed=True, lost=True), MARTA)

    assert (configured(uow).statuses["gone"].lost, configured(uow).statuses["lost"].lost) == (True, False)
    assert [event.code for event in uow.announced() if isinstance(event, StatusChangedV1)] == ["gone", "lost"]


async def test_a_changed_status_is_stored_and_announced_and_a_change_of_nothing_writes_nothing() -> None:
    uow = a_unit_of_work()

    renamed = await reference.update_status(uow, "proposal", {"name": "Offer sent"}, MARTA)
    before = written(uow)
    same = await reference.update_status(uow, "proposal", {"name": "Offer sent"}, MARTA)

    assert (configured(uow).statuses["proposal"], renamed.name) == (renamed, "Offer sent")
    assert (same, written(uow), len(uow.announced())) == (renamed, before, 1)


@pytest.mark.parametrize(
    ("code", "changes", "refused"),
    [
        ("lost", {"lost": False}, "lost_status_required"),
        ("proposal", {"closed": True}, "status_in_use"),  # a lead is in it
        ("new", {"lost": True}, "lost_status_must_be_closed"),
    ],
)
async def test_a_status_change_breaking_a_rule_is_refused_with_nothing_written(
    code: str, changes: dict[str, Any], refused: str
) -> None:
    uow = a_unit_of_work(a_lead(status=PROPOSAL))
    before = written(uow)

    with pytest.raises((Conflict, RuleViolation)) as refusal:
        await reference.update_status(uow, code, changes, MARTA)

    assert rule_of(refusal) == refused
    assert written(uow) == before


async def test_a_status_nothing_uses_is_deleted_and_one_a_lead_is_in_is_archived_instead() -> None:
    unused, used = a_unit_of_work(), a_unit_of_work(a_lead(status=PROPOSAL))

    deleted = await reference.remove_status(unused, "proposal", MARTA)
    archived = await reference.remove_status(used, "proposal", MARTA)

    assert (deleted.deleted, "proposal" in configured(unused).statuses) == (True, False)
    assert (archived.deleted, configured(used).statuses["proposal"]) == (False, replace(PROPOSAL, archived=True))
    gone, kept = unused.announced()[0], used.announced()[0]
    assert isinstance(gone, StatusChangedV1)
    assert isinstance(kept, StatusChangedV1)
    assert (gone.deleted, kept.deleted, kept.archived) == (True, False, True)


async def test_the_lost_status_is_not_removed_and_nothing_is_written() -> None:
    uow = a_unit_of_work()
    before = written(uow)

    with pytest.raises(RuleViolation) as refusal:
        await reference.remove_status(uow, LOST.code, MARTA)

    assert rule_of(refusal) == "lost_status_required"
    assert written(uow) == before


# Lead types


async def test_a_created_lead_type_is_what_the_reference_data_reads_and_is_announced() -> None:
    uow = a_unit_of_work()
    rental = LeadType("rental", "Rental", frozenset({"new", "won", "lost"}))

    await reference.create_lead_type(uow, rental, MARTA)

    assert configured(uow).lead_types["rental"] == rental
    [event] = uow.announced()
    assert isinstance(event, LeadTypeChangedV1)
    assert (event.code, event.allowed_statuses) == ("rental", ["lost", "new", "won"])


async def test_a_lead_type_is_not_created_twice() -> None:
    uow = a_unit_of_work()
    before = written(uow)

    with pytest.raises(Conflict) as refusal:
        await reference.create_lead_type(uow, replace(SERVICE, name="Again"), MARTA)

    assert rule_of(refusal) == "duplicate_code"
    assert written(uow) == before


async def test_a_lead_type_stops_allowing_a_status_only_when_none_of_its_leads_is_in_it() -> None:
    uow = a_unit_of_work(a_lead(type_code="service", status=replace(PROPOSAL, code="qualification")))
    before = written(uow)

    with pytest.raises(Conflict) as refusal:
        await reference.update_lead_type(uow, "service", {"allowed_statuses": frozenset({"new", "won", "lost"})}, MARTA)
    assert (rule_of(refusal), written(uow)) == ("status_in_use", before)

    narrowed = await reference.update_lead_type(
        uow, "service", {"allowed_statuses": frozenset({"new", "qualification", "lost"})}, MARTA
    )
    again = await reference.update_lead_type(uow, "service", {"name": "Service"}, MARTA)

    assert configured(uow).lead_types["service"] == narrowed == again
    assert narrowed.allowed_statuses == frozenset({"new", "qualification", "lost"})
    assert len(uow.announced()) == 1


# Reference items


async def test_a_created_item_is_what_the_reference_data_reads_and_is_announced_and_not_created_twice() -> None:
    uow = with_pipelines()
    closing = ReferenceItem("stage", "closing", "Closing", parent_code="sales", probability=80)

    created = await reference.create_reference_item(uow, closing, MARTA)
    before = written(uow)
    with pytest.raises(Conflict) as refusal:
        await reference.create_reference_item(uow, closing, MARTA)

    assert configured(uow).items["stage", "closing"] == created == closing
    [event] = uow.announced()
    assert isinstance(event, ReferenceItemChangedV1)
    assert (event.kind, event.code, event.deleted) == ("stage", "closing", False)
    assert (rule_of(refusal), written(uow)) == ("duplicate_code", before)


async def test_a_changed_item_is_stored_and_announced_and_a_change_of_nothing_writes_nothing() -> None:
    uow = with_pipelines()

    renamed = await reference.update_reference_item(uow, "stage", "offer", {"name": "Proposal"}, MARTA)
    before = written(uow)
    same = await reference.update_reference_item(uow, "stage", "offer", {"name": "Proposal"}, MARTA)

    assert (configured(uow).items["stage", "offer"], renamed.name) == (renamed, "Proposal")
    assert (same, written(uow), len(uow.announced())) == (renamed, before, 1)


@pytest.mark.parametrize(
    "changes", [{"parent_code": "service"}, {"outcome": "won"}], ids=["to another pipeline", "closing deals"]
)
async def test_a_stage_deals_are_in_keeps_its_pipeline_and_outcome_and_nothing_is_written(
    changes: dict[str, Any],
) -> None:
    uow = with_pipelines()
    deal = a_deal_in(OFFER)
    uow.deals.by_id[deal.id] = deal
    before = written(uow)

    with pytest.raises(Conflict) as refusal:
        await reference.update_reference_item(uow, "stage", "offer", changes, MARTA)

    assert (rule_of(refusal), written(uow)) == ("stage_in_use", before)


async def test_a_stage_no_deal_is_in_moves_to_another_pipeline() -> None:
    uow = with_pipelines()

    moved = await reference.update_reference_item(uow, "stage", "offer", {"parent_code": "service"}, MARTA)

    assert configured(uow).items["stage", "offer"] == moved == replace(OFFER, parent_code="service")


async def test_an_item_nothing_uses_is_deleted_and_one_a_lead_names_is_archived_instead() -> None:
    unused = a_unit_of_work()
    used = a_unit_of_work(replace(a_lead(status=LOST), lost_reason_code=WENT_ELSEWHERE.code))

    deleted = await reference.remove_reference_item(unused, "lost_reason", "competitor", MARTA)
    archived = await reference.remove_reference_item(used, "lost_reason", "competitor", MARTA)

    assert (deleted.deleted, ("lost_reason", "competitor") in configured(unused).items) == (True, False)
    assert (archived.usage, configured(used).items["lost_reason", "competitor"].archived) == (Usage(leads=1), True)
    gone, kept = unused.announced()[0], used.announced()[0]
    assert isinstance(gone, ReferenceItemChangedV1)
    assert isinstance(kept, ReferenceItemChangedV1)
    assert (gone.deleted, kept.deleted, kept.archived) == (True, False, True)


async def test_a_pipeline_with_stages_is_archived_and_one_without_is_deleted() -> None:
    uow = with_pipelines()

    with_stages = await reference.remove_reference_item(uow, "pipeline", "sales", MARTA)
    without = await reference.remove_reference_item(uow, "pipeline", "service", MARTA)

    assert (with_stages.usage, configured(uow).items["pipeline", "sales"].archived) == (Usage(stages=1), True)
    assert (without.deleted, ("pipeline", "service") in configured(uow).items) == (True, False)
