"""Communications' call intake as the broker sees it, on the in-memory and the real broker alike: a gateway's
call is registered once, whatever the gateway repeated, and a poison record costs only itself."""

from __future__ import annotations

import pytest

from leadline.contracts.wire.events import CallReceivedV1, CallRegisteredV1
from leadline.contracts.wire.topics import CALL, TELEPHONY_CALL
from tests.support.builders import CALLER, call_received
from tests.support.component.service_under_test import Captured
from tests.support.malformed_events import CASES, Case
from tests.support.scenarios import Harness, Until


def registrations(records: list[Captured], pbx_call_id: str) -> list[CallRegisteredV1]:
    events = [record.envelope().open() for record in records]
    return [e for e in events if isinstance(e, CallRegisteredV1) and e.pbx_call_id == pbx_call_id]


def registered(pbx_call_id: str) -> Until:
    return lambda records: bool(registrations(records, pbx_call_id))


async def test_a_gateway_call_is_registered_with_its_number_normalised(communications: Harness) -> None:
    received = call_received(caller_number="0048 601 234 567", extension="102")

    envelope = await communications.publish(received)

    records = await communications.published(CALL, until=registered(received.pbx_call_id))
    [record] = [r for r in records if r.headers["ce_type"] == CallRegisteredV1.type]
    [call] = registrations(records, received.pbx_call_id)
    assert (call.caller_number, call.extension, call.received_at) == (CALLER, "102", received.received_at)
    assert (call.state, call.lead_id, call.candidate_lead_ids) == ("triage", None, [])
    assert record.key == str(call.call_id).encode()
    assert (record.headers["ce_causationid"], record.headers["ce_source"]) == (envelope.id, "leadline/communications")


async def test_the_same_gateway_event_delivered_twice_registers_one_call(communications: Harness) -> None:
    received = call_received()

    first = await communications.publish(received)
    await communications.publish(received, event_id=first.id)  # Kafka's redelivery: the very same CloudEvent
    await communications.settle()

    assert len(registrations(await communications.published(CALL), received.pbx_call_id)) == 1
    assert await communications.dead_letters(TELEPHONY_CALL) == [], "a redelivery is no fault of the gateway's"


POISON = [pytest.param(case, id=case.name) for case in CASES if case.name in ("not JSON", "missing ce_id")]


@pytest.mark.parametrize("case", POISON)
async def test_a_poison_record_is_dead_lettered_with_its_reason_and_the_next_call_is_registered(
    communications: Harness, case: Case
) -> None:
    poison: CallReceivedV1 = call_received()
    value, headers = case.record(poison)
    good = call_received()

    # Keyed alike, the two share a partition: the good record comes after the poison one.
    await communications.publish_raw(TELEPHONY_CALL, value, headers, key=good.subject.encode())
    await communications.publish(good)

    await communications.published(CALL, until=registered(good.pbx_call_id))
    [dead] = await communications.dead_letters(TELEPHONY_CALL, until=bool)
    assert dead.headers["dlq_error_class"] == case.error_class
    assert case.error_says in dead.headers["dlq_error_message"]
    assert dead.value == value


async def test_two_calls_for_one_pbx_call_in_one_batch_give_one_call(
    communications: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    first = call_received()
    resent = call_received(first.pbx_call_id, caller_number="601-234-567")  # the gateway again, a new ce_id

    await communications.publish_together([first, resent])
    await communications.settle()

    [call] = registrations(await communications.published(CALL), first.pbx_call_id)
    assert call.caller_number == CALLER
    assert await communications.dead_letters(TELEPHONY_CALL) == []
    # Either broker runs the service in this process: its consumer's log says whether it had to split the batch.
    assert "halving" not in caplog.text, "the batch applied as a set, not by isolating a failing record"
