"""How a lead ends (lost, deleted, merged), its deals, and the actions its card offers: the pure rules."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from leadline.contracts.platform.errors import Forbidden, RuleViolation
from leadline.leads.domain.card import Action, available_actions
from leadline.leads.domain.lifecycle import ensure_may_merge, ensure_not_the_same, marked_lost, survivor_of_merge
from leadline.leads.domain.links import LeadHasLinks, LeadLink, LinkKind, call_label, ensure_deletable
from leadline.leads.domain.model import ContactPoint, FieldChange, Lead, LeadType, ReferenceData, ReferenceItem, Status
from leadline.leads.domain.reference import SettingKey
from tests.support.unit.leads import (
    ALL_STATUSES,
    ANNA,
    LOST,
    MARTA,
    NEW,
    QUALIFICATION,
    SALE,
    SERVICE,
    WON,
    a_lead,
    reference,
)

AT = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)

ITEMS = (
    ReferenceItem("lost_reason", "price", "Price too high"),
    ReferenceItem("lost_reason", "fax-only", "Only talks by fax", archived=True),
    ReferenceItem("pipeline", "sales", "Sales"),
    ReferenceItem("pipeline", "service", "Service"),
    ReferenceItem("pipeline", "legacy", "Legacy", archived=True),
    ReferenceItem("stage", "negotiation", "Negotiation", parent_code="sales"),
    ReferenceItem("stage", "visit", "Site visit", parent_code="service"),
    ReferenceItem("stage", "old", "Old", parent_code="legacy"),
)


def with_items(data: ReferenceData | None = None) -> ReferenceData:
    return replace(data or reference(), items={(i.kind, i.code): i for i in ITEMS})


# --- lost --------------------------------------------------------------------------------------


def test_a_lost_lead_moves_to_the_lost_status_with_its_reason() -> None:
    lead = a_lead(status=QUALIFICATION)

    lost, changes = marked_lost(lead, "price", with_items(), by="anna", at=AT)

    assert (lost.status_code, lost.closed, lost.lost_reason_code) == ("lost", True, "price")
    assert (lost.updated_by, lost.updated_at, lost.status_since, lost.version) == ("anna", AT, AT, lead.version + 1)
    assert changes == [
        FieldChange("status_code", "qualification", "lost"),
        FieldChange("closed", False, True),
        FieldChange("lost_reason_code", None, "price"),
    ]


def test_a_lead_of_a_type_with_a_list_of_statuses_can_be_lost_when_the_list_has_the_lost_status() -> None:
    lost, _ = marked_lost(a_lead(type_code="service"), "price", with_items(), by="anna", at=AT)

    assert lost.status_code == "lost"


NOT_LOST = Status("lost", "Lost", sort_order=50, closed=True, lost=False)
CLOSING_WITHOUT_LOST = LeadType("closing", "Closing", frozenset({"new", "won"}))


@pytest.mark.parametrize(
    ("lead", "data", "reason", "rule", "field"),
    [
        pytest.param(a_lead(status=WON), with_items(), "price", "lead_already_closed", "status_code", id="closed"),
        pytest.param(
            a_lead(),
            with_items(reference(NEW, QUALIFICATION, WON, NOT_LOST)),
            "price",
            "no_lost_status",
            "status_code",
            id="no lost status",
        ),
        pytest.param(a_lead(), with_items(), "weather", "unknown_lost_reason", "lost_reason_code", id="unknown"),
        pytest.param(a_lead(), with_items(), "fax-only", "archived_lost_reason", "lost_reason_code", id="archived"),
        pytest.param(
            a_lead(type_code="closing"),
            with_items(reference(*ALL_STATUSES, types=(SALE, SERVICE, CLOSING_WITHOUT_LOST))),
            "price",
            "status_not_allowed_for_type",
            "status_code",
            id="type without lost",
        ),
    ],
)
def test_losing_a_lead_is_refused_naming_the_rule_and_the_field(
    lead: Lead, data: ReferenceData, reason: str, rule: str, field: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        marked_lost(lead, reason, data, by="anna", at=AT)

    assert (refused.value.rule, refused.value.field) == (rule, field)


def test_a_closed_lead_is_refused_saying_it_is_closed() -> None:
    with pytest.raises(RuleViolation) as refused:
        marked_lost(a_lead(status=LOST), "price", with_items(), by="anna", at=AT)

    assert "already closed" in refused.value.message


# --- delete ------------------------------------------------------------------------------------


def link(kind: LinkKind, lead_id: uuid.UUID, label: str = "something") -> LeadLink:
    return LeadLink(kind=kind, item_id=str(uuid.uuid4()), lead_id=lead_id, label=label, linked_at=AT)


def test_a_lead_with_calls_emails_orders_or_invoices_cannot_be_deleted_and_the_refusal_lists_them() -> None:
    lead_id = uuid.uuid4()
    call, order = link("call", lead_id, "+48601234567, 2026-03-02 09:30 UTC"), link("order", lead_id, "ZS/1/2026")

    with pytest.raises(LeadHasLinks) as refused:
        ensure_deletable(lead_id, [call, link("merged_lead", lead_id), order])

    assert (refused.value.rule, refused.value.field) == ("leads_has_links", "links")
    assert refused.value.extensions == {
        "links": [
            {"kind": "call", "id": call.item_id, "label": call.label},
            {"kind": "order", "id": order.item_id, "label": "ZS/1/2026"},
        ]
    }
    assert "ZS/1/2026" in refused.value.message


@pytest.mark.parametrize("links", [[], ["merged_lead"]], ids=["nothing linked", "only a lead merged into it"])
def test_a_lead_nothing_is_linked_to_can_be_deleted(links: list[LinkKind]) -> None:
    lead_id = uuid.uuid4()

    ensure_deletable(lead_id, [link(kind, lead_id) for kind in links])


def test_a_call_reads_as_who_called_and_when() -> None:
    call_id = uuid.uuid4()

    assert call_label("+48601234567", datetime(2026, 3, 2, 9, 30, tzinfo=UTC), call_id) == (
        "+48601234567, 2026-03-02 09:30 UTC"
    )
    assert call_label(None, None, call_id) == f"Call {call_id}"


# --- merge -------------------------------------------------------------------------------------


def test_only_a_manager_merges_leads() -> None:
    ensure_may_merge(MARTA)
    with pytest.raises(Forbidden) as refused:
        ensure_may_merge(ANNA)

    assert refused.value.rule == "merge_requires_manager"


def test_a_lead_cannot_be_merged_into_itself() -> None:
    lead_id = uuid.uuid4()

    with pytest.raises(RuleViolation) as refused:
        ensure_not_the_same(lead_id, lead_id)

    assert (refused.value.rule, refused.value.field) == ("merge_into_itself", "merged_lead_id")


def test_the_survivor_keeps_its_values_and_gains_the_merged_leads_tags() -> None:
    survivor = replace(a_lead(), tags=frozenset({"vip"}), probability=40)
    merged = replace(a_lead(salesperson_id="piotr"), name="Duplicate", tags=frozenset({"hot", "vip"}), probability=90)

    after, changes = survivor_of_merge(survivor, merged, by="marta", at=AT)

    assert after == replace(
        survivor, tags=frozenset({"hot", "vip"}), updated_by="marta", updated_at=AT, version=survivor.version + 1
    )
    assert changes == [FieldChange("tags", ["vip"], ["hot", "vip"])]


def test_the_survivor_gains_the_merged_leads_phone_and_email_and_what_it_had_gained_itself() -> None:
    earlier = uuid.uuid4()
    survivor = replace(a_lead(), extra_contacts=(ContactPoint("phone", "+48700000001", earlier),))
    merged = replace(
        a_lead(),
        phone="+48602000000",
        email="JAN@example.com".lower(),  # the survivor's own address: nothing to gain
        extra_contacts=(
            ContactPoint("email", "biuro@kowalski.pl", earlier),
            ContactPoint("phone", "+48700000001", earlier),  # the survivor has it already
        ),
    )

    after, changes = survivor_of_merge(survivor, merged, by="marta", at=AT)

    assert after.extra_contacts == (
        ContactPoint("phone", "+48700000001", earlier),
        ContactPoint("phone", "+48602000000", merged.id),
        ContactPoint("email", "biuro@kowalski.pl", earlier),
    )
    assert after.contact_keys == {
        ("phone", "+48601234567"),
        ("email", "jan@example.com"),
        ("phone", "+48700000001"),
        ("phone", "+48602000000"),
        ("email", "biuro@kowalski.pl"),
    }
    assert changes == [
        FieldChange(
            "extra_contacts",
            [c.plain() for c in survivor.extra_contacts],
            [c.plain() for c in after.extra_contacts],
        )
    ]


def test_a_merge_that_brings_no_new_tag_changes_no_field() -> None:
    survivor = replace(a_lead(), tags=frozenset({"vip"}))

    _, changes = survivor_of_merge(survivor, replace(a_lead(), tags=frozenset({"vip"})), by="marta", at=AT)

    assert changes == []


# --- card actions ------------------------------------------------------------------------------

SETTINGS_SET = {SettingKey.ORDER_TYPE: "ZS", SettingKey.INVOICE_TYPE: "FV", SettingKey.DEFAULT_CURRENCY: "PLN"}
SETTINGS_UNSET = {SettingKey.ORDER_TYPE: None, SettingKey.INVOICE_TYPE: None, SettingKey.DEFAULT_CURRENCY: "PLN"}
NOT_YOURS = "a salesperson may change only their own leads"


def test_the_owner_of_an_open_lead_with_an_email_may_take_every_action_once_the_types_are_set() -> None:
    actions = available_actions(a_lead(), ANNA, with_items(), SETTINGS_SET)

    assert {actions.lost, actions.create_order, actions.create_invoice, actions.write_email} == {Action(True)}


def test_without_the_order_and_invoice_types_no_document_can_be_made_and_the_card_says_why() -> None:
    actions = available_actions(a_lead(), ANNA, with_items(), SETTINGS_UNSET)

    assert actions.create_order == Action(False, "the order type parameter is not set")
    assert actions.create_invoice == Action(False, "the invoice type parameter is not set")


def test_someone_elses_lead_offers_no_action_not_even_writing_an_email() -> None:
    actions = available_actions(a_lead(salesperson_id="piotr"), ANNA, with_items(), SETTINGS_SET)

    assert actions.lost == actions.create_order == actions.create_invoice == actions.write_email
    assert actions.write_email == Action(False, NOT_YOURS)


def test_a_manager_may_act_on_every_lead() -> None:
    actions = available_actions(a_lead(salesperson_id="piotr"), MARTA, with_items(), SETTINGS_SET)

    assert {actions.lost, actions.create_order, actions.create_invoice, actions.write_email} == {Action(True)}


def test_a_closed_lead_cannot_be_lost_and_one_without_email_cannot_be_written_to() -> None:
    lead = replace(a_lead(status=WON), email=None)

    actions = available_actions(lead, ANNA, with_items(), SETTINGS_SET)

    assert not actions.lost.allowed
    assert "already closed" in (actions.lost.reason or "")
    assert actions.write_email == Action(False, "the lead has no e-mail address")
    assert actions.create_order.allowed, "an order can follow a won lead"


def test_without_a_lost_status_the_lost_action_says_so() -> None:
    actions = available_actions(a_lead(), ANNA, with_items(reference(NEW, QUALIFICATION, WON)), SETTINGS_SET)

    assert actions.lost == Action(False, "no status is flagged lost; a manager has to configure one first")
