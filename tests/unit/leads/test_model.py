"""The rules of leads: which statuses a type allows, where a new lead starts, and who may change what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from leadline.contracts.platform.errors import Forbidden, RuleViolation
from leadline.leads.domain.model import (
    FieldChange,
    LeadType,
    Status,
    ensure_may_assign,
    ensure_may_change,
    status_move_changes,
)
from tests.support.unit.leads import (
    ALL_STATUSES,
    ANNA,
    LOST,
    MARTA,
    NEW,
    PROPOSAL,
    QUALIFICATION,
    SALE,
    SERVICE,
    WON,
    a_lead,
    reference,
)

MOVED = datetime(2026, 3, 3, 10, 30, tzinfo=UTC)


# --- which statuses a type allows ---------------------------------------------------------------


@pytest.mark.parametrize("status", ALL_STATUSES, ids=lambda s: s.code)
def test_a_type_with_no_list_of_statuses_allows_every_status(status: Status) -> None:
    assert SALE.allows(status)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(NEW, True), (QUALIFICATION, True), (PROPOSAL, False), (WON, True), (LOST, True)],
    ids=lambda v: v.code if isinstance(v, Status) else str(v),
)
def test_a_type_with_a_list_allows_only_the_statuses_on_it(status: Status, allowed: bool) -> None:
    assert SERVICE.allows(status) is allowed


# --- where a new lead starts --------------------------------------------------------------------


def test_a_new_lead_starts_in_the_first_open_status_by_sort_order() -> None:
    # Declared out of sort order: dictionary order must not decide.
    data = reference(PROPOSAL, WON, QUALIFICATION, NEW, LOST)

    assert data.initial_status(SALE) == NEW


def test_the_initial_status_skips_closed_statuses_even_when_they_sort_first() -> None:
    archived = Status("archived", "Archived", sort_order=1, closed=True, lost=False)

    assert reference(archived, *ALL_STATUSES).initial_status(SALE) == NEW


def test_the_initial_status_is_the_first_open_one_the_type_allows() -> None:
    late_start = LeadType("renewal", "Renewal", frozenset({"proposal", "qualification", "won"}))

    assert reference().initial_status(late_start) == QUALIFICATION


def test_a_type_that_allows_no_open_status_has_no_initial_status() -> None:
    closing_only = LeadType("closing", "Closing", frozenset({"won", "lost"}))

    with pytest.raises(RuleViolation) as refused:
        reference().initial_status(closing_only)

    assert (refused.value.rule, refused.value.field) == ("no_open_status", "type_code")
    assert "Closing" in refused.value.message


# --- checked and unknown statuses and types -----------------------------------------------------


def test_an_allowed_status_is_returned_as_it_is() -> None:
    assert reference().checked_status(SERVICE, QUALIFICATION) is QUALIFICATION


def test_a_status_the_type_does_not_allow_is_refused_naming_both() -> None:
    with pytest.raises(RuleViolation) as refused:
        reference().checked_status(SERVICE, PROPOSAL)

    assert refused.value.field == "status_code"
    assert refused.value.rule == "status_not_allowed_for_type"
    assert "Proposal" in refused.value.message
    assert "Service" in refused.value.message
    assert str(refused.value) == refused.value.message


def test_an_unknown_status_is_a_rule_violation_on_status_code() -> None:
    with pytest.raises(RuleViolation) as refused:
        reference().status("negotiation")

    assert (refused.value.rule, refused.value.field) == ("unknown_status", "status_code")
    assert "negotiation" in refused.value.message


def test_an_unknown_type_is_a_rule_violation_on_type_code() -> None:
    with pytest.raises(RuleViolation) as refused:
        reference().lead_type("wholesale")

    assert (refused.value.rule, refused.value.field) == ("unknown_type", "type_code")
    assert "wholesale" in refused.value.message


def test_known_codes_give_their_status_and_type() -> None:
    data = reference()

    assert data.status("won") == WON
    assert data.lead_type("service") == SERVICE


# --- moving a lead ------------------------------------------------------------------------------


def test_moving_a_lead_changes_its_status_and_who_changed_it_and_bumps_the_version() -> None:
    lead = a_lead()

    moved = lead.moved_to(WON, SALE, reference(), by="marta", at=MOVED)

    assert (moved.status_code, moved.closed, moved.updated_by, moved.updated_at) == ("won", True, "marta", MOVED)
    assert moved.version == lead.version + 1 == 2
    assert moved == replace(
        lead, status_code="won", closed=True, updated_by="marta", updated_at=MOVED, version=2, status_since=MOVED
    )
    assert (lead.status_code, lead.version) == ("new", 1), "the original is left as it was"


def test_each_move_bumps_the_version_again() -> None:
    data = reference()

    moved = (
        a_lead()
        .moved_to(QUALIFICATION, SALE, data, by="anna", at=MOVED)
        .moved_to(PROPOSAL, SALE, data, by="anna", at=MOVED)
    )

    assert (moved.status_code, moved.version) == ("proposal", 3)


def test_a_lead_cannot_move_to_a_status_its_type_does_not_allow() -> None:
    lead = a_lead(type_code="service")

    with pytest.raises(RuleViolation) as refused:
        lead.moved_to(PROPOSAL, SERVICE, reference(), by="anna", at=MOVED)

    assert refused.value.rule == "status_not_allowed_for_type"


ARCHIVED_PROPOSAL = replace(PROPOSAL, archived=True)


def test_no_lead_enters_an_archived_status() -> None:
    data = reference(NEW, QUALIFICATION, ARCHIVED_PROPOSAL, WON, LOST)

    with pytest.raises(RuleViolation) as moving:
        a_lead().moved_to(ARCHIVED_PROPOSAL, SALE, data, by="anna", at=MOVED)
    with pytest.raises(RuleViolation) as editing:
        a_lead().edited({"status_code": "proposal"}, data, by="anna", at=MOVED)

    assert (moving.value.field, moving.value.rule) == ("status_code", "archived_status")
    assert (editing.value.field, editing.value.rule) == ("status_code", "archived_status")


def test_a_lead_already_in_an_archived_status_keeps_it_through_other_edits() -> None:
    data = reference(NEW, QUALIFICATION, ARCHIVED_PROPOSAL, WON, LOST)

    edited, changes = a_lead(status=PROPOSAL).edited({"name": "Renamed"}, data, by="anna", at=MOVED)

    assert (edited.status_code, changes) == ("proposal", [FieldChange("name", "Office fit-out", "Renamed")])


def test_a_new_lead_does_not_start_in_an_archived_status() -> None:
    data = reference(replace(NEW, archived=True), QUALIFICATION, WON, LOST)

    assert data.initial_status(SALE) == QUALIFICATION


def test_only_the_lost_action_enters_the_lost_status() -> None:
    """Lost is an action that records why; a plain move or edit into the lost status would skip the reason."""
    with pytest.raises(RuleViolation) as moving:
        a_lead().moved_to(LOST, SALE, reference(), by="anna", at=MOVED)
    with pytest.raises(RuleViolation) as editing:
        a_lead().edited({"status_code": "lost"}, reference(), by="anna", at=MOVED)

    assert (moving.value.field, moving.value.rule) == ("status_code", "lost_needs_reason")
    assert (editing.value.field, editing.value.rule) == ("status_code", "lost_needs_reason")
    assert a_lead().moved_to(LOST, SALE, reference(), by="anna", at=MOVED, losing=True).status_code == "lost"


def test_a_reopened_lead_is_no_longer_lost_for_a_reason() -> None:
    lost = replace(a_lead(status=LOST), lost_reason_code="price")

    moved = lost.moved_to(QUALIFICATION, SALE, reference(), by="marta", at=MOVED)
    edited, changes = lost.edited({"status_code": "new"}, reference(), by="marta", at=MOVED)

    assert (moved.lost_reason_code, edited.lost_reason_code) == (None, None)
    assert status_move_changes(lost, moved) == [
        FieldChange("status_code", "lost", "qualification"),
        FieldChange("lost_reason_code", "price", None),
    ]
    assert FieldChange("lost_reason_code", "price", None) in changes


# --- who may change and assign leads ------------------------------------------------------------


def test_a_salesperson_may_change_their_own_lead() -> None:
    ensure_may_change(a_lead(salesperson_id="anna"), ANNA)


@pytest.mark.parametrize("owner", ["piotr", None], ids=["another salesperson's", "unassigned"])
def test_a_salesperson_may_not_change_a_lead_that_is_not_theirs(owner: str | None) -> None:
    with pytest.raises(Forbidden) as refused:
        ensure_may_change(a_lead(salesperson_id=owner), ANNA)

    assert (refused.value.rule, refused.value.field) == ("not_your_lead", "salesperson_id")


@pytest.mark.parametrize("owner", ["anna", "piotr", "marta", None])
def test_a_manager_may_change_every_lead(owner: str | None) -> None:
    ensure_may_change(a_lead(salesperson_id=owner), MARTA)


def test_a_salesperson_may_create_a_lead_for_themselves() -> None:
    ensure_may_assign("anna", ANNA)


@pytest.mark.parametrize("salesperson_id", ["piotr", None], ids=["another salesperson", "nobody"])
def test_a_salesperson_may_not_assign_a_lead_to_anyone_else(salesperson_id: str | None) -> None:
    with pytest.raises(Forbidden) as refused:
        ensure_may_assign(salesperson_id, ANNA)

    assert (refused.value.rule, refused.value.field) == ("assign_requires_manager", "salesperson_id")


@pytest.mark.parametrize("salesperson_id", ["anna", "piotr", "marta", None])
def test_a_manager_may_assign_a_lead_to_anyone(salesperson_id: str | None) -> None:
    ensure_may_assign(salesperson_id, MARTA)


@pytest.mark.parametrize("field", ["type_code", "status_code", "currency", "lead_date"])
def test_what_every_lead_has_cannot_be_cleared(field: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        a_lead().edited({field: None}, reference(*ALL_STATUSES), by="anna", at=MOVED)

    assert (refused.value.rule, refused.value.field) == ("required", field)
