"""Linking other services' calls, e-mails and orders to leads on an in-memory unit of work: what each event links,
where an item for a lead merged away or deleted goes, and what the leads' histories say (tests/component/
test_leads_links.py runs the same service on SQLite)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import CallDetachedV1, CallFacts, CallMovedV1, EmailWrittenV1, Event
from leadline.leads.domain.model import Lead
from leadline.leads.service import lifecycle, links
from leadline.leads.service.commands import DeleteLead, MergeLeads
from tests.support.builders import AT, CALLER, call_attached, call_registered, order_created
from tests.support.fake_leads import FakeUnitOfWork
from tests.support.unit.leads import ANNA, MARTA, a_lead, a_unit_of_work

ANSWERED = CallFacts(direction="inbound", contact_number=CALLER, phase="ended", disposition="answered")


def batch(*events: Event) -> Sequence[tuple[Any, Envelope]]:
    return [(event, Envelope.wrap(event, source="leadline/communications")) for event in events]


def linked(uow: FakeUnitOfWork, lead: Lead) -> set[tuple[str, str]]:
    return {(link.kind, link.item_id) for link in uow.links.by_item.values() if link.lead_id == lead.id}


async def test_calls_attached_on_arrival_or_later_are_linked_and_what_the_pbx_said_is_kept() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    on_arrival = call_registered(lead.id, call=ANSWERED)
    later = call_attached(uuid.uuid4(), lead.id)
    waiting = call_registered(None)

    await links.communications_linked(uow, batch(on_arrival, later, waiting))

    assert linked(uow, lead) == {("call", str(on_arrival.call_id)), ("call", str(later.call_id))}
    assert uow.call_facts.by_call == {str(on_arrival.call_id): ANSWERED}


async def test_an_item_for_a_lead_merged_away_is_linked_to_its_survivor_and_one_for_a_deleted_lead_is_dropped() -> None:
    survivor, merged, deleted = a_lead(), a_lead(), a_lead()
    uow = a_unit_of_work(survivor, merged, deleted)
    await lifecycle.merge_leads(uow, MergeLeads(survivor.id, merged.id), MARTA)
    await lifecycle.delete_lead(uow, DeleteLead(deleted.id), ANNA)
    to_merged, to_deleted = call_attached(uuid.uuid4(), merged.id), call_attached(uuid.uuid4(), deleted.id)

    await links.communications_linked(uow, batch(to_merged, to_deleted))

    assert ("call", str(to_merged.call_id)) in linked(uow, survivor)
    assert ("call", str(to_deleted.call_id)) not in {(k.kind, k.item_id) for k in uow.links.by_item.values()}


async def test_a_moved_call_follows_to_its_lead_and_both_histories_say_so() -> None:
    wrong, right = a_lead(), a_lead()
    uow = a_unit_of_work(wrong, right)
    call_id = uuid.uuid4()
    await links.communications_linked(uow, batch(call_attached(call_id, wrong.id)))
    moved = CallMovedV1(
        call_id=call_id,
        from_lead_id=wrong.id,
        lead_id=right.id,
        moved_by="marta",
        moved_at=AT,
        caller_number=CALLER,
        received_at=AT,
        call=ANSWERED,
    )

    await links.communications_linked(uow, batch(moved))

    assert (linked(uow, wrong), linked(uow, right)) == (set(), {("call", str(call_id))})
    assert [entry.action for entry in await uow.history.of(wrong.id)] == ["call_moved_out"]
    assert [entry.action for entry in await uow.history.of(right.id)] == ["call_moved_in"]


async def test_a_detached_call_is_unlinked_and_its_leads_history_names_it() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    attached = call_attached(uuid.uuid4(), lead.id)
    await links.communications_linked(uow, batch(attached))
    label = uow.links.by_item["call", str(attached.call_id)].label
    detached = CallDetachedV1(call_id=attached.call_id, lead_id=lead.id, detached_by="anna", detached_at=AT)

    await links.call_detached(uow, detached, Envelope.wrap(detached, source="leadline/communications"))

    assert linked(uow, lead) == set()
    [entry] = await uow.history.of(lead.id)
    assert (entry.action, entry.changes[0].old, entry.changes[0].new) == ("call_detached", label, None)


async def test_an_email_written_from_a_lead_is_linked_and_its_history_says_to_whom() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    written = EmailWrittenV1(
        email_id=uuid.uuid4(),
        lead_id=lead.id,
        message_id="w1@leadline.example",
        sender="anna@leadline.example",
        to=["jan@example.com"],
        subject_line="Your quote",
        written_by="anna",
        written_at=AT,
    )

    await links.email_written(uow, written, Envelope.wrap(written, source="leadline/communications"))

    assert linked(uow, lead) == {("email", str(written.email_id))}
    [entry] = await uow.history.of(lead.id)
    assert (entry.action, [(c.field, c.new) for c in entry.changes]) == (
        "email_written",
        [("email_to", "jan@example.com"), ("email_subject", "Your quote")],
    )


async def test_an_order_is_linked_with_its_facts_and_keeps_its_lead_from_being_deleted() -> None:
    lead = a_lead()
    uow = a_unit_of_work(lead)
    order = order_created(lead.id)

    await links.documents_linked("order").apply(uow, batch(order))

    link = uow.links.by_item["order", str(order.order_id)]
    assert link.document is not None
    assert (link.lead_id, link.document.number) == (lead.id, order.number)
    assert link.keeps_lead
