"""Communications' intake takes a gateway's batch as a set: what applying its events one by one would do, in order,
with retries inside the batch having one effect and a poison record costing only itself."""

from __future__ import annotations

import pytest

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.domain import model
from leadline.contracts.wire.events import CallRegisteredV1
from leadline.contracts.wire.topics import TELEPHONY_CALL
from tests.support.builders import CALLER, call_received, lead_created, status_changed
from tests.support.component.calls import call_by_pbx_id, gateway, number_of_calls, registrations
from tests.support.component.service_under_test import ServiceUnderTest

Communications = ServiceUnderTest[CommunicationsUnitOfWork]


async def test_a_batch_of_calls_registers_each_once_whatever_the_gateway_repeated(
    communications: Communications, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = call_received("pbx-1"), call_received("pbx-2", caller_number="+48 602 000 000")
    sent_twice = gateway(first)
    retried_with_a_new_id = gateway(call_received("pbx-1"))
    batch = [sent_twice, gateway(second), sent_twice, retried_with_a_new_id]

    await communications.deliver_batch(batch)

    assert await number_of_calls(communications) == 2
    assert "halving" not in caplog.text, "the batch applied as a set, not by isolating a failing record"
    assert sorted(r.pbx_call_id for r in await registrations(communications)) == ["pbx-1", "pbx-2"]
    # A call stored by an earlier batch is found again by a later one.
    await communications.deliver_batch([gateway(call_received("pbx-2")), gateway(call_received("pbx-3"))])
    assert sorted(r.pbx_call_id for r in await registrations(communications)) == ["pbx-1", "pbx-2", "pbx-3"]


async def test_events_of_one_batch_apply_in_order_across_topics(communications: Communications) -> None:
    """A lead learnt earlier in the batch matches a call later in it; one closed later in it no longer does."""
    lead = lead_created(phone=CALLER)
    other = lead_created(phone="+48602000000")
    batch = [
        gateway(lead),
        gateway(call_received("after-lead")),
        gateway(other),
        gateway(status_changed(other.lead_id, "new", "won", closed=True)),
        gateway(lead_created(phone="+48602000000")),
        gateway(call_received("after-second-lead", caller_number="+48602000000")),
    ]

    await communications.deliver_batch(batch)

    assert (await call_by_pbx_id(communications, "after-lead")).lead_id == lead.lead_id
    # The other number's first lead closed before its second was created: the open one takes the call.
    later = await call_by_pbx_id(communications, "after-second-lead")
    assert later.state == "attached"
    assert later.lead_id not in (None, other.lead_id)


async def test_a_poison_call_in_the_middle_of_a_batch_is_dead_lettered_alone(
    communications: Communications, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_match = model.match_call

    def failing_for_one_number(caller_number: str, known: object) -> model.Match:
        if caller_number == "+48609999999":
            raise ValueError("a bug that only this call meets")
        return real_match(caller_number, known)  # type: ignore[arg-type]

    monkeypatch.setattr("leadline.communications.service.calls.match_call", failing_for_one_number)
    calls = [call_received(f"pbx-{n}") for n in range(20)]
    calls[11] = call_received("pbx-poison", caller_number="+48609999999")

    await communications.deliver_batch([gateway(call) for call in calls])

    [dead] = communications.dead_letters(TELEPHONY_CALL)
    assert dead.envelope().open() == calls[11]
    assert dead.headers["dlq_error_message"] == "a bug that only this call meets"
    registered = await registrations(communications)
    assert sorted(r.pbx_call_id for r in registered) == sorted(c.pbx_call_id for c in calls if c is not calls[11])
    assert all(isinstance(r, CallRegisteredV1) for r in registered)
