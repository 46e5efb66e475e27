"""The documents repositories keep the promises the use cases rely on (service/unit_of_work.py), whether in
SQLite or in the unit tests' in-memory fakes: the same tests run against both, so a use case tested on the fakes
behaves so on the database too."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from leadline.contracts.platform.errors import StaleVersion
from leadline.documents.domain.documents import DeliveryAddress, Document, DocumentKind, Line
from leadline.documents.domain.lead_copy import LeadCopy
from leadline.documents.service.unit_of_work import AbstractUnitOfWork
from tests.support.component.service_under_test import service_named
from tests.support.fake_documents import FakeUnitOfWork

AT = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
SEQUENCES = itertools.count(1)  # a number is unique to its document, in SQL by a unique key


@pytest.fixture(params=["in memory", "sqlite"])
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AbstractUnitOfWork]:
    """One transaction of either, left uncommitted: each test reads back what it wrote in it."""
    if request.param == "in memory":
        yield FakeUnitOfWork()
        return
    async with service_named("documents", tmp_path) as documents, documents.runtime.unit_of_work() as sql:
        yield sql


def a_document(
    kind: DocumentKind = "order",
    *,
    lead_id: UUID | None = None,
    order_id: UUID | None = None,
    status: str = "draft",
    minutes: int = 0,
) -> Document:
    at = AT + timedelta(minutes=minutes)
    return Document(
        id=uuid.uuid4(),
        kind=kind,
        type_code="ZS" if kind == "order" else "FV",
        year=2026,
        sequence=next(SEQUENCES),
        lead_id=lead_id or uuid.uuid4(),
        partner_id=None,
        partner_name="Kowalski Meble",
        address=DeliveryAddress("ul. Świdnicka 1", "Wrocław", "50-001", "PL"),
        currency="PLN",
        lines=(Line("desk", "Standing desk", Decimal("125000.00")),),
        status=status,
        document_date=date(2026, 3, 4),
        created_by="anna",
        created_at=at,
        updated_by="anna",
        updated_at=at,
        order_id=order_id,
    )


def a_lead_copy(**changes: object) -> LeadCopy:
    lead = LeadCopy(
        lead_id=uuid.uuid4(),
        name="Office fit-out",
        status_code="new",
        closed=False,
        salesperson_id="anna",
        phone=None,
        email=None,
    )
    return replace(lead, **changes)  # type: ignore[arg-type]


def ids(documents: list[Document]) -> list[UUID]:
    return [document.id for document in documents]


async def test_numbers_count_per_type_and_year_each_from_one(uow: AbstractUnitOfWork) -> None:
    taken = [
        await uow.documents.next_sequence(type_code, year)
        for type_code, year in [("ZS", 2026), ("ZS", 2026), ("FV", 2026), ("ZS", 2027), ("ZS", 2026)]
    ]

    assert taken == [1, 2, 1, 1, 3]


async def test_a_document_reads_back_as_added_and_only_as_its_kind(uow: AbstractUnitOfWork) -> None:
    order = a_document("order")
    await uow.documents.add(order)

    found = await uow.documents.get(order.id)

    assert found is not None
    assert (found.id, found.number, found.lines, found.address, found.status) == (
        order.id,
        order.number,
        order.lines,
        order.address,
        "draft",
    )
    assert await uow.documents.get(order.id, "order") is not None
    assert await uow.documents.get(order.id, "invoice") is None
    assert await uow.documents.get(uuid.uuid4()) is None


async def test_a_save_of_the_next_version_is_kept_and_of_a_stale_one_refused(uow: AbstractUnitOfWork) -> None:
    order = a_document()
    await uow.documents.add(order)
    confirmed = replace(order, status="confirmed", version=2)

    await uow.documents.save(confirmed)
    with pytest.raises(StaleVersion):
        await uow.documents.save(replace(order, status="cancelled", version=2))  # made from version 1 as well

    found = await uow.documents.get(order.id)
    assert found is not None
    assert (found.status, found.version) == ("confirmed", 2)


async def test_a_leads_documents_come_oldest_first_and_follow_it_when_merged(uow: AbstractUnitOfWork) -> None:
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    later, earlier = a_document(lead_id=merged, minutes=5), a_document(lead_id=merged, minutes=1)
    own = a_document(lead_id=survivor, minutes=3)
    for document in (later, earlier, own):
        await uow.documents.add(document)

    assert ids(await uow.documents.of_lead(merged)) == [earlier.id, later.id]
    await uow.documents.move_to_lead(merged, survivor)

    assert await uow.documents.of_lead(merged) == []
    moved = await uow.documents.of_lead(survivor)
    assert ids(moved) == [earlier.id, own.id, later.id]
    assert {document.version for document in moved} == {1}


async def test_an_orders_live_invoices_leave_out_cancelled_ones_yet_a_cancelled_one_invoiced_it(
    uow: AbstractUnitOfWork,
) -> None:
    order, uninvoiced = a_document("order"), a_document("order")
    cancelled = a_document("invoice", order_id=order.id, status="cancelled", minutes=1)
    standing = a_document("invoice", order_id=order.id, status="issued", minutes=2)
    for document in (order, uninvoiced, cancelled, standing):
        await uow.documents.add(document)

    assert ids(await uow.documents.live_invoices_of(order.id)) == [standing.id]
    await uow.documents.remove(standing)

    assert await uow.documents.live_invoices_of(order.id) == []
    assert (await uow.documents.is_invoiced(order.id), await uow.documents.is_invoiced(uninvoiced.id)) == (True, False)
    assert await uow.documents.get(standing.id) is None


async def test_a_lead_copy_is_known_once_added_and_changes_to_a_lead_without_one_make_none(
    uow: AbstractUnitOfWork,
) -> None:
    kept, unknown = a_lead_copy(), uuid.uuid4()
    await uow.leads.add_all([kept])

    await uow.leads.set_status(kept.lead_id, "won", True)
    await uow.leads.set_salesperson(kept.lead_id, "piotr")
    for change in (
        uow.leads.set_status(unknown, "won", True),
        uow.leads.set_salesperson(unknown, "piotr"),
        uow.leads.mark_deleted(unknown),
        uow.leads.save(a_lead_copy(lead_id=unknown)),
    ):
        await change

    assert await uow.leads.known({kept.lead_id, unknown}) == {kept.lead_id}
    assert await uow.leads.get(unknown) is None
    assert await uow.leads.get(kept.lead_id, hold=True) == replace(
        kept, status_code="won", closed=True, salesperson_id="piotr"
    )


async def test_a_lead_copy_is_saved_marked_deleted_and_removed(uow: AbstractUnitOfWork) -> None:
    lead = a_lead_copy()
    await uow.leads.add_all([lead])

    await uow.leads.save(replace(lead, name="Renamed", expected_revenue=Decimal("99000.00")))
    await uow.leads.mark_deleted(lead.lead_id)
    kept = await uow.leads.get(lead.lead_id)
    await uow.leads.remove(lead.lead_id)

    assert kept == replace(lead, name="Renamed", expected_revenue=Decimal("99000.00"), deleted=True)
    assert await uow.leads.get(lead.lead_id) is None


async def test_named_values_keep_the_latest_value_of_each_key_an_unset_one_too(uow: AbstractUnitOfWork) -> None:
    await uow.settings.put("order_type", "ZS")
    await uow.settings.put("invoice_type", "FV")
    await uow.settings.put("order_type", "ZW")
    await uow.settings.put("invoice_type", None)
    await uow.products.put("desk", "Standing desk")
    await uow.products.remove("desk")

    assert await uow.settings.all() == {"order_type": "ZW", "invoice_type": None}
    assert (await uow.settings.get("order_type"), await uow.settings.get("unknown")) == ("ZW", None)
    assert await uow.products.all() == {}
