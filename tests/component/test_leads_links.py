"""The leads service's intake of calls linked to leads: what the lead card lists and what keeps a lead."""

from __future__ import annotations

import uuid

from leadline.contracts.wire.events import CallReturnedToTriageV1, EmailReturnedToTriageV1
from leadline.contracts.wire.topics import CALL
from leadline.leads.domain.links import LeadLink
from leadline.leads.service import lifecycle
from leadline.leads.service.commands import MergeLeads
from tests.support.builders import AT, CALLER, call_attached, call_registered, email_attached
from tests.support.component.leads import MARTA, Leads, a_lead, links_of

LABEL = f"{CALLER}, 2026-03-02 09:30 UTC"


async def test_a_call_attached_on_arrival_is_linked_with_who_called_and_when(leads: Leads) -> None:
    lead_id = await a_lead(leads)
    registered = call_registered(lead_id)

    await leads.deliver(registered)
    await leads.deliver(call_registered(None))  # in triage: linked to nothing yet

    assert await links_of(leads, lead_id) == [LeadLink("call", str(registered.call_id), lead_id, LABEL, AT)]
    assert leads.dead_letters(CALL) == []


async def test_a_call_attached_from_triage_is_linked_and_a_reattached_one_moves(leads: Leads) -> None:
    first, second = await a_lead(leads), await a_lead(leads)
    call_id = uuid.uuid4()

    await leads.deliver(call_attached(call_id, first))
    await leads.deliver(call_attached(call_id, second))

    assert await links_of(leads, first) == []
    assert [link.item_id for link in await links_of(leads, second)] == [str(call_id)]


async def test_a_call_attached_by_an_older_communications_is_labelled_by_its_id(leads: Leads) -> None:
    lead_id = await a_lead(leads)
    call_id = uuid.uuid4()

    await leads.deliver(call_attached(call_id, lead_id, caller_number=None, received_at=None))

    assert [link.label for link in await links_of(leads, lead_id)] == [f"Call {call_id}"]


async def test_a_call_for_a_merged_lead_goes_to_the_survivor_and_one_for_a_lead_never_known_nowhere(
    leads: Leads,
) -> None:
    survivor, merged = await a_lead(leads), await a_lead(leads)
    async with leads.runtime.unit_of_work() as uow:
        await lifecycle.merge_leads(uow, MergeLeads(survivor, merged), MARTA)
        await uow.commit()

    late = call_registered(merged)  # communications attached it before it heard of the merge
    await leads.deliver(late)
    await leads.deliver(call_registered(uuid.uuid4()))

    calls = [link for link in await links_of(leads, survivor) if link.kind == "call"]
    assert [link.item_id for link in calls] == [str(late.call_id)]
    assert leads.dead_letters(CALL) == []


async def test_a_call_or_an_email_back_in_triage_is_unlinked(leads: Leads) -> None:
    lead_id = await a_lead(leads)
    call_id, email_id = uuid.uuid4(), uuid.uuid4()
    await leads.deliver(call_attached(call_id, lead_id))
    await leads.deliver(email_attached(email_id, lead_id))
    assert len(await links_of(leads, lead_id)) == 2

    returned = {"lead_id": lead_id, "reason": "lead_request_cancelled", "detail": "-", "returned_by": "anna"}
    await leads.deliver(CallReturnedToTriageV1(call_id=call_id, returned_at=AT, **returned))
    await leads.deliver(EmailReturnedToTriageV1(email_id=email_id, returned_at=AT, **returned))

    assert await links_of(leads, lead_id) == []
