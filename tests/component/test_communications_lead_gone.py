"""The communications service's intake of leads that are gone: calls follow a merged lead to its survivor,
and neither a merged nor a deleted lead matches calls any more."""

from __future__ import annotations

from leadline.contracts.wire.events import CallAttachedV1
from tests.support.builders import (
    AT,
    CALLER,
    SENDER,
    call_received,
    email_received,
    lead_created,
    lead_deleted,
    lead_updated,
    leads_merged,
)
from tests.support.component.calls import Communications, call_by_pbx_id
from tests.support.component.emails import email_of

OTHER_NUMBER = "+48602345678"


async def test_calls_follow_a_merged_lead_to_its_survivor_and_the_merged_lead_matches_no_more(
    communications: Communications,
) -> None:
    merged, other, survivor = lead_created(), lead_created(), lead_created(phone=OTHER_NUMBER)
    await communications.deliver(merged)
    attached = call_received()  # before the second lead with the number: attached to the only one
    await communications.deliver(attached)
    await communications.deliver(other)
    await communications.deliver(survivor)
    undecided = call_received()  # two open leads with the number: triage, both candidates
    await communications.deliver(undecided)

    await communications.deliver(leads_merged(survivor.lead_id, merged.lead_id))

    assert (await call_by_pbx_id(communications, attached.pbx_call_id)).lead_id == survivor.lead_id
    waiting = await call_by_pbx_id(communications, undecided.pbx_call_id)
    assert (waiting.state, set(waiting.candidate_lead_ids)) == ("triage", {survivor.lead_id, other.lead_id})
    later = call_received()
    await communications.deliver(later)
    assert (await call_by_pbx_id(communications, later.pbx_call_id)).lead_id == other.lead_id


async def test_a_deleted_lead_leaves_triage_and_matches_no_more(communications: Communications) -> None:
    kept, deleted = lead_created(), lead_created()
    await communications.deliver(kept)
    await communications.deliver(deleted)
    undecided = call_received()
    await communications.deliver(undecided)

    await communications.deliver(lead_deleted(deleted.lead_id))

    assert (await call_by_pbx_id(communications, undecided.pbx_call_id)).candidate_lead_ids == (kept.lead_id,)
    later = call_received()
    await communications.deliver(later)
    assert (await call_by_pbx_id(communications, later.pbx_call_id)).lead_id == kept.lead_id


async def test_an_attached_call_is_announced_with_its_number_and_arrival(communications: Communications) -> None:
    waiting = call_received()
    await communications.deliver(waiting)

    await communications.deliver(lead_created())  # the lead the waiting call lacked

    [attached] = [row.event for row in await communications.outbox() if isinstance(row.event, CallAttachedV1)]
    assert (attached.how, attached.caller_number, attached.received_at) == ("matched", CALLER, AT)


async def test_calls_and_emails_from_a_merged_leads_phone_and_address_find_its_survivor(
    communications: Communications,
) -> None:
    survivor, merged = lead_created(phone=OTHER_NUMBER, email="boss@example.com"), lead_created()
    await communications.deliver(survivor)
    await communications.deliver(merged)
    await communications.deliver(leads_merged(survivor.lead_id, merged.lead_id))
    gained = [
        {"kind": "phone", "value": CALLER, "from_lead_id": str(merged.lead_id)},
        {"kind": "email", "value": SENDER, "from_lead_id": str(merged.lead_id)},
    ]

    await communications.deliver(lead_updated(survivor.lead_id, extra_contacts=gained))
    await communications.deliver(lead_updated(survivor.lead_id, version=3, extra_contacts=gained))  # seen again

    call = call_received()
    await communications.deliver(call)
    await communications.deliver(email_received(message_id="m-1"))
    assert (await call_by_pbx_id(communications, call.pbx_call_id)).lead_id == survivor.lead_id
    assert (await email_of(communications, "m-1")).lead_id == survivor.lead_id
