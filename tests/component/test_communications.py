"""The communications service's Kafka intake: calls registered once, matched to leads it learns from lead events."""

from __future__ import annotations

from leadline.communications.service import triage
from leadline.communications.service.commands import RequestLead
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import CallAttachedV1, CallLeadRequestedV1, CallRegisteredV1
from leadline.contracts.wire.topics import CALL, LEAD, TELEPHONY_CALL
from tests.support.builders import (
    AT,
    CALLER,
    call_received,
    lead_created,
    lead_created_from_call,
    lead_updated,
    status_changed,
)
from tests.support.component.calls import ANNA, Communications, call_by_pbx_id, number_of_calls, registrations


async def test_a_call_from_an_unknown_number_waits_in_triage_and_is_announced(communications: Communications) -> None:
    received = call_received(caller_number="0048 601 234 567")

    envelope = await communications.deliver(received)

    call = await call_by_pbx_id(communications, received.pbx_call_id)
    assert (call.state, call.lead_id, call.candidate_lead_ids) == ("triage", None, ())
    assert (call.caller_number, call.extension, call.received_at) == (CALLER, "101", AT)
    [row] = await communications.outbox()
    assert (row.topic, row.key) == (CALL.name, str(call.id))
    assert row.event == CallRegisteredV1(
        call_id=call.id,
        pbx_call_id=received.pbx_call_id,
        caller_number=CALLER,
        extension="101",
        received_at=AT,
        state="triage",
        lead_id=None,
        candidate_lead_ids=[],
    )
    assert (row.envelope.causation_id, row.envelope.correlation_id) == (envelope.id, envelope.id)


async def test_a_number_that_is_not_a_phone_number_is_kept_as_received(communications: Communications) -> None:
    received = call_received(caller_number="anonymous")

    await communications.deliver(received)

    call = await call_by_pbx_id(communications, received.pbx_call_id)
    assert (call.caller_number, call.state) == ("anonymous", "triage")


async def test_once_a_lead_with_the_number_is_known_the_next_call_attaches_to_it(
    communications: Communications,
) -> None:
    await communications.deliver(call_received())
    lead = lead_created(phone=CALLER)
    await communications.deliver(lead)

    later = call_received(caller_number="601-234-567")
    await communications.deliver(later)

    call = await call_by_pbx_id(communications, later.pbx_call_id)
    assert (call.state, call.lead_id) == ("attached", lead.lead_id)
    [_, registered] = await registrations(communications)
    assert (registered.call_id, registered.state, registered.lead_id) == (call.id, "attached", lead.lead_id)


async def test_a_gateway_retry_and_a_redelivery_of_a_call_have_one_effect(communications: Communications) -> None:
    received = call_received()
    envelope = await communications.deliver(received)

    await communications.redeliver(envelope, TELEPHONY_CALL)  # Kafka again: same ce_id
    retry = await communications.deliver(received)  # the gateway again: new ce_id, same PBX call id

    assert retry.id != envelope.id
    assert await number_of_calls(communications) == 1
    assert len(await communications.outbox()) == 1
    assert sorted(await communications.inbox()) == sorted([envelope.id, retry.id])


async def test_the_lead_created_from_a_call_takes_the_call(communications: Communications) -> None:
    received = call_received(extension="101")
    await communications.deliver(received)
    call = await call_by_pbx_id(communications, received.pbx_call_id)
    async with communications.runtime.unit_of_work() as uow:
        requested = await triage.request_lead_from_call(uow, RequestLead(call.id, name="Office fit-out"), ANNA)
        await uow.commit()
    assert requested.state == "lead_requested"
    assert requested.lead_id is not None
    await communications.runtime.relay.publish_pending()  # out of the way: only what the lead event causes stays

    created = lead_created_from_call(call.id, requested.lead_id, created_by="marta")
    envelope = await communications.deliver(created)

    attached = await call_by_pbx_id(communications, received.pbx_call_id)
    # Anna asked for the lead, so she stays the one who decided, whoever the lead event names as its creator.
    assert (attached.state, attached.lead_id, attached.decided_by) == ("attached", requested.lead_id, "anna")
    assert attached.version == requested.version + 1
    [row] = await communications.outbox()
    assert row.event == CallAttachedV1(
        call_id=call.id,
        lead_id=requested.lead_id,
        how="lead_created",
        attached_by="marta",
        attached_at=created.created_at,
        caller_number=call.caller_number,
        received_at=call.received_at,
    )
    assert row.envelope.causation_id == envelope.id
    [request] = [
        c.envelope().open() for c in communications.published(CALL) if c.headers["ce_type"] == CallLeadRequestedV1.type
    ]
    assert isinstance(request, CallLeadRequestedV1)
    assert (request.call_id, request.lead_id, request.phone) == (call.id, requested.lead_id, CALLER)


