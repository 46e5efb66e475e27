"""The rules of deals: pipelines and their stages, closing stages that win or lose a deal, the board's columns."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from leadline.contracts.platform.errors import NotFound, RuleViolation
from leadline.leads.domain.deals import Deal, history_mentions, new_deal, pipeline_columns, pipeline_of
from leadline.leads.domain.model import FieldChange, HistoryEntry, ReferenceData, ReferenceItem
from tests.support.unit.leads import a_lead, reference

AT = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
LATER = AT + timedelta(days=3)

ITEMS = (
    ReferenceItem("pipeline", "sales", "Sales"),
    ReferenceItem("pipeline", "service", "Service"),
    ReferenceItem("pipeline", "legacy", "Legacy", archived=True),
    ReferenceItem("stage", "closing", "Closing", sort_order=30, parent_code="sales", probability=80),
    ReferenceItem("stage", "negotiation", "Negotiation", sort_order=20, parent_code="sales"),
    ReferenceItem("stage", "shelved", "Shelved", sort_order=25, parent_code="sales", archived=True),
    ReferenceItem("stage", "won", "Won", sort_order=90, parent_code="sales", outcome="won"),
    ReferenceItem("stage", "lost", "Lost", sort_order=99, parent_code="sales", outcome="lost"),
    ReferenceItem("stage", "visit", "Site visit", parent_code="service"),
    ReferenceItem("stage", "old", "Old", parent_code="legacy"),
)


def with_items() -> ReferenceData:
    return replace(reference(), items={(i.kind, i.code): i for i in ITEMS})


def a_deal(stage_code: str = "negotiation", **fields: object) -> Deal:
    values: dict[str, object] = {
        "name": "Phase 1",
        "pipeline_code": "sales",
        "stage_code": stage_code,
        "value": Decimal("1000.00"),
        "currency": None,
        "at": AT,
    }
    return new_deal(with_items(), replace(a_lead(), currency="EUR"), **{**values, **fields})  # type: ignore[arg-type]


def test_a_new_deal_is_open_in_its_stage_since_it_was_made_in_its_leads_currency_unless_given() -> None:
    deal = a_deal()

    assert (deal.stage_code, deal.created_at, deal.stage_since, deal.outcome, deal.closed_at) == (
        "negotiation",
        AT,
        AT,
        None,
        None,
    )
    assert (deal.currency, a_deal(currency="USD").currency) == ("EUR", "USD")


def test_a_deal_made_in_a_closing_stage_is_closed_from_the_start() -> None:
    assert (a_deal("won").outcome, a_deal("won").closed_at) == ("won", AT)


@pytest.mark.parametrize(
    ("fields", "rule", "field"),
    [
        ({"pipeline_code": "nope"}, "unknown_pipeline", "pipeline_code"),
        ({"pipeline_code": "legacy", "stage_code": "old"}, "archived_pipeline", "pipeline_code"),
        ({"stage_code": "nope"}, "unknown_stage", "stage_code"),
        ({"stage_code": "visit"}, "stage_not_in_pipeline", "stage_code"),
        ({"stage_code": "shelved"}, "archived_stage", "stage_code"),
        ({"value": Decimal("-0.01")}, "negative_value", "value"),
        ({"name": ""}, "name_required", "name"),
    ],
)
def test_a_deal_breaking_a_rule_is_refused_naming_the_field(fields: dict[str, Any], rule: str, field: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        a_deal(**fields)

    assert (refused.value.rule, refused.value.field) == (rule, field)


def test_moving_into_a_closing_stage_wins_or_loses_the_deal_and_moving_out_reopens_it() -> None:
    deal = a_deal()

    won = deal.moved_to("won", with_items(), LATER)
    lost = won.moved_to("lost", with_items(), LATER + timedelta(days=1))
    reopened = lost.moved_to("closing", with_items(), LATER + timedelta(days=2))

    assert (won.outcome, won.closed_at, won.stage_since, won.version) == ("won", LATER, LATER, 2)
    assert (lost.outcome, lost.closed_at) == ("lost", LATER + timedelta(days=1))
    assert (reopened.outcome, reopened.closed_at, reopened.version) == (None, None, 4)
    assert deal.moved_to("negotiation", with_items(), LATER) is deal


def test_a_move_is_refused_into_a_stage_of_another_pipeline_or_an_archived_one() -> None:
    for stage, rule in (("visit", "stage_not_in_pipeline"), ("shelved", "archived_stage"), ("x", "unknown_stage")):
        with pytest.raises(RuleViolation) as refused:
            a_deal().moved_to(stage, with_items(), LATER)
        assert (refused.value.rule, refused.value.field) == (rule, "stage_code")


def test_editing_a_deal_checks_the_rules_again_and_refuses_clearing_a_field() -> None:
    deal = a_deal()

    moved = deal.edited({"pipeline_code": "service", "stage_code": "visit"}, with_items(), LATER)
    assert (moved.stage_code, moved.stage_since, moved.version) == ("visit", LATER, 2)
    assert deal.edited({"value": Decimal("1000.00")}, with_items(), LATER) is deal
    for changes, rule, field in (
        ({"pipeline_code": "service"}, "stage_not_in_pipeline", "stage_code"),
        ({"value": None}, "required", "value"),
        ({"lead_id": uuid.uuid4()}, "not_editable", "lead_id"),
    ):
        with pytest.raises(RuleViolation) as refused:
            deal.edited(changes, with_items(), LATER)
        assert (refused.value.rule, refused.value.field) == (rule, field)


def test_a_deal_in_a_stage_archived_since_keeps_it_through_other_edits() -> None:
    deal = replace(a_deal(), stage_code="shelved")

    assert deal.edited({"value": Decimal("5.00")}, with_items(), LATER).stage_code == "shelved"


def test_a_deals_history_names_the_deal_in_each_field_with_the_outcome_a_move_decided() -> None:
    deal = a_deal()
    won = deal.edited({"stage_code": "won", "value": Decimal("1200.00")}, with_items(), LATER)

    assert won.history_changes(deal) == [
        FieldChange(f"deals[{deal.id}].stage_code", "negotiation", "won"),
        FieldChange(f"deals[{deal.id}].value", "1000.00", "1200.00"),
        FieldChange(f"deals[{deal.id}].outcome", None, "won"),
        FieldChange(f"deals[{deal.id}].closed_at", None, LATER.isoformat()),
    ]
    assert [c.field for c in deal.history_changes(None)] == [
        f"deals[{deal.id}].{name}" for name in ("name", "pipeline_code", "stage_code", "value", "currency")
    ]
    assert all(c.new is None for c in deal.removal_changes())
    entry = HistoryEntry(
        at=LATER, by="marta", action="deal_changed", changes=won.history_changes(deal), merged_from_lead_id=None
    )
    assert history_mentions(entry, deal.id)
    assert not history_mentions(entry, uuid.uuid4())


def test_the_board_has_the_pipelines_stages_in_order_and_an_archived_one_only_while_deals_are_in_it() -> None:
    def columns(occupied: set[str]) -> list[str]:
        return [stage.code for stage in pipeline_columns(with_items(), "sales", occupied=occupied)]

    assert columns(set()) == ["negotiation", "closing", "won", "lost"]
    assert columns({"shelved"}) == ["negotiation", "shelved", "closing", "won", "lost"]
    assert pipeline_of(with_items(), "legacy").archived
    with pytest.raises(NotFound) as unknown:
        pipeline_of(with_items(), "nope")
    assert unknown.value.rule == "pipeline_not_found"
