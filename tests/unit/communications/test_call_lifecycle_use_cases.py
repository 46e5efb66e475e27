"""Intake of a call's lifecycle on an in-memory unit of work: a PBX's ringing, answered and ended reports become one
call per PBX call id, whatever order and however often they come, each step announced once; a missed call waits for
a call back until an answered call to its number returns it (tests/component/test_communications*.py run the same
service on SQLite)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from leadline.communications.domain.model import KnownLead
from leadline.communications.service import lifecycle
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAnsweredV1,
    CallCallbackClearedV1,
    CallEndedV1,
    CallRegisteredV1,
    Event,
)
from leadline.contracts.wire.events.gateway import (
    Direction,
    Disposition,
    PbxCallAnsweredV1,
    PbxCallEndedV1,
    PbxCallRingingV1,
    PbxReport,
)
from tests.support.builders import AT, CALLER
from tests.support.fake_communications import FakeUnitOfWork

COMPANY = "+48713000000"


def ringing(pbx_call_id: str, *, direction: Direction = "inbound", minutes: int = 0) -> PbxCallRingingV1:
    caller, called = (CALLER, COMPANY) if direction == "inbound" else (COMPANY, CALLER)
    return PbxCallRingingV1(
        pbx_call_id=pbx_call_id,
        direction=direction,
        caller_number=caller,
        called_number=called,
        extension="101",
        started_at=AT + timedelta(minutes=minutes),
    )


def answered(pbx_call_id: str, *, minutes: int = 0) -> PbxCallAnsweredV1:
    return PbxCallAnsweredV1(pbx_call_id=pbx_call_id, extension="101", answered_at=AT + timedelta(minutes=minutes))


def ended(
    pbx_call_id: str, disposition: Disposition, *, direction: Direction = "inbound", minutes: int = 0
) -> PbxCallEndedV1:
    caller, called = (CALLER, COMPANY) if direction == "inbound" else (COMPANY, CALLER)
    return PbxCallEndedV1(
        pbx_call_id=pbx_call_id,
        direction=direction,
        caller_number=caller,
        called_number=called,
        extension="101",
        started_at=AT + timedelta(minutes=minutes),
        ended_at=AT + timedelta(minutes=minutes + 1),
        duration_seconds=60 if disposition == "answered" else 0,
        disposition=disposition,
    )


async def take_in(uow: FakeUnitOfWork, *reports: PbxReport) -> list[Event]:
    """What the batch announced."""
    before = len(uow.outbox.events)
    received = [(report, Envelope.wrap(report, source="leadline/gateway")) for report in reports]
    await lifecycle.take_in_reports(uow, received, phone_region="PL")
    return uow.announced()[before:]


async def test_a_calls_lifecycle_makes_one_call_matched_to_its_lead_each_step_announced_once() -> None:
    uow = FakeUnitOfWork()
    lead = KnownLead(lead_id=uuid.uuid4(), phone=CALLER, closed=False, created_at=AT)
    await uow.known_leads.put_all([lead])

    first = await take_in(uow, ringing("pbx-1"), answered("pbx-1"), ended("pbx-1", "answered"))
    again = await take_in(uow, answered("pbx-1"), ended("pbx-1", "answered"))

    [call] = uow.calls.by_id.values()
    assert (call.pbx_call_id, call.lead_id, call.phase, call.disposition) == (
        "pbx-1",
        lead.lead_id,
        "ended",
        "answered",
    )
    assert [type(event).__name__ for event in first] == ["CallRegisteredV1", "CallAnsweredV1", "CallEndedV1"]
    assert again == []


async def test_a_report_that_came_before_its_call_was_known_waits_and_joins_it() -> None:
    uow = FakeUnitOfWork()

    kept = await take_in(uow, answered("pbx-1"))
    assert (kept, uow.calls.by_id, len(uow.early_call_events.reports)) == ([], {}, 1)
    joined = await take_in(uow, ringing("pbx-1"))

    [call] = uow.calls.by_id.values()
    assert call.phase == "answered"
    assert uow.early_call_events.reports == []
    registered, answered_event = joined
    assert isinstance(registered, CallRegisteredV1)
    assert isinstance(answered_event, CallAnsweredV1)
    assert answered_event.call_id == call.id


async def test_a_missed_call_waits_for_a_call_back_until_an_answered_call_to_its_number() -> None:
    uow = FakeUnitOfWork()
    [missed_event] = [e for e in await take_in(uow, ended("pbx-1", "missed")) if isinstance(e, CallEndedV1)]
    assert missed_event.awaits_callback
    [missed] = uow.calls.by_id.values()

    announced = await take_in(uow, ended("pbx-2", "answered", direction="outbound", minutes=30))

    stored = uow.calls.by_id[missed.id]
    call_back = next(call for call in uow.calls.by_id.values() if call.pbx_call_id == "pbx-2")
    assert (stored.callback_state, stored.callback_call_id) == ("called_back", call_back.id)
    assert stored.version == missed.version  # a call back is the PBX's doing, not a decision
    [cleared] = [event for event in announced if isinstance(event, CallCallbackClearedV1)]
    assert (cleared.call_id, cleared.how, cleared.callback_call_id) == (missed.id, "called_back", call_back.id)


async def test_an_answered_call_before_the_missed_one_does_not_return_it() -> None:
    uow = FakeUnitOfWork()
    await take_in(uow, ended("pbx-1", "answered", direction="outbound"))

    announced = await take_in(uow, ended("pbx-2", "missed", minutes=30))

    [missed] = [call for call in uow.calls.by_id.values() if call.pbx_call_id == "pbx-2"]
    assert missed.callback_state == "waiting"
    assert not [event for event in announced if isinstance(event, CallCallbackClearedV1)]


async def test_a_call_back_reported_before_the_missed_call_it_returns_clears_it_all_the_same() -> None:
    uow = FakeUnitOfWork()
    await take_in(uow, ended("pbx-2", "answered", direction="outbound", minutes=30))

    announced = await take_in(uow, ended("pbx-1", "missed"))

    [missed] = [call for call in uow.calls.by_id.values() if call.pbx_call_id == "pbx-1"]
    assert missed.callback_state == "called_back"
    assert [event.call_id for event in announced if isinstance(event, CallCallbackClearedV1)] == [missed.id]


async def test_a_call_rung_in_one_batch_and_ended_in_a_later_one_is_stored_ended() -> None:
    uow = FakeUnitOfWork()
    await take_in(uow, ringing("pbx-1"))

    announced = await take_in(uow, ended("pbx-1", "answered"))

    [call] = uow.calls.by_id.values()
    assert (call.phase, call.disposition, call.duration_seconds) == ("ended", "answered", 60)
    [event] = announced
    assert isinstance(event, CallEndedV1)
    assert (event.call_id, event.awaits_callback) == (call.id, False)
