"""The leads repositories keep the promises the service's write use cases rely on (service/unit_of_work.py), whether
in SQLite or in the unit tests' in-memory fakes: the same tests run against both, so a use case tested on the fakes
behaves so on the database too."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from leadline.contracts.platform.auth import Role
from leadline.contracts.platform.errors import StaleVersion
from leadline.leads.domain.contacts import Contact
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.links import LeadLink
from leadline.leads.domain.model import ContactPoint, FieldChange, Lead, LeadType, ReferenceItem, Status
from leadline.leads.domain.reference import Employee, Partner, SettingKey, Usage
from leadline.leads.service.unit_of_work import AbstractUnitOfWork
from tests.support.component.service_under_test import service_named
from tests.support.unit.leads import CREATED, LOST, a_lead, a_unit_of_work


@pytest.fixture(params=["in memory", "sqlite"])
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AbstractUnitOfWork]:
    """One transaction of either, left uncommitted: each test reads back what it wrote in it."""
    if request.param == "in memory":
        yield a_unit_of_work()
        return
    async with service_named("leads", tmp_path) as leads, leads.runtime.unit_of_work() as sql:
        yield sql


def with_contacts(phone: str | None, email: str | None = None, *, minutes: int = 0) -> Lead:
    at = CREATED + timedelta(minutes=minutes)
    return replace(a_lead(), phone=phone, email=email, created_at=at)


def a_deal(lead: Lead, name: str = "Desks", *, stage_code: str = "offer", minutes: int = 0) -> Deal:
    at = CREATED + timedelta(minutes=minutes)
    return Deal(
        id=uuid.uuid4(),
        lead_id=lead.id,
        name=name,
        pipeline_code="sales",
        stage_code=stage_code,
        value=Decimal("1000.00"),
        currency="PLN",
        created_at=at,
        stage_since=at,
    )


def a_link(lead: Lead, kind: str = "call", *, minutes: int = 0) -> LeadLink:
    return LeadLink(
        kind="call" if kind == "call" else "email",
        item_id=str(uuid.uuid4()),
        lead_id=lead.id,
        label=kind,
        linked_at=CREATED + timedelta(minutes=minutes),
    )


async def test_a_lead_reads_back_as_added_and_a_save_of_a_stale_version_is_refused(uow: AbstractUnitOfWork) -> None:
    lead = replace(a_lead(), tags=frozenset())
    await uow.leads.add(lead)
    renamed = replace(lead, name="Renamed", version=2)
    await uow.leads.save(renamed, lead)

    with pytest.raises(StaleVersion):
        await uow.leads.save(replace(lead, name="Stale", version=2), lead)

    assert await uow.leads.get(lead.id) == renamed
    assert await uow.leads.get(uuid.uuid4()) is None


async def test_likely_duplicates_are_other_open_leads_sharing_a_phone_or_address_newest_first(
    uow: AbstractUnitOfWork,
) -> None:
    lead = with_contacts("+48601000001", "jan@example.com")
    by_phone = with_contacts("+48601000001", minutes=1)
    by_email = with_contacts(None, "jan@example.com", minutes=2)
    merged_contact = replace(
        with_contacts(None, minutes=3), extra_contacts=(ContactPoint("phone", "+48601000001", uuid.uuid4()),)
    )
    closed = replace(with_contacts("+48601000001", minutes=4), status_code=LOST.code, closed=True)
    for stored in (lead, by_phone, by_email, merged_contact, closed, with_contacts("+48601000002")):
        await uow.leads.add(stored)

    found = await uow.leads.open_sharing_contacts(lead, limit=2)

    assert [other.id for other in found] == [merged_contact.id, by_email.id]


async def test_history_outlives_its_lead_and_follows_a_merged_one_marked_with_where_it_came_from(
    uow: AbstractUnitOfWork,
) -> None:
    survivor, merged = a_lead(), a_lead()
    change = FieldChange("name", "Old", "New")
    await uow.history.record(survivor.id, action="created", by="anna", at=CREATED, changes=[])
    await uow.history.record(merged.id, action="updated", by="anna", at=CREATED, changes=[change])

    await uow.history.move(merged.id, survivor.id)

    entries = [(e.action, e.merged_from_lead_id, e.changes) for e in await uow.history.of(survivor.id)]
    assert entries == [("created", None, []), ("updated", merged.id, [change])]
    assert await uow.history.of(merged.id) == []
    assert (await uow.history.knows(merged.id), await uow.history.knows(uuid.uuid4())) == (True, False)


async def test_a_leads_links_and_deals_move_with_a_merge_and_its_deals_go_when_it_is_removed(
    uow: AbstractUnitOfWork,
) -> None:
    survivor, merged, removed = a_lead(), a_lead(), a_lead()
    for lead in (survivor, merged, removed):
        await uow.leads.add(lead)
    moved_deal, removed_deal = a_deal(merged), a_deal(removed)
    await uow.deals.add(moved_deal, merged)
    await uow.deals.add(removed_deal, removed)
    later, earlier = a_link(merged, minutes=5), a_link(merged, "email")
    await uow.links.put(later)
    await uow.links.put(earlier)

    await uow.links.move(merged.id, survivor.id)
    await uow.deals.move(merged.id, survivor)
    await uow.links.remove_of(removed.id)
    await uow.leads.remove(removed.id)

    assert [link.item_id for link in await uow.links.of(survivor.id)] == [earlier.item_id, later.item_id]
    assert await uow.links.of(merged.id) == []
    assert await uow.leads.get(removed.id) is None
    await uow.deals.add(replace(removed_deal, lead_id=survivor.id), survivor)  # its id is free: it went with its lead


async def test_what_a_savepoint_wrote_is_undone_when_its_block_raises_and_kept_otherwise(
    uow: AbstractUnitOfWork,
) -> None:
    kept, undone = a_lead(), a_lead()
    deal = a_deal(kept)

    async def refused_after_writing() -> None:
        async with uow.savepoint():
            await uow.leads.add(undone)
            await uow.history.record(undone.id, action="created", by="anna", at=CREATED, changes=[])
            await uow.deal_card_positions.put("anna", {deal.id: 1.0})
            raise RuntimeError("refused")

    async with uow.savepoint():
        await uow.leads.add(kept)
        await uow.deals.add(deal, kept)
    with pytest.raises(RuntimeError):
        await refused_after_writing()

    assert (await uow.leads.get(kept.id), await uow.leads.get(undone.id)) == (kept, None)
    assert not await uow.history.knows(undone.id)
    assert [card async for card in uow.deal_queries.stage_order("anna", deal.stage_code)] == [(deal.id, None)]


async def test_links_are_found_by_item_put_in_bulk_last_one_staying_and_a_merged_lead_names_its_survivor(
    uow: AbstractUnitOfWork,
) -> None:
    lead, survivor, merged = a_lead(), a_lead(), a_lead()
    for stored in (lead, survivor):
        await uow.leads.add(stored)
    first = a_link(lead)
    moved = replace(first, lead_id=survivor.id, label="moved")
    merge = LeadLink("merged_lead", str(merged.id), survivor.id, "Merged", CREATED)

    await uow.links.put_all([first, moved, merge, a_link(lead, "email")])
    await uow.links.remove("email", "not linked")

    assert await uow.links.get("call", first.item_id) == moved
    assert await uow.links.survivors_of({merged.id, lead.id}) == {merged.id: survivor.id}
    assert await uow.leads.existing({lead.id, merged.id}) == {lead.id}
    await uow.links.remove("call", first.item_id)
    assert await uow.links.get("call", first.item_id) is None


async def test_a_deal_reads_back_as_its_leads_only_and_a_save_of_a_stale_version_is_refused(
    uow: AbstractUnitOfWork,
) -> None:
    lead, other = a_lead(), a_lead()
    for stored in (lead, other):
        await uow.leads.add(stored)
    desks, chairs, elsewhere = a_deal(lead, "Desks"), a_deal(lead, "Chairs"), a_deal(other)
    for deal, of_lead in ((desks, lead), (chairs, lead), (elsewhere, other)):
        await uow.deals.add(deal, of_lead)
    renamed = replace(desks, name="Tables", value=Decimal("1200.50"), version=2)

    await uow.deals.save(renamed)
    with pytest.raises(StaleVersion):
        await uow.deals.save(replace(desks, name="Stale", version=2))

    assert (await uow.deals.get(lead.id, desks.id), await uow.deals.get(other.id, desks.id)) == (renamed, None)
    assert await uow.deals.by_ids([elsewhere.id, uuid.uuid4(), renamed.id]) == [elsewhere, renamed]
    assert await uow.deals.of(lead.id) == [chairs, renamed]
    await uow.deals.remove(chairs)
    assert (await uow.deals.of(lead.id), await uow.deals.by_ids([chairs.id])) == ([renamed], [])


async def test_a_stage_shows_the_deals_a_user_placed_by_position_then_the_others_newest_first(
    uow: AbstractUnitOfWork,
) -> None:
    lead = a_lead()
    await uow.leads.add(lead)
    oldest, older, newer, newest = (a_deal(lead, minutes=minutes) for minutes in range(4))
    for deal in (oldest, older, newer, newest, a_deal(lead, stage_code="won", minutes=9)):
        await uow.deals.add(deal, lead)

    async def stage(user_id: str) -> list[tuple[uuid.UUID, float | None]]:
        return [card async for card in uow.deal_queries.stage_order(user_id, "offer")]

    await uow.deal_card_positions.lock_order_of("anna")
    await uow.deal_card_positions.put("anna", {oldest.id: 2.0, newer.id: 1.0})
    await uow.deal_card_positions.put("piotr", {newest.id: 1.0})
    assert await stage("anna") == [(newer.id, 1.0), (oldest.id, 2.0), (newest.id, None), (older.id, None)]

    await uow.deal_card_positions.put("anna", {oldest.id: 0.5})
    assert [deal_id for deal_id, _ in await stage("anna")] == [oldest.id, newer.id, newest.id, older.id]
    assert [deal_id for deal_id, _ in await stage("nobody")] == [newest.id, newer.id, older.id, oldest.id]


async def test_a_kanban_column_shows_the_leads_a_user_placed_by_position_then_the_others_newest_first(
    uow: AbstractUnitOfWork,
) -> None:
    oldest, older, newest = (with_contacts(None, minutes=minutes) for minutes in range(3))
    for lead in (oldest, older, newest, replace(with_contacts(None, minutes=9), status_code="qualification")):
        await uow.leads.add(lead)

    async def column(user_id: str) -> list[tuple[uuid.UUID, float | None]]:
        return [card async for card in uow.queries.column_order(user_id, "new")]

    await uow.card_positions.lock_order_of("anna")
    await uow.card_positions.put("anna", {oldest.id: 1.0})
    await uow.card_positions.put("anna", {older.id: 0.5, oldest.id: 2.0})
    await uow.card_positions.put("piotr", {newest.id: 1.0})

    assert await column("anna") == [(older.id, 0.5), (oldest.id, 2.0), (newest.id, None)]
    assert [lead_id for lead_id, _ in await column("nobody")] == [newest.id, older.id, oldest.id]


async def test_a_partner_reads_back_as_added_and_a_save_of_a_stale_version_is_refused(uow: AbstractUnitOfWork) -> None:
    partner = Partner(id=uuid.uuid4(), name="Acme", phone="+48601234567")
    await uow.partners.add(partner)
    renamed = replace(partner, name="Acme Ltd", version=2)

    await uow.partners.save(renamed)
    with pytest.raises(StaleVersion):
        await uow.partners.save(replace(partner, name="Stale", version=2))

    assert (await uow.partners.get(partner.id), await uow.partners.get(uuid.uuid4())) == (renamed, None)


async def test_contact_persons_are_each_partners_by_name_and_counted_by_the_leads_naming_them(
    uow: AbstractUnitOfWork,
) -> None:
    acme, other, without = (Partner(id=uuid.uuid4(), name=name) for name in ("Acme", "Other", "Without"))
    for partner in (acme, other, without):
        await uow.partners.add(partner)
    # Ids ordered against the names: the order is by name.
    zofia = Contact(uuid.UUID(int=1), acme.id, "Zofia", phones=("+48601234567",), emails=("zofia@acme.pl",))
    adam, removed = Contact(uuid.UUID(int=2), acme.id, "Adam"), Contact(uuid.uuid4(), acme.id, "Removed")
    elsewhere = Contact(uuid.uuid4(), other.id, "Ewa")
    for contact in (zofia, adam, removed, elsewhere):
        await uow.contacts.add(contact)
    await uow.leads.add(replace(a_lead(), partner_id=acme.id, contact_id=zofia.id))
    await uow.leads.add(replace(a_lead(), partner_id=acme.id, contact_id=zofia.id))
    buyer = replace(adam, role="Buyer", emails=("adam@acme.pl",))

    await uow.contacts.save(buyer)
    await uow.contacts.remove(removed)

    assert await uow.contacts.of([acme.id, without.id]) == {acme.id: [buyer, zofia]}
    assert (await uow.contacts.get(zofia.id), await uow.contacts.get(removed.id)) == (zofia, None)
    assert (await uow.contacts.naming_leads(zofia.id), await uow.contacts.naming_leads(adam.id)) == (2, 0)


async def test_a_setting_put_reads_back_among_all_of_them(uow: AbstractUnitOfWork) -> None:
    await uow.settings.put(SettingKey.ORDER_TYPE, "ZO")
    await uow.settings.put(SettingKey.INVOICE_TYPE, "FV")
    await uow.settings.put(SettingKey.INVOICE_TYPE, None)

    settings = await uow.settings.all()

    assert set(settings) == set(SettingKey)
    assert (settings[SettingKey.ORDER_TYPE], settings[SettingKey.INVOICE_TYPE]) == ("ZO", None)


async def test_an_employee_reads_back_as_added_or_saved_and_an_extension_is_held_by_those_who_have_not_left(
    uow: AbstractUnitOfWork,
) -> None:
    holder = Employee("storage-jola", "Jolanta Mazur", Role.SALESPERSON, extension="905", email="jola@example.com")
    left = Employee("storage-olek", "Aleksander Wójcik", Role.MANAGER, extension="905", archived=True)
    await uow.employees.lock_for_change()
    for employee in (holder, left):
        await uow.employees.add(employee)
    moved = replace(holder, extension="906", name="Jolanta Mazur-Nowak")

    assert await uow.employees.holding_extension("905") == [holder]
    await uow.employees.save(moved)

    assert (await uow.employees.get(holder.id), await uow.employees.get(left.id)) == (moved, left)
    assert (await uow.employees.holding_extension("905"), await uow.employees.get("storage-nobody")) == ([], None)


async def test_statuses_and_lead_types_written_are_what_the_reference_data_reads_and_leads_in_them_are_counted(
    uow: AbstractUnitOfWork,
) -> None:
    review = Status("storage_review", "Review", sort_order=15, closed=False, lost=False)
    gone = Status("storage_gone", "Gone", sort_order=16, closed=False, lost=False)
    checked = LeadType("storage_type", "Checked", frozenset({"new", review.code}))
    await uow.workflow.lock_for_change()
    for status in (review, gone):
        await uow.workflow.add_status(status)
    await uow.workflow.add_lead_type(checked)
    renamed, narrowed = replace(review, name="In review", archived=True), replace(checked, name="Narrowed")
    await uow.workflow.save_status(renamed)
    await uow.workflow.save_lead_type(replace(narrowed, allowed_statuses=frozenset({review.code})))
    await uow.workflow.delete_status(gone.code)
    for status_code, type_code in ((review.code, checked.code), (review.code, "sale"), ("new", checked.code)):
        await uow.leads.add(replace(a_lead(type_code=type_code), status_code=status_code))

    configured = await uow.reference.load()

    assert (configured.statuses[review.code], gone.code in configured.statuses) == (renamed, False)
    assert configured.lead_types[checked.code] == replace(narrowed, allowed_statuses=frozenset({review.code}))
    assert (await uow.workflow.leads_in_status(review.code), await uow.workflow.leads_in_status(gone.code)) == (2, 0)
    assert await uow.workflow.leads_of_type_in(checked.code, frozenset({review.code, "new", "won"})) == 2
    assert await uow.workflow.leads_of_type_in(checked.code, frozenset()) == 0


async def test_reference_items_written_are_what_the_reference_data_reads_and_their_usage_is_counted(
    uow: AbstractUnitOfWork,
) -> None:
    tag, product = ReferenceItem("tag", "storage_tag", "Tag"), ReferenceItem("product", "storage_product", "Product")
    pipeline = ReferenceItem("pipeline", "storage_pipeline", "Pipeline")
    stage = ReferenceItem("stage", "storage_stage", "Stage", parent_code=pipeline.code, probability=40)
    unused = ReferenceItem("source", "storage_source", "Source")
    await uow.reference_items.lock_for_change()
    for item in (tag, product, pipeline, stage, unused):
        await uow.reference_items.add(item)
    lead = replace(a_lead(), tags=frozenset({tag.code}), product_code=product.code)
    await uow.leads.add(lead)
    await uow.leads.add(replace(a_lead(), tags=frozenset({tag.code})))
    await uow.deals.add(replace(a_deal(lead, stage_code=stage.code), pipeline_code=pipeline.code), lead)
    renamed = replace(stage, name="Renamed stage", archived=True)
    await uow.reference_items.save(renamed)
    await uow.reference_items.delete(unused)

    configured = await uow.reference.load()

    assert configured.items[stage.kind, stage.code] == renamed
    assert (unused.kind, unused.code) not in configured.items
    usages = [await uow.reference_items.usage(item) for item in (tag, product, pipeline, stage, unused)]
    assert usages == [Usage(leads=2), Usage(leads=1), Usage(deals=1, stages=1), Usage(deals=1), Usage()]
