"""Orders and invoices in the documents service: made from the lead copy that lead and settings events keep,
announced through the outbox, following a merged lead's survivor."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.platform.errors import Conflict, Forbidden, RuleViolation, StaleVersion
from leadline.contracts.wire.events import InvoiceCreatedV1, InvoiceDeletedV1, OrderCreatedV1, OrderStatusChangedV1
from leadline.contracts.wire.topics import INVOICE, LEAD, ORDER, REFERENCE
from leadline.documents.domain.documents import Document, DocumentKind
from leadline.documents.service import documents as use_cases
from tests.support.builders import (
    lead_assigned,
    lead_updated,
    leads_merged,
    partner_changed,
    product_changed,
    setting_changed,
)
from tests.support.component.documents import ANNA, WARSAW, Documents, a_lead, configured, confirmed, copy_of, make

PIOTR = Principal("piotr", "Piotr Zieliński", frozenset({Role.SALESPERSON}))
MARTA = Principal("marta", "Marta Wiśniewska", frozenset({Role.MANAGER, Role.SALESPERSON}))


async def test_an_order_is_made_from_the_kept_lead_and_announced(documents: Documents) -> None:
    await configured(documents)
    lead_id = await a_lead(documents)
    await documents.deliver(lead_updated(lead_id, expected_revenue="99000.00", street="ul. Świdnicka 1"))

    order = await make(documents, "order", lead_id)

    assert (order.number, order.status, order.amount, order.currency) == (
        f"ZS/{order.year}/000001",
        "draft",
        Decimal("99000.00"),
        "PLN",
    )
    assert (order.address.street, order.address.city) == ("ul. Świdnicka 1", "Wrocław")
    assert [line.description for line in order.lines] == ["Standing desk"]
    [row] = await documents.outbox()
    assert (row.topic, row.key) == (ORDER.name, str(order.id))
    assert isinstance(row.event, OrderCreatedV1)
    assert (row.event.lead_id, row.event.number, row.event.amount, row.event.type_code) == (
        lead_id,
        order.number,
        Decimal("99000.00"),
        "ZS",
    )
    assert documents.dead_letters(LEAD) == documents.dead_letters(REFERENCE) == []


async def test_a_document_is_addressed_to_the_partner_by_the_name_it_had_when_made(documents: Documents) -> None:
    await configured(documents)
    partner_id = uuid.uuid4()
    await documents.deliver(partner_changed(partner_id, "Kowalski Meble"))
    lead_id = await a_lead(documents, partner_id=partner_id)

    order = await make(documents, "order", lead_id)
    await documents.deliver(partner_changed(partner_id, "Kowalski Meble S.A."))
    invoice = await make(documents, "invoice", lead_id)

    assert (order.partner_id, order.partner_name) == (partner_id, "Kowalski Meble")
    assert (invoice.partner_id, invoice.partner_name) == (partner_id, "Kowalski Meble S.A.")
    async with documents.runtime.unit_of_work() as uow:
        assert (await use_cases.get(uow, "order", order.id)).partner_name == "Kowalski Meble"  # kept as made


async def test_nothing_is_made_while_its_type_setting_is_unset(documents: Documents) -> None:
    lead_id = await a_lead(documents)
    await documents.deliver(setting_changed("order_type", "ZS"))
    await documents.deliver(setting_changed("order_type", None))  # a manager cleared it again

    for kind in ("order", "invoice"):
        with pytest.raises(RuleViolation) as refused:
            await make(documents, kind, lead_id)
        assert refused.value.rule == f"{kind}_type_not_set"
    assert await documents.outbox() == []


async def test_only_the_leads_salesperson_or_a_manager_makes_and_handles_its_documents(documents: Documents) -> None:
    await configured(documents)
    lead_id = await a_lead(documents)

    with pytest.raises(Forbidden):
        await make(documents, "order", lead_id, PIOTR)
    await documents.deliver(lead_assigned(lead_id, "piotr"))
    order = await make(documents, "order", lead_id, PIOTR)
    with pytest.raises(Forbidden):
        await make(documents, "invoice", lead_id, ANNA)
    await make(documents, "invoice", lead_id, MARTA)

    async with documents.runtime.unit_of_work() as uow:
        with pytest.raises(Forbidden):
            await use_cases.change_status(uow, "order", order.id, "confirmed", ANNA, None)


async def test_numbers_count_per_type_each_and_follow_on(documents: Documents) -> None:
    await configured(documents)
    lead_id = await a_lead(documents)

    made = [await make(documents, kind, lead_id) for kind in ("order", "invoice", "order", "order", "invoice")]

    assert [document.number.split("/", 1)[0] + "/" + document.number[-1] for document in made] == [
        "ZS/1",
        "FV/1",
        "ZS/2",
        "ZS/3",
        "FV/2",
    ]


async def test_an_invoice_from_an_order_links_both_and_a_deleted_draft_invoice_frees_the_order(
    documents: Documents,
) -> None:
    await configured(documents)
    order = await confirmed(documents, await make(documents, "order", await a_lead(documents)))

    async with documents.runtime.unit_of_work() as uow:
        invoice = await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)
        await uow.commit()
    async with documents.runtime.unit_of_work() as uow:
        assert await uow.documents.invoices_of(order.id) == [invoice.id]
        with pytest.raises(Conflict) as refused:
            await use_cases.change_status(uow, "order", order.id, "cancelled", ANNA, None)
        assert refused.value.rule == "order_invoiced"
        await use_cases.delete(uow, "invoice", invoice.id, ANNA, invoice.version)
        await use_cases.change_status(uow, "order", order.id, "cancelled", ANNA, None)  # no longer invoiced
        await uow.commit()

    events = [row.event for row in await documents.outbox()]
    assert [type(event) for event in events][2:4] == [InvoiceCreatedV1, InvoiceDeletedV1]
    assert isinstance(events[2], InvoiceCreatedV1)
    assert events[2].order_id == order.id
    topics = [row.topic for row in await documents.outbox()]
    assert topics == [ORDER.name, ORDER.name, INVOICE.name, INVOICE.name, ORDER.name]


async def test_a_status_change_is_announced_with_the_summary_and_a_stale_version_refused(documents: Documents) -> None:
    await configured(documents)
    order = await make(documents, "order", await a_lead(documents))

    async with documents.runtime.unit_of_work() as uow:
        confirmed = await use_cases.change_status(uow, "order", order.id, "confirmed", ANNA, order.version)
        await uow.commit()
    async with documents.runtime.unit_of_work() as uow:
        with pytest.raises(Conflict):  # the current version, but a move the status does not allow
            await use_cases.change_status(uow, "order", order.id, "draft", ANNA, confirmed.version)
        with pytest.raises(StaleVersion):
            await use_cases.change_status(uow, "order", order.id, "cancelled", ANNA, order.version)

    changed = (await documents.outbox())[-1].event
    assert isinstance(changed, OrderStatusChangedV1)
    assert (changed.from_status, changed.status, changed.number, changed.amount) == (
        "draft",
        "confirmed",
        order.number,
        order.amount,
    )


async def test_documents_of_a_merged_lead_follow_the_survivor(documents: Documents) -> None:
    await configured(documents)
    survivor, merged = await a_lead(documents), await a_lead(documents)
    order = await make(documents, "order", merged)

    await documents.deliver(leads_merged(survivor, merged))

    async with documents.runtime.unit_of_work() as uow:
        assert [document.id for document in await uow.documents.of_lead(survivor)] == [order.id]
        assert await uow.documents.of_lead(merged) == []
    assert await copy_of(documents, merged) is None


async def test_a_deleted_product_is_forgotten_and_lines_then_name_the_code(documents: Documents) -> None:
    await configured(documents)
    await documents.deliver(product_changed("desk", "Standing desk", deleted=True))

    order = await make(documents, "order", await a_lead(documents))

    assert [line.description for line in order.lines] == ["desk"]


async def test_a_deleted_drafts_number_is_never_issued_again(documents: Documents) -> None:
    await configured(documents)
    lead_id = await a_lead(documents)
    first, second = await make(documents, "order", lead_id), await make(documents, "order", lead_id)

    async with documents.runtime.unit_of_work() as uow:
        await use_cases.delete(uow, "order", second.id, ANNA, None)  # the last number: OrderCreatedV1 published it
        await uow.commit()
    third = await make(documents, "order", lead_id)
    async with documents.runtime.unit_of_work() as uow:
        await use_cases.delete(uow, "order", first.id, ANNA, None)
        await uow.commit()
    fourth = await make(documents, "order", lead_id)

    assert [document.sequence for document in (first, second, third, fourth)] == [1, 2, 3, 4]


async def test_an_order_is_invoiced_once_confirmed_once_only_and_not_cancelled_under_its_invoice(
    documents: Documents,
) -> None:
    await configured(documents)
    order = await make(documents, "order", await a_lead(documents))

    async def invoice() -> Document:
        async with documents.runtime.unit_of_work() as uow:
            made = await use_cases.invoice_order(uow, order.id, ANNA, time_zone=WARSAW)
            await uow.commit()
        return made

    async def move(kind: DocumentKind, document_id: uuid.UUID, status: str) -> None:
        async with documents.runtime.unit_of_work() as uow:
            await use_cases.change_status(uow, kind, document_id, status, ANNA, None)
            await uow.commit()

    async def refused(attempt: Any) -> str:
        with pytest.raises(Conflict) as refusal:
            await attempt()
        return refusal.value.rule

    assert await refused(invoice) == "order_not_confirmed"
    await confirmed(documents, order)
    first = await invoice()
    assert await refused(invoice) == "order_already_invoiced"
    await move("invoice", first.id, "issued")
    assert await refused(lambda: move("order", order.id, "cancelled")) == "order_invoiced"
    await move("invoice", first.id, "cancelled")
    second = await invoice()  # the first one cancelled: the order may be invoiced again

    async with documents.runtime.unit_of_work() as uow:
        assert [i.id for i in await uow.documents.live_invoices_of(order.id)] == [second.id]
    assert second.sequence == first.sequence + 1
