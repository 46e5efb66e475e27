"""Deleting and merging leads on an in-memory unit of work: what is left of each lead, where its links, deals and
history go, and what is announced (tests/component/test_leads*.py run the same service on SQLite)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from leadline.contracts.platform.errors import Conflict, Forbidden
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import LeadDeletedV1, LeadMergedV1, LeadUpdatedV1
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.links import LeadLink, LinkKind
from leadline.leads.domain.model import Lead
from leadline.leads.service import lifecycle, use_cases
from leadline.leads.service.commands import ChangeStatus, DeleteLead, MergeLeads
from tests.support.builders import lead_requested
from tests.support.fake_leads import FakeUnitOfWork
from tests.support.unit.leads import ANNA, CREATED, MARTA, a_lead, a_unit_of_work


def link(lead: Lead, kind: LinkKind, item_id: str | None = None) -> LeadLink:
    return LeadLink(kind=kind, item_id=item_id or str(uuid.uuid4()), lead_id=lead.id, label=kind, linked_at=CREATED)


def a_deal(lead: Lead) -> Deal:
    return Deal(
        id=uuid.uuid4(),
        lead_id=lead.id,
        name="Desks",
        pipeline_code="sales",
        stage_code="offer",
        value=Decimal("1000.00"),
        currency="PLN",
        created_at=CREATED,
        stage_since=CREATED,
    )


async def merge(uow: FakeUnitOfWork, survivor: Lead, merged: Lead) -> Lead:
    return await lifecycle.merge_leads(uow, MergeLeads(survivor.id, merged.id), MARTA)


# Deleting a lead created by mistake


async def test_a_deleted_lead_is_gone_with_its_deals_its_history_kept_and_announced() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    deal = a_deal(lead)
    await uow.deals.add(deal, lead)
    await uow.links.put(link(lead, "merged_lead"))  # a lead merged into it does not keep it

    await lifecycle.delete_lead(uow, DeleteLead(lead.id), ANNA)

    assert (uow.leads.by_id, uow.deals.by_id, uow.links.by_item) == ({}, {}, {})
    assert [entry.action for entry in await uow.history.of(lead.id)] == ["deleted"]
    [event] = uow.announced()
    assert isinstance(event, LeadDeletedV1)
    assert (event.lead_id, event.deleted_by) == (lead.id, "anna")


@pytest.mark.parametrize("kind", ["call", "email", "order", "invoice"])
async def test_a_lead_with_linked_items_is_not_deleted(kind: LinkKind) -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    await uow.links.put(link(lead, kind))

    with pytest.raises(Conflict):
        await lifecycle.delete_lead(uow, DeleteLead(lead.id), ANNA)

    assert (uow.leads.by_id[lead.id], len(uow.links.by_item), uow.announced()) == (lead, 1, [])


async def test_a_request_for_a_deleted_lead_does_not_make_it_again() -> None:
    request = lead_requested(salesperson_id="anna", requested_by="anna")
    envelope = Envelope.wrap(request, source="leadline/communications")
    uow = a_unit_of_work()
    await use_cases.create_lead_on_request(uow, request, envelope, phone_region="PL")
    await lifecycle.delete_lead(uow, DeleteLead(request.lead_id), ANNA)

    await use_cases.create_lead_on_request(uow, request, envelope, phone_region="PL")

    assert uow.leads.by_id == {}


# Merging a lead into another


async def test_a_merged_leads_links_deals_and_history_move_to_the_survivor_which_gains_its_contacts() -> None:
    survivor, merged = a_lead(), replace(a_lead(), phone="+48700100200", email=None)
    uow = a_unit_of_work(survivor, merged)
    await use_cases.change_status(uow, ChangeStatus(merged.id, "qualification"), ANNA)
    call, deal = link(merged, "call"), a_deal(merged)
    await uow.links.put(call)
    await uow.deals.add(deal, merged)

    after = await merge(uow, survivor, merged)

    assert list(uow.leads.by_id) == [survivor.id]
    assert uow.leads.by_id[survivor.id] == after
    assert [(c.kind, c.value) for c in after.extra_contacts] == [("phone", "+48700100200")]
    assert {(k.kind, k.item_id) for k in await uow.links.of(survivor.id)} == {
        ("call", call.item_id),
        ("merged_lead", str(merged.id)),
    }
    assert uow.deals.by_id[deal.id].lead_id == survivor.id
    history = [(entry.action, entry.merged_from_lead_id) for entry in await uow.history.of(survivor.id)]
    assert history == [("status_changed", merged.id), ("merged", None)]
    updated, merged_event = uow.announced()[1:]
    assert isinstance(updated, LeadUpdatedV1)
    assert [change.field for change in updated.changes] == ["extra_contacts"]
    assert isinstance(merged_event, LeadMergedV1)
    assert (merged_event.survivor_id, merged_event.merged_id) == (survivor.id, merged.id)


async def test_a_request_for_a_lead_merged_away_does_not_make_it_again() -> None:
    request = lead_requested(salesperson_id="anna", requested_by="anna")
    envelope = Envelope.wrap(request, source="leadline/communications")
    survivor = a_lead()
    uow = a_unit_of_work(survivor)
    await use_cases.create_lead_on_request(uow, request, envelope, phone_region="PL")
    await merge(uow, survivor, uow.leads.by_id[request.lead_id])

    await use_cases.create_lead_on_request(uow, request, envelope, phone_region="PL")

    assert list(uow.leads.by_id) == [survivor.id]


async def test_only_a_manager_merges_leads() -> None:
    survivor, merged = a_lead(), a_lead()
    uow = a_unit_of_work(survivor, merged)

    with pytest.raises(Forbidden):
        await lifecycle.merge_leads(uow, MergeLeads(survivor.id, merged.id), ANNA)

    assert (set(uow.leads.by_id), uow.announced()) == ({survivor.id, merged.id}, [])