async def test_a_lead_event_seen_again_does_not_attach_the_call_twice(communications: Communications) -> None:
    received = call_received()
    await communications.deliver(received)
    call = await call_by_pbx_id(communications, received.pbx_call_id)
    async with communications.runtime.unit_of_work() as uow:
        requested = await triage.request_lead_from_call(uow, RequestLead(call.id), ANNA)
        await uow.commit()
    assert requested.lead_id is not None
    created = lead_created_from_call(call.id, requested.lead_id, phone=None)

    envelope = await communications.deliver(created)
    await communications.redeliver(envelope, LEAD)
    await communications.deliver(created)  # the same lead under a new ce_id: the call no longer awaits a lead

    attached = [row.event for row in await communications.outbox() if isinstance(row.event, CallAttachedV1)]
    assert [(a.call_id, a.lead_id) for a in attached] == [(call.id, created.lead_id)]
    assert (await call_by_pbx_id(communications, received.pbx_call_id)).version == requested.version + 1


async def test_a_lead_with_another_number_attaches_no_call(communications: Communications) -> None:
    received = call_received()
    await communications.deliver(received)

    await communications.deliver(lead_created(phone="+48700000009"))

    assert (await call_by_pbx_id(communications, received.pbx_call_id)).state == "triage"
    assert [type(row.event) for row in await communications.outbox()] == [CallRegisteredV1]


async def test_several_open_leads_with_the_number_leave_the_call_in_triage_until_one_closes(
    communications: Communications,
) -> None:
    older = lead_created(created_at=AT.replace(day=1))
    newer = lead_created(created_at=AT.replace(day=2))
    await communications.deliver(older)
    await communications.deliver(newer)

    ambiguous = call_received()
    await communications.deliver(ambiguous)
    await communications.deliver(status_changed(newer.lead_id, "new", "lost", closed=True))
    clear = call_received()
    await communications.deliver(clear)

    first = await call_by_pbx_id(communications, ambiguous.pbx_call_id)
    assert (first.state, first.candidate_lead_ids) == ("triage", (newer.lead_id, older.lead_id))
    second = await call_by_pbx_id(communications, clear.pbx_call_id)
    assert (second.state, second.lead_id) == ("attached", older.lead_id)


async def test_an_unknown_event_type_from_a_gateway_is_refused_into_the_dead_letter_topic(
    communications: Communications,
) -> None:
    call = call_received()
    headers = {k: v.decode() for k, v in Envelope.wrap(call, source="pbx").kafka_headers()}
    await communications.deliver_raw(
        TELEPHONY_CALL,
        call.model_dump_json().encode(),
        {**headers, "ce_type": "leadline.gateway.telephony.call.rang.v1"},
    )

    [dead] = communications.dead_letters(TELEPHONY_CALL)
    assert dead.headers["dlq_error_class"] == "InvalidEnvelope"
    assert dead.headers["dlq_error_message"] == "unknown event type 'leadline.gateway.telephony.call.rang.v1'"


async def test_a_call_that_came_before_its_callers_lead_attaches_when_the_lead_appears(
    communications: Communications,
) -> None:
    early = call_received()
    await communications.deliver(early)
    ambiguous = call_received(caller_number="+48700000001")
    await communications.deliver(lead_created(phone="+48700000001"))
    await communications.deliver(lead_created(phone="+48700000001"))
    await communications.deliver(ambiguous)  # two open leads: waits for a person

    lead = lead_created(phone=CALLER)
    await communications.deliver(lead)

    call = await call_by_pbx_id(communications, early.pbx_call_id)
    assert (call.state, call.lead_id, call.decided_by) == ("attached", lead.lead_id, None)
    attached = [row.event for row in await communications.outbox() if isinstance(row.event, CallAttachedV1)]
    assert [(e.call_id, e.lead_id, e.how, e.attached_by) for e in attached] == [
        (call.id, lead.lead_id, "matched", "leadline/communications")
    ]
    await communications.deliver(lead_created(phone="+48700000001"))
    assert (await call_by_pbx_id(communications, ambiguous.pbx_call_id)).state == "triage"


async def test_a_lead_given_the_callers_number_later_takes_the_waiting_call(communications: Communications) -> None:
    lead = lead_created(phone=None)
    await communications.deliver(lead)
    received = call_received()
    await communications.deliver(received)

    await communications.deliver(lead_updated(lead.lead_id, phone=CALLER))

    call = await call_by_pbx_id(communications, received.pbx_call_id)
    assert (call.state, call.lead_id) == ("attached", lead.lead_id)
    [attached] = [row.event for row in await communications.outbox() if isinstance(row.event, CallAttachedV1)]
    assert (attached.how, attached.caller_number) == ("matched", CALLER)
