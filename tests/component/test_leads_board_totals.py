"""The kanban totals kept by triggers (adapters/board_totals.py) when leads come from Kafka: a batch of lead
requests, and one with a record that fails after its lead is written, tried again in halves until that
record is alone: what the failed attempts wrote is undone with them, so every lead counts once."""

from __future__ import annotations

from typing import Any

import pytest

from leadline.contracts.platform.backoff import Backoff
from leadline.contracts.platform.messaging.consumer import RetryPolicy
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import Event
from leadline.contracts.wire.topics import CALL, EMAIL
from leadline.leads.service import use_cases
from tests.support.board_totals import counted_afresh, kept
from tests.support.builders import email_lead_requested, lead_requested
from tests.support.component.leads import Leads, number_of_leads


def wrapped(event: Event) -> Envelope:
    return Envelope.wrap(event, source="leadline/communications")


async def assert_totals_are_exact(leads: Leads) -> None:
    for _ in range(2):  # with the changes pending, then folded in
        async with leads.runtime.sessions() as session:
            for type_code in (None, "sale", "service"):
                assert await kept(session, type_code) == await counted_afresh(session, type_code)
        async with leads.runtime.unit_of_work() as uow:
            await uow.board_totals.fold()
            await uow.commit()


async def test_leads_created_from_a_batch_of_requests_are_counted_once(leads: Leads) -> None:
    calls = [(wrapped(lead_requested(phone=f"+4860123450{n}")), CALL) for n in range(6)]
    emails = [(wrapped(email_lead_requested()), EMAIL) for _ in range(4)]

    await leads.deliver_batch([*calls, *emails])
    await leads.deliver_batch(calls[:1])  # delivered again: the inbox drops it

    assert await number_of_leads(leads) == 10
    async with leads.runtime.sessions() as session:
        assert (await kept(session, None))["new"][0] == 10
    await assert_totals_are_exact(leads)


async def test_a_poison_request_in_a_batch_leaves_no_count_behind(
    leads: Leads, monkeypatch: pytest.MonkeyPatch
) -> None:
    [consumer] = leads.runtime.consumers
    no_wait = Backoff(first_seconds=0.0, max_seconds=0.0)
    monkeypatch.setattr(consumer, "_retry", RetryPolicy(attempts=2, backoff=no_wait))
    requests = [lead_requested(phone=f"+4860123451{n}") for n in range(8)]
    poison = requests[5]
    create_lead_on_request = use_cases.create_lead_on_request

    async def failing_once_the_lead_is_written(*args: Any, **kwargs: Any) -> None:
        await create_lead_on_request(*args, **kwargs)
        if args[1].lead_id == poison.lead_id:
            raise ValueError("a bug that strikes after the lead and its count are written")

    monkeypatch.setattr(use_cases, "create_lead_on_request", failing_once_the_lead_is_written)

    await leads.deliver_batch([(wrapped(request), CALL) for request in requests])

    [dead] = leads.dead_letters(CALL)
    assert dead.envelope().open() == poison
    assert await number_of_leads(leads) == 7
    async with leads.runtime.sessions() as session:
        assert (await kept(session, None))["new"][0] == 7
    await assert_totals_are_exact(leads)
