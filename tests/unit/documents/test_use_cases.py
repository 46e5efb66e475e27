"""The documents use cases on an in-memory unit of work: what each reads, writes and announces, and what it
refuses, without a database or a broker (tests/component/test_documents_*.py run the same service on SQLite)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Conflict, Forbidden, NotFound, RuleViolation, StaleVersion
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    Event,
    InvoiceCreatedV1,
    InvoiceDeletedV1,
    InvoiceStatusChangedV1,
    OrderCreatedV1,
    OrderDeletedV1,
    OrderStatusChangedV1,
)
from leadline.documents.domain.documents import Document, DocumentKind
from leadline.documents.domain.lead_copy import LeadCopy
from leadline.documents.service import copies
from leadline.documents.service import documents as use_cases
from tests.support.builders import lead_created, lead_deleted, lead_updated, leads_merged, product_changed
from tests.support.fake_documents import FakeUnitOfWork
from tests.support.unit.documents import ANNA, MARTA, PARTNER, PIOTR, WARSAW, a_lead

TYPES: dict[str, str | None] = {"order_type": "ZS", "invoice_type": "FV"}


def a_unit_of_work(*leads: LeadCopy, settings: dict[str, str | None] = TYPES) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(*leads, settings=settings)
    uow.products.values["desk"] = "Standing desk"
    uow.partners.values[str(PARTNER)] = "Kowalski Meble"
    return uow


async def make(uow: FakeUnitOfWork, kind: DocumentKind, lead: LeadCopy, user: Principal = ANNA) -> Document:
    return await use_cases.make_from_lead(uow, kind, lead.lead_id, user, time_zone=WARSAW)


async def confirmed_order(uow: FakeUnitOfWork, lead: LeadCopy) -> Document:
    order = await make(uow, "order", lead)
    return await use_cases.change_status(uow, "order", order.id, "confirmed", ANNA, None)


def rule_of(refusal: pytest.ExceptionInfo[Exception]) -> str | None:
    return getattr(refusal.value, "rule", None)


def announced_since(uow: FakeUnitOfWork, count: int) -> list[Event]:
    return uow.announced()[count:]


# Making an order or an invoice from a lead


async def test_an_order_is_filled_from_the_leads_copy_numbered_first_of_its_type_and_announced() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)

    order = await make(uow, "order", lead)

    assert (order.kind, order.status, order.number, order.version) == ("order", "draft", f"ZS/{order.year}/000001", 1)
    assert (order.lead_id, order.partner_id, order.partner_name) == (lead.lead_id, PARTNER, "Kowalski Meble")
    assert (order.address.street, order.address.city, order.address.postal_code) == (
        "ul. Świdnicka 1",
        "Wrocław",
        "50-001",
    )
    assert [(line.product_code, line.description, line.amount) for line in order.lines] == [
        ("desk", "Standing desk", Decimal("125000.00"))
    ]
    assert (order.amount, order.currency, order.created_by) == (Decimal("125000.00"), "PLN", "anna")
    assert order.document_date == order.created_at.astimezone(WARSAW).date()  # the company's day, not UTC's
    assert await uow.documents.get(order.id) == order
    [created] = uow.announced()
    assert created == OrderCreatedV1(
        order_id=order.id,
        lead_id=lead.lead_id,
        number=order.number,
        type_code="ZS",
        document_date=order.document_date,
        status="draft",
        amount=Decimal("125000.00"),
        currency="PLN",
        created_at=order.created_at,
        partner_id=PARTNER,
        created_by="anna",
    )


async def test_an_invoice_made_straight_from_a_lead_belongs_to_no_order() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)

    invoice = await make(uow, "invoice", lead)

    assert (invoice.kind, invoice.number, invoice.order_id) == ("invoice", f"FV/{invoice.year}/000001", None)
    [created] = uow.announced()
    assert isinstance(created, InvoiceCreatedV1)
    assert (created.invoice_id, created.order_id, created.number) == (invoice.id, None, invoice.number)


async def test_a_lead_without_a_product_gives_a_document_without_lines_and_an_unnamed_product_its_code() -> None:
    bare, unnamed = a_lead(product_code=None), a_lead(product_code="chair", expected_revenue=None)
    uow = a_unit_of_work(bare, unnamed)

    without_product = await make(uow, "order", bare)
    with_unnamed_product = await make(uow, "order", unnamed)

    assert (without_product.lines, without_product.amount) == ((), Decimal("0"))
    assert [(line.description, line.amount) for line in with_unnamed_product.lines] == [("chair", Decimal("0"))]


@pytest.mark.parametrize("kind", ["order", "invoice"])
async def test_nothing_is_made_while_the_kinds_type_setting_is_unset_and_no_number_is_taken(kind: DocumentKind) -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead, settings={"order_type": None})

    with pytest.raises(RuleViolation) as refused:
        await make(uow, kind, lead)

    assert rule_of(refused) == f"{kind}_type_not_set"
    assert (uow.documents.by_id, uow.documents.last_sequences, uow.announced()) == ({}, {}, [])


async def test_nothing_is_made_for_a_lead_documents_have_no_copy_of() -> None:
    uow = a_unit_of_work()

    with pytest.raises(NotFound) as refused:
        await make(uow, "order", a_lead())

    assert rule_of(refused) == "lead_not_found"
    assert uow.announced() == []


async def test_nothing_is_made_for_a_deleted_lead_even_by_a_manager() -> None:
    lead = a_lead(deleted=True)
    uow = a_unit_of_work(lead)

    with pytest.raises(Conflict) as refused:
        await make(uow, "order", lead, MARTA)

    assert rule_of(refused) == "lead_deleted"
    assert uow.documents.by_id == {}


async def test_only_the_leads_salesperson_or_a_manager_makes_its_documents() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)

    with pytest.raises(Forbidden) as refused:
        await make(uow, "order", lead, PIOTR)
    by_manager = await make(uow, "order", lead, MARTA)

    assert rule_of(refused) == "not_your_lead"
    assert (by_manager.created_by, by_manager.sequence) == ("marta", 1)  # the refusal took no number


async def test_numbers_count_per_type_and_a_new_type_starts_its_own_count() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead, settings=dict(TYPES))

    made = [await make(uow, kind, lead) for kind in ("order", "invoice", "order", "order", "invoice")]
    await uow.settings.put("order_type", "ZW")
    made.append(await make(uow, "order", lead))

    assert [(document.type_code, document.sequence) for document in made] == [
        ("ZS", 1),
        ("FV", 1),
        ("ZS", 2),
        ("ZS", 3),
        ("FV", 2),
        ("ZW", 1),
    ]


# Invoicing an order


async def test_a_confirmed_order_is_invoiced_with_its_lines_and_the_invoice_names_it() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await confirmed_order(uow, lead)
    before = len(uow.announced())

    invoice = await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)

    assert (invoice.kind, invoice.order_id, invoice.lead_id, invoice.status) == (
        "invoice",
        order.id,
        lead.lead_id,
        "draft",
    )
    assert (invoice.lines, invoice.partner_name, invoice.address) == (order.lines, order.partner_name, order.address)
    [created] = announced_since(uow, before)
    assert isinstance(created, InvoiceCreatedV1)
    assert (created.invoice_id, created.order_id, created.amount) == (invoice.id, order.id, order.amount)


async def test_a_draft_order_is_not_invoiced() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await make(uow, "order", lead)

    with pytest.raises(Conflict) as refused:
        await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)

    assert rule_of(refused) == "order_not_confirmed"


async def test_an_order_is_invoiced_once_until_its_invoice_is_cancelled() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await confirmed_order(uow, lead)
    first = await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)

    with pytest.raises(Conflict) as refused:
        await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)
    await use_cases.change_status(uow, "invoice", first.id, "cancelled", ANNA, None)
    second = await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)

    assert rule_of(refused) == "order_already_invoiced"
    assert [invoice.id for invoice in await uow.documents.live_invoices_of(order.id)] == [second.id]


async def test_an_invoice_or_an_unknown_id_is_no_order_to_invoice() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    invoice = await make(uow, "invoice", lead)

    for document_id in (invoice.id, uuid.uuid4()):
        with pytest.raises(NotFound) as refused:
            await use_cases.invoice_order(uow, document_id, ANNA, time_zone=WARSAW)
        assert rule_of(refused) == "order_not_found"


async def test_only_the_leads_salesperson_or_a_manager_invoices_its_order() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await confirmed_order(uow, lead)

    with pytest.raises(Forbidden):
        await use_cases.invoice_order(uow, order.id, PIOTR, time_zone=WARSAW)
    assert (await use_cases.invoice_order(uow, order.id, MARTA, time_zone=WARSAW)).created_by == "marta"


# Moving through the statuses


async def test_confirming_an_order_moves_its_version_on_and_announces_where_it_came_from() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await make(uow, "order", lead)

    moved = await use_cases.change_status(uow, "order", order.id, "confirmed", ANNA, expected_version=1)

    assert (moved.status, moved.version, moved.updated_by) == ("confirmed", 2, "anna")
    assert await uow.documents.get(order.id) == moved
    [_, changed] = uow.announced()
    assert isinstance(changed, OrderStatusChangedV1)
    assert (changed.order_id, changed.from_status, changed.status, changed.number, changed.changed_by) == (
        order.id,
        "draft",
        "confirmed",
        order.number,
        "anna",
    )


async def test_a_change_based_on_an_older_version_is_refused_and_changes_nothing() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await confirmed_order(uow, lead)
    before = len(uow.announced())

    with pytest.raises(StaleVersion):
        await use_cases.change_status(uow, "order", order.id, "cancelled", ANNA, expected_version=1)

    assert (await uow.documents.get(order.id)) == order
    assert announced_since(uow, before) == []


async def test_an_invoice_is_issued_then_paid_and_a_paid_one_is_final() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    invoice = await make(uow, "invoice", lead)

    issued = await use_cases.change_status(uow, "invoice", invoice.id, "issued", ANNA, None)
    paid = await use_cases.change_status(uow, "invoice", invoice.id, "paid", ANNA, issued.version)
    with pytest.raises(Conflict) as refused:
        await use_cases.change_status(uow, "invoice", invoice.id, "cancelled", ANNA, None)

    assert (paid.status, paid.version) == ("paid", 3)
    assert rule_of(refused) == "invoice_paid_cannot_become_cancelled"
    moves = [e for e in uow.announced() if isinstance(e, InvoiceStatusChangedV1)]
    assert [(e.from_status, e.status) for e in moves] == [("draft", "issued"), ("issued", "paid")]


async def test_a_draft_order_cannot_be_paid_and_a_cancelled_one_stays_cancelled() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await make(uow, "order", lead)

    with pytest.raises(Conflict) as paid:
        await use_cases.change_status(uow, "order", order.id, "paid", ANNA, None)
    await use_cases.change_status(uow, "order", order.id, "cancelled", ANNA, None)
    with pytest.raises(Conflict) as confirmed:
        await use_cases.change_status(uow, "order", order.id, "confirmed", ANNA, None)

    assert (rule_of(paid), rule_of(confirmed)) == (
        "order_draft_cannot_become_paid",
        "order_cancelled_cannot_become_confirmed",
    )


async def test_an_order_is_not_cancelled_under_an_invoice_that_stands_but_is_once_that_is_cancelled() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await confirmed_order(uow, lead)
    invoice = await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)

    with pytest.raises(Conflict) as refused:
        await use_cases.change_status(uow, "order", order.id, "cancelled", ANNA, None)
    await use_cases.change_status(uow, "invoice", invoice.id, "cancelled", ANNA, None)
    cancelled = await use_cases.change_status(uow, "order", order.id, "cancelled", ANNA, None)

    assert rule_of(refused) == "order_invoiced"
    assert cancelled.status == "cancelled"


async def test_only_the_leads_salesperson_or_a_manager_moves_its_documents() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await make(uow, "order", lead)

    with pytest.raises(Forbidden):
        await use_cases.change_status(uow, "order", order.id, "confirmed", PIOTR, None)
    moved = await use_cases.change_status(uow, "order", order.id, "confirmed", MARTA, None)

    assert moved.updated_by == "marta"


async def test_a_status_change_names_the_kind_it_expects() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await make(uow, "order", lead)

    with pytest.raises(NotFound) as refused:
        await use_cases.change_status(uow, "invoice", order.id, "issued", ANNA, None)

    assert rule_of(refused) == "invoice_not_found"


# Deleting


async def test_a_draft_is_deleted_announcing_its_number_which_is_never_given_again() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await make(uow, "order", lead)

    await use_cases.delete(uow, "order", order.id, ANNA, expected_version=1)
    next_order = await make(uow, "order", lead)

    assert await uow.documents.get(order.id) is None
    deleted = [e for e in uow.announced() if isinstance(e, OrderDeletedV1)]
    assert [(e.order_id, e.number, e.deleted_by) for e in deleted] == [(order.id, order.number, "anna")]
    assert (order.sequence, next_order.sequence) == (1, 2)


async def test_only_a_draft_is_deleted_anything_further_is_cancelled_instead() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await confirmed_order(uow, lead)

    with pytest.raises(Conflict) as refused:
        await use_cases.delete(uow, "order", order.id, ANNA, None)

    assert rule_of(refused) == "order_not_draft"
    assert await uow.documents.get(order.id) == order


async def test_a_deleted_draft_invoice_frees_its_order_for_another_invoice_but_the_order_stays() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await confirmed_order(uow, lead)
    invoice = await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)

    await use_cases.delete(uow, "invoice", invoice.id, ANNA, None)
    again = await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)

    [deleted] = [e for e in uow.announced() if isinstance(e, InvoiceDeletedV1)]
    assert (deleted.invoice_id, deleted.number) == (invoice.id, invoice.number)
    assert again.order_id == order.id


async def test_a_draft_order_an_older_release_invoiced_is_not_deleted_even_once_its_invoice_is_cancelled() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await make(uow, "order", lead)
    invoice = await make(uow, "invoice", lead)
    await uow.documents.save(replace(invoice, order_id=order.id, status="cancelled", version=2))

    with pytest.raises(Conflict) as refused:
        await use_cases.delete(uow, "order", order.id, ANNA, None)

    assert rule_of(refused) == "order_invoiced"


async def test_a_delete_based_on_an_older_version_or_by_someone_else_is_refused() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = await make(uow, "order", lead)

    with pytest.raises(StaleVersion):
        await use_cases.delete(uow, "order", order.id, ANNA, expected_version=2)
    with pytest.raises(Forbidden):
        await use_cases.delete(uow, "order", order.id, PIOTR, None)

    assert await uow.documents.get(order.id) == order


# What the leads service's events do


def an_envelope(event: Event) -> Envelope:
    return Envelope.wrap(event, source="leadline/leads")


async def test_a_deleted_lead_keeps_its_copy_marked_and_only_its_unused_drafts_are_cancelled() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    draft_order = await make(uow, "order", lead)
    order = await confirmed_order(uow, lead)
    draft_invoice = await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)
    before = len(uow.announced())
    event = lead_deleted(lead.lead_id)
    envelope = an_envelope(event)

    await use_cases.lead_deleted(uow, event, envelope)

    assert (await uow.leads.get(lead.lead_id)) == replace(lead, deleted=True)
    statuses = {d.id: d.status for d in await uow.documents.of_lead(lead.lead_id)}
    assert statuses == {draft_order.id: "cancelled", order.id: "confirmed", draft_invoice.id: "cancelled"}
    settled = announced_since(uow, before)
    # The invoice first: an order is not cancelled under an invoice that stands.
    assert [(e.type, getattr(e, "changed_by", None)) for e in settled] == [
        (InvoiceStatusChangedV1.type, "leadline/documents"),
        (OrderStatusChangedV1.type, "leadline/documents"),
    ]
    assert all(caused_by == envelope for _, caused_by in uow.outbox.events[before:])
    with pytest.raises(Conflict):
        await make(uow, "order", lead, MARTA)


async def test_a_merged_leads_documents_follow_the_survivor_and_its_copy_goes() -> None:
    merged, survivor = a_lead(), a_lead()
    uow = a_unit_of_work(merged, survivor)
    order = await make(uow, "order", merged)
    event = leads_merged(survivor.lead_id, merged.lead_id)

    await use_cases.lead_merged(uow, event, an_envelope(event))

    assert await uow.leads.get(merged.lead_id) is None
    assert [d.id for d in await uow.documents.of_lead(survivor.lead_id)] == [order.id]
    assert (await use_cases.get(uow, "order", order.id)).status == "draft"


async def test_documents_following_a_merged_lead_to_a_survivor_deleted_first_are_settled_like_its_own() -> None:
    merged, survivor = a_lead(), a_lead()
    uow = a_unit_of_work(merged, survivor)
    order = await make(uow, "order", merged)
    deleted = lead_deleted(survivor.lead_id)
    await use_cases.lead_deleted(uow, deleted, an_envelope(deleted))
    event = leads_merged(survivor.lead_id, merged.lead_id)

    await use_cases.lead_merged(uow, event, an_envelope(event))

    assert (await use_cases.get(uow, "order", order.id)).status == "cancelled"


async def test_leads_are_copied_once_however_often_their_creation_is_seen() -> None:
    uow = a_unit_of_work()
    first, second = lead_created(name="Fit-out"), lead_created(name="Printer lease")
    batch = [(event, an_envelope(event)) for event in (first, second, first)]

    await copies.copy_leads(uow, batch)
    await copies.copy_leads(uow, [(first.model_copy(update={"name": "Renamed"}), an_envelope(first))])

    assert {lead_id: copy.name for lead_id, copy in uow.leads.by_id.items()} == {
        first.lead_id: "Fit-out",
        second.lead_id: "Printer lease",
    }


async def test_a_lead_update_changes_the_kept_fields_of_its_copy_and_of_an_unknown_lead_nothing() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    update = lead_updated(lead.lead_id, expected_revenue="99000.00", city="Gdańsk", tags=["vip"])
    unknown = lead_updated(uuid.uuid4(), city="Kraków")

    await copies.lead_updated(uow, update, an_envelope(update))
    await copies.lead_updated(uow, unknown, an_envelope(unknown))

    assert uow.leads.by_id == {lead.lead_id: replace(lead, expected_revenue=Decimal("99000.00"), city="Gdańsk")}


async def test_product_names_follow_their_reference_items_and_a_deleted_product_is_forgotten() -> None:
    uow = a_unit_of_work()
    renamed, deleted = product_changed("desk", "Desk, standing"), product_changed("desk", "", deleted=True)

    await copies.reference_item_changed(uow, renamed, an_envelope(renamed))
    named = await uow.products.get("desk")
    await copies.reference_item_changed(uow, deleted, an_envelope(deleted))

    assert (named, await uow.products.get("desk")) == ("Desk, standing", None)
