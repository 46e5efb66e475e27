"""Creating, assigning, moving and losing leads on an in-memory unit of work: the lead as stored, its history and the
events announced, and what is refused with nothing written (tests/component/test_leads*.py run the same service on
SQLite)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Forbidden, RuleViolation, StaleVersion
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    LeadAssignedV1,
    LeadCreatedV1,
    LeadLostV1,
    LeadRequestRefusedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
)
from leadline.leads.domain.model import Lead
from leadline.leads.domain.reference import SettingKey
from leadline.leads.service import lifecycle, use_cases
from leadline.leads.service.commands import ChangeStatus, CreateLead, EditLead, MarkLost
from tests.support.builders import lead_requested
from tests.support.fake_leads import FakeUnitOfWork
from tests.support.unit.leads import ANNA, LOST, MARTA, PIOTR, QUALIFICATION, a_lead, a_unit_of_work

REGION = "PL"


async def create(uow: FakeUnitOfWork, user: Principal = ANNA, **fields: object) -> Lead:
    return await use_cases.create_lead(uow, CreateLead({"name": "Office fit-out", **fields}), user, phone_region=REGION)


def rule_of(refusal: pytest.ExceptionInfo[Exception]) -> str | None:
    return getattr(refusal.value, "rule", None)


# Creating a lead


async def test_a_created_lead_is_stored_in_its_types_first_status_recorded_and_announced() -> None:
    uow = a_unit_of_work()

    lead = await create(uow, phone="601 234 567", email="Jan@Example.com")

    stored = uow.leads.by_id[lead.id]
    assert (stored.status_code, stored.salesperson_id, stored.version) == ("new", "anna", 1)
    assert (stored.phone, stored.email, stored.currency) == ("+48601234567", "jan@example.com", "PLN")
    [entry] = await uow.history.of(lead.id)
    assert (entry.action, entry.by) == ("created", "anna")
    [event] = uow.announced()
    assert isinstance(event, LeadCreatedV1)
    assert (event.lead_id, event.status_code, event.salesperson_id, event.phone) == (
        lead.id,
        "new",
        "anna",
        "+48601234567",
    )


async def test_a_new_lead_takes_the_default_currency_of_the_settings() -> None:
    uow = a_unit_of_work()
    uow.settings.values[SettingKey.DEFAULT_CURRENCY] = "EUR"

    lead = await create(uow)

    assert uow.leads.by_id[lead.id].currency == "EUR"


async def test_a_salesperson_creates_leads_for_themselves_only() -> None:
    uow = a_unit_of_work()

    with pytest.raises(Forbidden) as refusal:
        await create(uow, salesperson_id="piotr")

    assert rule_of(refusal) == "assign_requires_manager"
    assert (uow.leads.by_id, uow.announced()) == ({}, [])


@pytest.mark.parametrize(("salesperson_id", "rule"), [("zofia", "unknown_employee"), ("ewa", "archived_employee")])
async def test_a_manager_gives_a_new_lead_only_to_someone_on_the_team(salesperson_id: str, rule: str) -> None:
    uow = a_unit_of_work()

    with pytest.raises(RuleViolation) as refusal:
        await create(uow, MARTA, salesperson_id=salesperson_id)

    assert rule_of(refusal) == rule
    assert (uow.leads.by_id, uow.announced()) == ({}, [])


async def test_a_lead_with_a_number_that_is_no_phone_is_refused() -> None:
    uow = a_unit_of_work()

    with pytest.raises(RuleViolation) as refusal:
        await create(uow, phone="call me")

    assert rule_of(refusal) == "invalid_phone"
    assert uow.leads.by_id == {}


async def test_open_leads_sharing_a_new_leads_phone_are_its_likely_duplicates_newest_first() -> None:
    older, closed = a_lead(), replace(a_lead(status=LOST), lost_reason_code="competitor")
    newer = replace(a_lead(), created_at=older.created_at.replace(year=2027), email=None)
    uow = a_unit_of_work(older, closed, newer)

    lead = await create(uow, phone="+48601234567")

    assert await lifecycle.likely_duplicates(uow, lead) == [newer, older]


# A lead communications asked for


async def test_a_lead_asked_for_from_a_call_is_created_with_the_requests_id_once() -> None:
    uow = a_unit_of_work()
    request = lead_requested(salesperson_id="anna", requested_by="anna")
    envelope = Envelope.wrap(request, source="leadline/communications")

    await use_cases.create_lead_on_request(uow, request, envelope, phone_region=REGION)
    await use_cases.create_lead_on_request(uow, request, envelope, phone_region=REGION)

    assert list(uow.leads.by_id) == [request.lead_id]
    assert uow.leads.by_id[request.lead_id].origin_id == request.call_id
    [(event, cause)] = uow.outbox.events
    assert isinstance(event, LeadCreatedV1)
    assert cause == envelope


async def test_a_lead_asked_for_that_breaks_a_rule_is_not_made_and_its_refusal_is_announced() -> None:
    uow = a_unit_of_work()
    request = lead_requested(phone="call me")

    await use_cases.create_lead_on_request(
        uow, request, Envelope.wrap(request, source="leadline/communications"), phone_region=REGION
    )

    assert (uow.leads.by_id, uow.history.rows) == ({}, [])
    [event] = uow.announced()
    assert isinstance(event, LeadRequestRefusedV1)
    assert (event.lead_id, event.item_id, event.rule) == (request.lead_id, request.call_id, "invalid_phone")


# Moving a lead between statuses


async def test_a_moved_lead_is_stored_in_its_new_status_recorded_and_announced() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)

    moved = await use_cases.change_status(uow, ChangeStatus(lead.id, "qualification", expected_version=1), ANNA)

    assert uow.leads.by_id[lead.id] == moved
    assert (moved.status_code, moved.version) == ("qualification", 2)
    [entry] = await uow.history.of(lead.id)
    assert (entry.action, [(c.field, c.old, c.new) for c in entry.changes]) == (
        "status_changed",
        [("status_code", "new", "qualification")],
    )
    [event] = uow.announced()
    assert isinstance(event, LeadStatusChangedV1)
    assert (event.from_status_code, event.to_status_code, event.changed_by) == ("new", "qualification", "anna")


async def test_a_move_to_the_status_the_lead_is_in_changes_nothing() -> None:
    lead = a_lead(status=QUALIFICATION)
    uow = a_unit_of_work(lead)

    await use_cases.change_status(uow, ChangeStatus(lead.id, "qualification"), ANNA)

    assert (uow.leads.by_id[lead.id], uow.history.rows, uow.announced()) == (lead, [], [])


async def test_a_move_from_a_version_someone_else_changed_is_refused() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    await use_cases.change_status(uow, ChangeStatus(lead.id, "qualification", expected_version=1), ANNA)

    with pytest.raises(StaleVersion):
        await use_cases.change_status(uow, ChangeStatus(lead.id, "proposal", expected_version=1), ANNA)

    assert uow.leads.by_id[lead.id].status_code == "qualification"
    assert len(uow.announced()) == 1


@pytest.mark.parametrize(
    ("lead", "status_code", "user", "refused"),
    [
        (a_lead(salesperson_id="piotr"), "qualification", ANNA, "not_your_lead"),
        (a_lead(type_code="service"), "proposal", ANNA, "status_not_allowed_for_type"),
        (a_lead(), "lost", ANNA, "lost_needs_reason"),
    ],
)
async def test_a_move_that_breaks_a_rule_is_refused_with_nothing_written(
    lead: Lead, status_code: str, user: Principal, refused: str
) -> None:
    uow = a_unit_of_work(lead)

    with pytest.raises((Forbidden, RuleViolation)) as refusal:
        await use_cases.change_status(uow, ChangeStatus(lead.id, status_code), user)

    assert rule_of(refusal) == refused
    assert (uow.leads.by_id[lead.id], uow.history.rows, uow.announced()) == (lead, [], [])


async def test_a_lost_lead_keeps_its_reason_and_both_the_loss_and_the_move_are_announced() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)

    await lifecycle.mark_lost(uow, MarkLost(lead.id, "competitor"), ANNA)

    stored = uow.leads.by_id[lead.id]
    assert (stored.status_code, stored.closed, stored.lost_reason_code) == ("lost", True, "competitor")
    lost, moved = uow.announced()
    assert isinstance(lost, LeadLostV1)
    assert lost.lost_reason_code == "competitor"
    assert isinstance(moved, LeadStatusChangedV1)
    assert (moved.to_status_code, moved.closed) == ("lost", True)


# Assigning a lead to someone else


async def test_a_manager_reassigns_a_lead_announced_as_an_update_and_an_assignment() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)

    edited = await use_cases.edit_lead(uow, EditLead(lead.id, {"salesperson_id": "piotr"}), MARTA, phone_region=REGION)

    assert uow.leads.by_id[lead.id] == edited
    assert edited.salesperson_id == "piotr"
    updated, assigned = uow.announced()
    assert isinstance(updated, LeadUpdatedV1)
    assert [(c.field, c.old, c.new) for c in updated.changes] == [("salesperson_id", "anna", "piotr")]
    assert isinstance(assigned, LeadAssignedV1)
    assert (assigned.from_salesperson_id, assigned.to_salesperson_id, assigned.assigned_by) == (
        "anna",
        "piotr",
        "marta",
    )


@pytest.mark.parametrize(
    ("user", "to", "refused"), [(ANNA, "piotr", "assign_requires_manager"), (MARTA, "ewa", "archived_employee")]
)
async def test_a_reassignment_that_breaks_a_rule_is_refused_with_nothing_written(
    user: Principal, to: str, refused: str
) -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)

    with pytest.raises((Forbidden, RuleViolation)) as refusal:
        await use_cases.edit_lead(uow, EditLead(lead.id, {"salesperson_id": to}), user, phone_region=REGION)

    assert rule_of(refusal) == refused
    assert (uow.leads.by_id[lead.id], uow.announced()) == (lead, [])


async def test_a_lead_is_not_given_to_someone_else_by_a_salesperson_who_does_not_hold_it() -> None:
    lead = a_lead(salesperson_id="anna")
    uow = a_unit_of_work(lead)

    with pytest.raises(Forbidden):
        await use_cases.edit_lead(uow, EditLead(lead.id, {"salesperson_id": "piotr"}), PIOTR, phone_region=REGION)

    assert uow.leads.by_id[lead.id].salesperson_id == "anna"
