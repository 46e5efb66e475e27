"""Communications takes a PBX's lifecycle reports in any order, as batches or one by one: one call per PBX call id,
its own events once each, outbound calls matched by the number called, missed calls returned by a call back — and
a batch costs a few queries, however many calls it holds."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAnsweredV1,
    CallCallbackClearedV1,
    CallEndedV1,
    CallRecordingAvailableV1,
    CallRegisteredV1,
    Event,
    PbxCallAnsweredV1,
    PbxCallEndedV1,
    PbxCallRingingV1,
    PbxRecordingAvailableV1,
)
from leadline.contracts.wire.topics import Topic
from tests.support.builders import CALLER, lead_created
from tests.support.component.calls import call_by_pbx_id, number_of_calls
from tests.support.component.service_under_test import ServiceUnderTest

Communications = ServiceUnderTest[CommunicationsUnitOfWork]
AT = datetime(2026, 11, 24, 9, 12, tzinfo=UTC)
COMPANY = "+48221234567"


def ringing(pbx_call_id: str, **changes: Any) -> PbxCallRingingV1:
    fields: dict[str, Any] = {
        "pbx_call_id": pbx_call_id,
        "direction": "inbound",
        "caller_number": "601 234 567",
        "called_number": COMPANY,
        "extension": None,
        "started_at": AT,
    }
    return PbxCallRingingV1.model_validate({**fields, **changes})


def ended(pbx_call_id: str, disposition: str = "answered", **changes: Any) -> PbxCallEndedV1:
    fields: dict[str, Any] = {
        "pbx_call_id": pbx_call_id,
        "direction": "inbound",
        "caller_number": "601 234 567",
        "called_number": COMPANY,
        "extension": "101",
        "started_at": AT,
        "ended_at": AT + timedelta(minutes=2),
        "duration_seconds": 100 if disposition == "answered" else 0,
        "disposition": disposition,
    }
    return PbxCallEndedV1.model_validate({**fields, **changes})


def answered(pbx_call_id: str) -> PbxCallAnsweredV1:
    return PbxCallAnsweredV1(pbx_call_id=pbx_call_id, extension="101", answered_at=AT + timedelta(seconds=9))


def recording(pbx_call_id: str) -> PbxRecordingAvailableV1:
    return PbxRecordingAvailableV1(
        pbx_call_id=pbx_call_id, recording_url="https://pbx.example/rec/1.mp3", available_at=AT + timedelta(minutes=3)
    )


def gateway(report: Event) -> tuple[Envelope, Topic]:
    return Envelope.wrap(report, source="pbx-test"), report.topic


async def announced(service: Communications, kind: type[Event]) -> list[Any]:
    return [row.event for row in await service.outbox() if isinstance(row.event, kind)]


async def test_a_lifecycle_reported_backwards_and_twice_gives_one_call_announced_once(
    communications: Communications,
) -> None:
    reports = [recording("pbx-1"), ended("pbx-1"), answered("pbx-1"), ringing("pbx-1", extension="101")]
    # The recording comes alone, before anything said who calls whom; the rest in one batch, backwards and twice.
    await communications.deliver(reports[0])
    assert await number_of_calls(communications) == 0
    await communications.deliver_batch([gateway(r) for r in reports[1:] + reports])

    call = await call_by_pbx_id(communications, "pbx-1")
    assert (call.phase, call.disposition, call.duration_seconds, call.answered_by) == ("ended", "answered", 100, "101")
    assert (call.recording_url, call.contact_number, call.callback_state) == (
        "https://pbx.example/rec/1.mp3",
        CALLER,
        None,
    )
    assert await number_of_calls(communications) == 1
    [registered] = await announced(communications, CallRegisteredV1)
    [ended_event] = await announced(communications, CallEndedV1)
    [recorded] = await announced(communications, CallRecordingAvailableV1)
    [answer] = await announced(communications, CallAnsweredV1)  # its time known only from the late answer report
    assert registered.call_id == ended_event.call_id == recorded.call_id == answer.call_id == call.id
    assert (ended_event.call.disposition, ended_event.awaits_callback) == ("answered", False)
    assert recorded.call.recording_url == "https://pbx.example/rec/1.mp3"
    kinds = [type(row.event) for row in await communications.outbox()]
    assert kinds.index(CallRegisteredV1) < kinds.index(CallEndedV1), "a call is announced before its end"


async def test_an_outbound_call_is_matched_by_the_number_called(communications: Communications) -> None:
    lead = lead_created(phone=CALLER)
    await communications.deliver(lead)

    await communications.deliver(
        ringing("out-1", direction="outbound", caller_number="101", called_number="601234567", extension="101")
    )

    call = await call_by_pbx_id(communications, "out-1")
    assert (call.direction, call.contact_number, call.state, call.lead_id) == (
        "outbound",
        CALLER,
        "attached",
        lead.lead_id,
    )


@pytest.mark.parametrize("call_back_first", [False, True], ids=["missed, then called back", "reported the other way"])
async def test_an_answered_call_back_returns_the_missed_call(
    communications: Communications, call_back_first: bool
) -> None:
    missed = [ringing("in-1"), ended("in-1", "missed", extension=None)]
    later = AT + timedelta(minutes=30)
    call_back = [
        ringing("out-1", direction="outbound", caller_number="101", called_number=CALLER, started_at=later),
        ended(
            "out-1",
            direction="outbound",
            caller_number="101",
            called_number=CALLER,
            started_at=later,
            ended_at=later + timedelta(minutes=3),
        ),
    ]
    unanswered = ended(
        "out-0",
        "no-answer",
        direction="outbound",
        caller_number="101",
        called_number=CALLER,
        started_at=AT + timedelta(minutes=10),
    )

    for report in [unanswered, *call_back, *missed] if call_back_first else [*missed, unanswered, *call_back]:
        await communications.deliver(report)

    returned = await call_by_pbx_id(communications, "in-1")
    by = await call_by_pbx_id(communications, "out-1")
    assert (returned.callback_state, returned.callback_call_id, returned.callback_at) == ("called_back", by.id, later)
    [cleared] = await announced(communications, CallCallbackClearedV1)
    assert (cleared.call_id, cleared.how, cleared.callback_call_id, cleared.cleared_at) == (
        returned.id,
        "called_back",
        by.id,
        later,
    )
    [missed_end] = [e for e in await announced(communications, CallEndedV1) if e.call_id == returned.id]
    assert missed_end.awaits_callback


@contextlib.contextmanager
def statements_counted(service: Communications) -> Iterator[list[str]]:
    executed: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            executed.append(statement)

    engine = service.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield executed
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_batch_costs_the_same_few_statements_however_many_calls_it_holds(
    communications: Communications,
) -> None:
    async def statements_for(calls: int) -> int:
        batch = []
        for _ in range(calls):
            pbx_call_id = uuid.uuid4().hex
            batch += [gateway(ringing(pbx_call_id)), gateway(ended(pbx_call_id, "missed", extension=None))]
        with statements_counted(communications) as executed:
            await communications.deliver_batch(batch)
        return len(executed)

    assert await statements_for(1) == await statements_for(40)
