"""The leads service's intake of orders and invoices: the lead card lists them (number, date, status, type,
amount) and a lead with any of them cannot be deleted."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from leadline.contracts.wire.topics import ORDER
from leadline.leads.domain.links import DocumentFacts, LeadHasLinks, LeadLink
from leadline.leads.service import card, lifecycle
from leadline.leads.service.commands import DeleteLead, MergeLeads
from tests.support.builders import AT, order_created, order_deleted, order_status_changed
from tests.support.component.leads import MARTA, Leads, a_lead, links_of


async def test_an_order_is_listed_on_the_card_follows_its_status_and_keeps_the_lead(leads: Leads) -> None:
    lead_id = await a_lead(leads)
    created = order_created(lead_id, amount=Decimal("1500"))

    await leads.deliver(created)
    await leads.deliver(order_status_changed(created, "confirmed"))

    label = "ZS/2026/000001, 2026-03-02, confirmed, ZS, 1500.00 PLN"
    facts = DocumentFacts("ZS/2026/000001", AT.date(), "confirmed", "ZS", Decimal("1500"), "PLN")
    assert await links_of(leads, lead_id) == [LeadLink("order", str(created.order_id), lead_id, label, AT, facts)]
    async with leads.runtime.unit_of_work() as uow:
        lead_card = await card.lead_card(uow, lead_id, MARTA)
        assert [link.label for link in lead_card.documents] == [label]
        with pytest.raises(LeadHasLinks) as refused:
            await lifecycle.delete_lead(uow, DeleteLead(lead_id), MARTA)
    assert refused.value.extensions["links"] == [{"kind": "order", "id": str(created.order_id), "label": label}]
    assert leads.dead_letters(ORDER) == []


async def test_a_deleted_order_is_unlinked_and_the_lead_can_go(leads: Leads) -> None:
    lead_id = await a_lead(leads)
    created = order_created(lead_id)
    await leads.deliver(created)

    await leads.deliver(order_deleted(created))

    assert await links_of(leads, lead_id) == []
    async with leads.runtime.unit_of_work() as uow:
        await lifecycle.delete_lead(uow, DeleteLead(lead_id), MARTA)
        await uow.commit()


async def test_an_order_of_a_merged_lead_lands_on_the_survivor(leads: Leads) -> None:
    survivor, merged = await a_lead(leads), await a_lead(leads)
    async with leads.runtime.unit_of_work() as uow:
        await lifecycle.merge_leads(uow, MergeLeads(survivor, merged), MARTA)
        await uow.commit()

    late = order_created(merged, currency=None)  # documents made it before it heard of the merge
    await leads.deliver(late)
    await leads.deliver(order_created(uuid.uuid4()))  # a lead leads never had: linked nowhere

    orders = [link for link in await links_of(leads, survivor) if link.kind == "order"]
    assert [(link.item_id, link.label) for link in orders] == [
        (str(late.order_id), "ZS/2026/000001, 2026-03-02, draft, ZS, 125000.00")
    ]
