"""The rules of changing the configuration of leads: one lost status, statuses and types that keep every
lead workable, items in use archived, stages in pipelines, free PBX extensions, partners, settings."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import pytest

from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.platform.errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation
from leadline.leads.domain.model import LeadType, ReferenceData, ReferenceItem, Status
from leadline.leads.domain.reference import (
    Employee,
    Partner,
    SettingKey,
    Usage,
    employee_changed,
    ensure_extension_free,
    ensure_no_lead_stranded,
    ensure_reference_kind,
    ensure_stage_may_move,
    item_changed,
    item_created,
    item_removed,
    lead_type_changed,
    lead_type_created,
    setting_value,
    status_changed,
    status_created,
    status_removed,
    statuses_no_longer_allowed,
)

NEW = Status("new", "New", sort_order=10, closed=False, lost=False)
QUALIFICATION = Status("qualification", "Qualification", sort_order=20, closed=False, lost=False)
WON = Status("won", "Won", sort_order=40, closed=True, lost=False)
LOST = Status("lost", "Lost", sort_order=50, closed=True, lost=True)

SALE = LeadType("sale", "Sale")
SERVICE = LeadType("service", "Service", frozenset({"new", "won", "lost"}))

SALES = ReferenceItem("pipeline", "sales", "Sales")
DORMANT = ReferenceItem("pipeline", "dormant", "Dormant", archived=True)
DISCOVERY = ReferenceItem("stage", "discovery", "Discovery", parent_code="sales")
HIGH = ReferenceItem("priority", "high", "High", colour="#ff9800")

MANAGER = Principal("marta", "Marta", frozenset({Role.MANAGER, Role.SALESPERSON}))
SALESPERSON = Principal("anna", "Anna", frozenset({Role.SALESPERSON}))


def reference(*statuses: Status, types: tuple[LeadType, ...] = (SALE, SERVICE)) -> ReferenceData:
    return ReferenceData(
        statuses={s.code: s for s in statuses or (NEW, QUALIFICATION, WON, LOST)},
        lead_types={t.code: t for t in types},
        items={(i.kind, i.code): i for i in (SALES, DORMANT, DISCOVERY, HIGH)},
    )


def refusal(error: pytest.ExceptionInfo[Exception]) -> tuple[str | None, str]:
    assert isinstance(error.value, DomainError)
    return error.value.field, error.value.rule


# Exactly one lost status


def test_a_new_lost_status_takes_the_flag_from_the_former_one() -> None:
    gone = Status("gone", "Gone", sort_order=60, closed=True, lost=True)

    assert status_created(reference(), gone) == [gone, replace(LOST, lost=False)]


def test_flagging_another_status_as_lost_moves_the_flag() -> None:
    assert status_changed(reference(), "won", {"lost": True}, leads_in_status=3) == [
        replace(WON, lost=True),
        replace(LOST, lost=False),
    ]


def test_the_lost_flag_cannot_be_cleared_only_moved() -> None:
    with pytest.raises(RuleViolation) as error:
        status_changed(reference(), "lost", {"lost": False}, leads_in_status=0)

    assert refusal(error) == ("lost", "lost_status_required")


@pytest.mark.parametrize(
    ("code", "changes"),
    [("new", {"lost": True}), ("lost", {"closed": False})],
)
def test_the_lost_status_is_a_closed_one(code: str, changes: dict[str, bool]) -> None:
    with pytest.raises(RuleViolation) as error:
        status_changed(reference(), code, changes, leads_in_status=0)

    assert refusal(error) == ("closed", "lost_status_must_be_closed")


def test_a_status_leads_are_in_keeps_its_closed_flag_but_may_be_renamed() -> None:
    with pytest.raises(Conflict) as error:
        status_changed(reference(), "qualification", {"closed": True}, leads_in_status=2)

    assert refusal(error) == ("closed", "status_in_use")
    assert error.value.extensions == {"lead_count": 2}
    assert status_changed(reference(), "qualification", {"name": "Qualified"}, leads_in_status=2) == [
        replace(QUALIFICATION, name="Qualified")
    ]
    assert status_changed(reference(), "qualification", {"closed": True}, leads_in_status=0) == [
        replace(QUALIFICATION, closed=True)
    ]


def test_closing_the_last_open_status_a_type_allows_is_refused() -> None:
    with pytest.raises(RuleViolation) as error:
        status_changed(reference(), "new", {"closed": True}, leads_in_status=0)

    assert refusal(error) == ("closed", "type_needs_open_status")
    assert "Service" in str(error.value)


def test_a_status_field_cannot_be_cleared() -> None:
    with pytest.raises(RuleViolation) as error:
        status_changed(reference(), "new", {"name": None}, leads_in_status=0)

    assert refusal(error) == ("name", "required")


def test_status_codes_are_unique_and_must_exist() -> None:
    with pytest.raises(Conflict) as duplicate:
        status_created(reference(), replace(NEW, name="Fresh"))
    with pytest.raises(NotFound) as missing:
        status_changed(reference(), "nope", {"name": "Nope"}, leads_in_status=0)

    assert refusal(duplicate) == ("code", "duplicate_code")
    assert refusal(missing) == ("code", "status_not_found")


# Deleting statuses


def test_an_unused_status_no_type_lists_is_deleted() -> None:
    assert status_removed(reference(), "qualification", leads_in_status=0) is None


@pytest.mark.parametrize(("code", "leads_in_status"), [("qualification", 4), ("won", 0)])
def test_a_status_leads_are_in_or_a_type_lists_is_archived(code: str, leads_in_status: int) -> None:
    kept = status_removed(reference(), code, leads_in_status=leads_in_status)

    assert kept == replace(reference().statuses[code], archived=True)


def test_the_lost_status_is_neither_deleted_nor_archived() -> None:
    with pytest.raises(RuleViolation) as error:
        status_removed(reference(), "lost", leads_in_status=0)

    assert refusal(error) == ("code", "lost_status_required")


def test_the_lost_status_cannot_be_archived_by_a_change_either() -> None:
    with pytest.raises(RuleViolation) as error:
        status_changed(reference(), "lost", {"archived": True}, leads_in_status=0)

    assert refusal(error) == ("archived", "lost_status_required")


def test_archiving_the_last_open_status_a_type_allows_is_refused() -> None:
    with pytest.raises(RuleViolation) as error:
        status_changed(reference(NEW, WON, LOST, types=(SALE,)), "new", {"archived": True}, leads_in_status=3)

    assert refusal(error) == ("archived", "type_needs_open_status")


def test_deleting_the_last_open_status_is_refused() -> None:
    with pytest.raises(RuleViolation) as error:
        status_removed(reference(NEW, WON, LOST, types=(SALE,)), "new", leads_in_status=0)

    assert refusal(error) == ("code", "type_needs_open_status")


# Lead types


def test_a_lead_type_lists_existing_statuses_and_at_least_one_open_one() -> None:
    with pytest.raises(RuleViolation) as unknown:
        lead_type_created(reference(), LeadType("repair", "Repair", frozenset({"new", "nope"})))
    with pytest.raises(RuleViolation) as closed_only:
        lead_type_changed(reference(), "service", {"allowed_statuses": frozenset({"won", "lost"})})

    assert refusal(unknown) == ("allowed_statuses", "unknown_status")
    assert refusal(closed_only) == ("allowed_statuses", "type_needs_open_status")
    assert lead_type_changed(reference(), "service", {"allowed_statuses": frozenset()}).allowed_statuses == frozenset()


def test_the_statuses_a_new_list_leaves_out_are_known_so_no_lead_is_stranded_in_one() -> None:
    narrowed = replace(SALE, allowed_statuses=frozenset({"new", "won"}))

    assert statuses_no_longer_allowed(reference(), SALE, narrowed) == {"qualification", "lost"}
    assert statuses_no_longer_allowed(reference(), SERVICE, SALE) == frozenset()
    with pytest.raises(Conflict) as error:
        ensure_no_lead_stranded(narrowed, leads_in_dropped_statuses=1)
    assert refusal(error) == ("allowed_statuses", "status_in_use")
    ensure_no_lead_stranded(narrowed, leads_in_dropped_statuses=0)


# Reference items


def test_a_stage_belongs_to_an_existing_pipeline_that_is_offered() -> None:
    def stage(parent_code: str | None) -> ReferenceItem:
        return ReferenceItem("stage", "delivery", "Delivery", parent_code=parent_code)

    cases = {None: "pipeline_required", "nope": "unknown_pipeline", "dormant": "archived_pipeline"}
    for parent_code, rule in cases.items():
        with pytest.raises(RuleViolation) as error:
            item_created(reference(), stage(parent_code))
        assert refusal(error) == ("parent_code", rule)
    assert item_created(reference(), stage("sales")) == stage("sales")


def test_only_stages_have_a_parent() -> None:
    with pytest.raises(RuleViolation) as error:
        item_created(reference(), ReferenceItem("priority", "low", "Low", parent_code="sales"))

    assert refusal(error) == ("parent_code", "parent_only_for_stages")


def test_restoring_a_stage_of_an_archived_pipeline_is_refused() -> None:
    archived_stage = ReferenceItem("stage", "idle", "Idle", parent_code="dormant", archived=True)
    data = replace(reference(), items={**reference().items, ("stage", "idle"): archived_stage})

    with pytest.raises(RuleViolation) as error:
        item_changed(data, "stage", "idle", {"archived": False})

    assert refusal(error) == ("parent_code", "archived_pipeline")
    assert item_changed(data, "stage", "idle", {"name": "Idle deals"}).name == "Idle deals"


def test_a_colour_may_be_cleared_a_name_may_not() -> None:
    assert item_changed(reference(), "priority", "high", {"colour": None}).colour is None
    with pytest.raises(RuleViolation) as error:
        item_changed(reference(), "priority", "high", {"name": None})

    assert refusal(error) == ("name", "required")


def test_item_codes_are_unique_per_kind_and_kinds_are_known() -> None:
    with pytest.raises(Conflict) as duplicate:
        item_created(reference(), replace(HIGH, name="Higher"))
    with pytest.raises(NotFound) as unknown_kind:
        ensure_reference_kind("status")

    assert refusal(duplicate) == ("code", "duplicate_code")
    assert refusal(unknown_kind) == ("kind", "unknown_reference_kind")
    assert item_created(reference(), replace(HIGH, kind="tag")).kind == "tag"


def test_an_item_in_use_is_archived_an_unused_one_deleted() -> None:
    assert item_removed(HIGH, Usage(leads=2)) == replace(HIGH, archived=True)
    assert item_removed(SALES, Usage(stages=1)) == replace(SALES, archived=True)
    assert item_removed(HIGH, Usage()) is None


def test_a_stage_deals_use_stays_in_its_pipeline() -> None:
    with pytest.raises(Conflict) as error:
        ensure_stage_may_move(DISCOVERY, Usage(deals=2))

    assert refusal(error) == ("parent_code", "stage_in_use")
    assert "2 deals" in str(error.value)
    ensure_stage_may_move(DISCOVERY, Usage())


def test_usage_reads_as_a_sentence() -> None:
    assert str(Usage(leads=1, deals=2)) == "1 lead, 2 deals"
    assert str(Usage()) == "nothing"


# Employees

ANNA = Employee("anna", "Anna Nowak", Role.SALESPERSON, extension="101")


def test_an_extension_rings_one_active_employee() -> None:
    piotr = Employee("piotr", "Piotr", Role.SALESPERSON, extension="101")

    with pytest.raises(Conflict) as error:
        ensure_extension_free(piotr, [ANNA])

    assert refusal(error) == ("extension", "extension_taken")
    assert "Anna Nowak" in str(error.value)
    ensure_extension_free(piotr, [replace(ANNA, archived=True)])  # who left frees the extension
    ensure_extension_free(ANNA, [ANNA])  # keeping one's own extension
    ensure_extension_free(replace(piotr, archived=True), [ANNA])  # an archived employee rings no one


def test_an_employee_may_lose_the_extension_but_not_the_name() -> None:
    assert employee_changed(ANNA, {"extension": None}).extension is None
    with pytest.raises(RuleViolation) as error:
        employee_changed(ANNA, {"name": None})

    assert refusal(error) == ("name", "required")


# Partners

ACME = Partner(uuid4(), "Acme", phone="+48601234567")


def test_editing_a_partner_moves_its_version_on_only_when_something_changes() -> None:
    edited = ACME.edited({"city": "Wrocław", "phone": None}, SALESPERSON)

    assert (edited.city, edited.phone, edited.version) == ("Wrocław", None, 2)
    assert ACME.edited({"name": "Acme"}, SALESPERSON) is ACME


def test_only_a_manager_archives_or_restores_a_partner() -> None:
    with pytest.raises(Forbidden) as error:
        ACME.edited({"archived": True}, SALESPERSON)

    assert refusal(error) == ("archived", "manager_only")
    archived = ACME.edited({"archived": True}, MANAGER)
    assert archived.archived
    assert ACME.edited({"archived": False}, SALESPERSON) is ACME  # not a change: nothing to refuse


def test_a_partner_keeps_its_name() -> None:
    with pytest.raises(RuleViolation) as error:
        ACME.edited({"name": None}, MANAGER)

    assert refusal(error) == ("name", "required")


# Settings


def test_document_types_may_be_unset_the_currency_may_not() -> None:
    assert setting_value(SettingKey.ORDER_TYPE, " ZS ") == "ZS"
    assert setting_value(SettingKey.INVOICE_TYPE, None) is None
    assert setting_value(SettingKey.DEFAULT_CURRENCY, "EUR") == "EUR"
    for key, value, rule in [
        (SettingKey.DEFAULT_CURRENCY, None, "invalid_currency"),
        (SettingKey.DEFAULT_CURRENCY, "eur", "invalid_currency"),
        (SettingKey.ORDER_TYPE, "  ", "blank_value"),
    ]:
        with pytest.raises(RuleViolation) as error:
            setting_value(key, value)
        assert refusal(error) == ("value", rule)
