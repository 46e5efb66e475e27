"""Orders and invoices: filled from a lead, numbered, moved through their statuses, deleted. The pure rules."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from leadline.contracts.platform.errors import Conflict, Forbidden, RuleViolation
from leadline.documents.domain.documents import (
    DeliveryAddress,
    Document,
    DocumentKind,
    Line,
    Names,
    document_number,
    document_type,
    ensure_deletable,
    ensure_may_work_on,
    ensure_order_may_be_cancelled,
    from_lead,
    invoice_from_order,
)
from tests.support.unit.documents import ANNA, MARTA, PARTNER, PIOTR, WARSAW, a_lead

AT = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)


def a_document(kind: DocumentKind, status: str = "draft") -> Document:
    made = from_lead(
        uuid.uuid4(), kind, "ZS", a_lead(), Names(partner="Kowalski Meble", product="Desk"), "anna", AT, WARSAW
    )
    return replace(made.numbered(7), status=status)


def test_a_number_names_type_year_and_a_six_digit_sequence() -> None:
    assert document_number("ZS", 2026, 42) == "ZS/2026/000042"
    assert document_number("FV", 2027, 1_234_567) == "FV/2027/1234567"


def test_a_document_is_filled_from_the_lead_with_one_line_for_its_product_worth_the_expected_revenue() -> None:
    lead = a_lead()

    names = Names(partner="Kowalski Meble", product="Standing desk")
    order = from_lead(uuid.uuid4(), "order", "ZS", lead, names, "anna", AT, WARSAW).numbered(3)

    assert (order.lead_id, order.partner_id, order.partner_name) == (lead.lead_id, PARTNER, "Kowalski Meble")
    assert (order.type_code, order.currency) == ("ZS", "PLN")
    assert order.address == DeliveryAddress("ul. Świdnicka 1", "Wrocław", "50-001", "PL")
    assert order.lines == (Line("desk", "Standing desk", Decimal("125000.00")),)
    assert (order.amount, order.status, order.number, order.document_date) == (
        Decimal("125000.00"),
        "draft",
        "ZS/2026/000003",
        AT.date(),
    )


def test_a_lead_without_a_product_gives_no_line_and_an_unnamed_product_is_named_by_its_code() -> None:
    assert from_lead(uuid.uuid4(), "order", "ZS", a_lead(product_code=None), Names(), "anna", AT, WARSAW).lines == ()
    unpriced = from_lead(uuid.uuid4(), "order", "ZS", a_lead(expected_revenue=None), Names(), "anna", AT, WARSAW)
    assert unpriced.lines == (Line("desk", "desk", Decimal("0")),)


@pytest.mark.parametrize(
    ("made_at", "time_zone", "expected_date"),
    [
        pytest.param(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), WARSAW, date(2027, 1, 1), id="Warsaw's new year"),
        pytest.param(datetime(2026, 6, 30, 22, 15, tzinfo=UTC), WARSAW, date(2026, 7, 1), id="summer time"),
        pytest.param(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), ZoneInfo("UTC"), date(2026, 12, 31), id="UTC"),
        pytest.param(
            datetime(2027, 1, 1, 3, 0, tzinfo=UTC), ZoneInfo("America/New_York"), date(2026, 12, 31), id="west"
        ),
    ],
)
def test_a_document_bears_the_companys_date_and_counts_in_its_year(
    made_at: datetime, time_zone: ZoneInfo, expected_date: date
) -> None:
    for made in (
        from_lead(uuid.uuid4(), "invoice", "FV", a_lead(), Names(), "anna", made_at, time_zone),
        invoice_from_order(uuid.uuid4(), "FV", a_document("order", "confirmed"), [], "anna", made_at, time_zone),
    ):
        invoice = made.numbered(1)
        assert (invoice.document_date, invoice.year) == (expected_date, expected_date.year)
        assert invoice.number == f"FV/{expected_date.year}/000001"
        assert invoice.created_at == made_at


def test_a_document_type_comes_from_its_setting_and_an_unset_one_is_refused_naming_the_rule() -> None:
    settings: dict[str, str | None] = {"order_type": "ZS", "invoice_type": None}

    assert document_type("order", settings) == "ZS"
    with pytest.raises(RuleViolation) as refused:
        document_type("invoice", settings)
    assert (refused.value.rule, refused.value.field) == ("invoice_type_not_set", "invoice_type")
    with pytest.raises(RuleViolation, match="order_type"):
        document_type("order", {})


def test_a_salesperson_works_on_documents_of_own_leads_only_and_a_manager_on_all() -> None:
    ensure_may_work_on(a_lead(), ANNA)
    ensure_may_work_on(a_lead(), MARTA)
    ensure_may_work_on(None, MARTA)
    for lead in (a_lead(), a_lead(salesperson_id=None), None):
        with pytest.raises(Forbidden) as refused:
            ensure_may_work_on(lead, PIOTR)
        assert refused.value.rule == "not_your_lead"


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("order", ["confirmed", "cancelled"]),
        ("order", ["cancelled"]),
        ("invoice", ["issued", "paid"]),
        ("invoice", ["issued", "cancelled"]),
        ("invoice", ["cancelled"]),
    ],
)
def test_allowed_transitions_move_and_count_versions(kind: DocumentKind, path: list[str]) -> None:
    document = a_document(kind)
    for status in path:
        document = document.moved_to(status, "marta", AT)
    assert (document.status, document.version, document.updated_by) == (path[-1], 1 + len(path), "marta")


@pytest.mark.parametrize(
    ("kind", "status", "to"),
    [
        ("order", "draft", "paid"),
        ("order", "confirmed", "draft"),
        ("order", "confirmed", "confirmed"),
        ("order", "cancelled", "confirmed"),
        ("invoice", "draft", "paid"),
        ("invoice", "paid", "cancelled"),
        ("invoice", "cancelled", "issued"),
        ("invoice", "issued", "confirmed"),
    ],
)
def test_invalid_transitions_are_refused_with_the_reason(kind: DocumentKind, status: str, to: str) -> None:
    with pytest.raises(Conflict) as refused:
        a_document(kind, status).moved_to(to, "anna", AT)
    assert refused.value.rule == f"{kind}_{status}_cannot_become_{to}"
    assert f"is {status} and cannot become {to}" in refused.value.message


def test_an_invoice_from_an_order_copies_it_and_links_it() -> None:
    order = a_document("order", "confirmed")

    invoice = invoice_from_order(uuid.uuid4(), "FV", order, [], "anna", AT, WARSAW).numbered(1)

    assert (invoice.kind, invoice.order_id, invoice.number) == ("invoice", order.id, "FV/2026/000001")
    assert (invoice.lead_id, invoice.partner_id, invoice.partner_name, invoice.address, invoice.lines) == (
        order.lead_id,
        order.partner_id,
        "Kowalski Meble",
        order.address,
        order.lines,
    )


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_only_a_confirmed_order_is_invoiced(status: str) -> None:
    with pytest.raises(Conflict) as refused:
        invoice_from_order(uuid.uuid4(), "FV", a_document("order", status), [], "anna", AT, WARSAW)
    assert (refused.value.rule, refused.value.field) == ("order_not_confirmed", "status")
    assert f"is {status}; only a confirmed order can be invoiced" in refused.value.message
    with pytest.raises(RuleViolation) as not_order:
        invoice_from_order(uuid.uuid4(), "FV", a_document("invoice"), [], "anna", AT, WARSAW)
    assert not_order.value.rule == "not_an_order"


@pytest.mark.parametrize("invoice_status", ["draft", "issued", "paid"])
def test_an_order_is_invoiced_once_until_its_invoice_is_cancelled_and_not_cancelled_under_it(
    invoice_status: str,
) -> None:
    order = a_document("order", "confirmed")
    standing = replace(a_document("invoice", invoice_status), order_id=order.id)

    with pytest.raises(Conflict) as twice:
        invoice_from_order(uuid.uuid4(), "FV", order, [standing], "anna", AT, WARSAW)
    assert (twice.value.rule, twice.value.field) == ("order_already_invoiced", "invoices")
    assert f"{standing.number} {invoice_status}" in twice.value.message
    with pytest.raises(Conflict) as cancelled:
        ensure_order_may_be_cancelled(order, [standing])
    assert (cancelled.value.rule, cancelled.value.field) == ("order_invoiced", "invoices")

    ensure_order_may_be_cancelled(order, [])  # its invoice cancelled: no longer in the way of either
    assert invoice_from_order(uuid.uuid4(), "FV", order, [], "anna", AT, WARSAW).order_id == order.id


def test_only_a_draft_never_used_can_be_deleted() -> None:
    ensure_deletable(a_document("order"), invoiced=False)
    ensure_deletable(a_document("invoice"), invoiced=False)

    refusals = [
        (a_document("order"), True, "order_invoiced"),
        (a_document("order", "confirmed"), False, "order_not_draft"),
        (a_document("invoice", "issued"), False, "invoice_not_draft"),
        (a_document("invoice", "cancelled"), False, "invoice_not_draft"),
    ]
    for document, invoiced, rule in refusals:
        with pytest.raises(Conflict) as refused:
            ensure_deletable(document, invoiced=invoiced)
        assert refused.value.rule == rule


def test_the_lead_copy_takes_the_changes_it_keeps_typed_and_ignores_the_rest() -> None:
    lead = a_lead()
    partner = uuid.uuid4()

    updated = lead.updated(
        {"partner_id": str(partner), "expected_revenue": "99.50", "city": "Kraków", "description": "ignored"}
    )

    assert (updated.partner_id, updated.expected_revenue, updated.city) == (partner, Decimal("99.50"), "Kraków")
    assert lead.updated({"partner_id": None, "website": "x"}).partner_id is None
    assert lead.updated({"website": "x"}) is lead
