"""Correcting a call's lead, clearing missed calls and click-to-call on an in-memory unit of work: the call as stored
and the event announcing it, and what is refused with nothing written (tests/component/test_communications*.py run
the same service on SQLite)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from leadline.communications.domain.directory import Employee
from leadline.communications.domain.model import Call, KnownLead
from leadline.communications.service import telephony
from leadline.contracts.platform.errors import Conflict, Forbidden, NotFound
from leadline.contracts.wire.events import CallCallbackClearedV1, CallDetachedV1, CallMovedV1
from tests.support.builders import AT
from tests.support.fake_communications import FakeUnitOfWork
from tests.support.unit.communications import ANNA, MARTA, PIOTR, RECEIVED, a_call


async def a_lead_of(uow: FakeUnitOfWork, salesperson_id: str | None, phone: str | None = None) -> uuid.UUID:
    lead = KnownLead(uuid.uuid4(), phone=phone, closed=False, created_at=AT, salesperson_id=salesperson_id)
    await uow.known_leads.put_all([lead])
    return lead.lead_id


async def attached_call(uow: FakeUnitOfWork, lead_id: uuid.UUID) -> Call:
    call = replace(a_call(state="attached"), lead_id=lead_id, phase="ended", disposition="answered")
    await uow.calls.add(call)
    return call


async def missed_call(uow: FakeUnitOfWork, *, extension: str | None = "101", minutes_later: int = 0) -> Call:
    call = replace(
        a_call(extension=extension),
        received_at=RECEIVED + timedelta(minutes=minutes_later),
        disposition="missed",
        callback_state="waiting",
    )
    await uow.calls.add(call)
    return call


# Correcting the lead a call is attached to


async def test_a_detached_call_is_back_in_triage_and_announced() -> None:
    uow = FakeUnitOfWork()
    lead_id = await a_lead_of(uow, "anna")
    call = await attached_call(uow, lead_id)

    await telephony.detach(uow, call.id, ANNA)

    stored = uow.calls.by_id[call.id]
    assert (stored.state, stored.lead_id, stored.version) == ("triage", None, 2)
    [event] = uow.announced()
    assert isinstance(event, CallDetachedV1)
    assert (event.call_id, event.lead_id, event.detached_by) == (call.id, lead_id, "anna")


async def test_a_moved_call_is_attached_to_the_right_lead_and_announced_with_both() -> None:
    uow = FakeUnitOfWork()
    wrong, right = await a_lead_of(uow, "anna"), await a_lead_of(uow, "piotr")
    call = await attached_call(uow, wrong)

    await telephony.move(uow, call.id, right, ANNA)

    assert uow.calls.by_id[call.id].lead_id == right
    [event] = uow.announced()
    assert isinstance(event, CallMovedV1)
    assert (event.from_lead_id, event.lead_id, event.call.disposition if event.call else None) == (
        wrong,
        right,
        "answered",
    )


async def test_a_call_is_not_moved_to_a_lead_this_service_does_not_know() -> None:
    uow = FakeUnitOfWork()
    call = await attached_call(uow, await a_lead_of(uow, "anna"))

    with pytest.raises(NotFound):
        await telephony.move(uow, call.id, uuid.uuid4(), ANNA)

    assert (uow.calls.by_id[call.id], uow.announced()) == (call, [])


async def test_only_the_leads_salesperson_or_a_manager_corrects_its_calls() -> None:
    uow = FakeUnitOfWork()
    call = await attached_call(uow, await a_lead_of(uow, "anna"))

    with pytest.raises(Forbidden):
        await telephony.detach(uow, call.id, PIOTR)
    await telephony.detach(uow, call.id, MARTA)

    assert uow.calls.by_id[call.id].state == "triage"


# Missed calls waiting for a call back


async def test_a_missed_call_marked_done_leaves_the_list_announced() -> None:
    uow = FakeUnitOfWork()
    call = await missed_call(uow)

    await telephony.mark_called_back(uow, call.id, ANNA)

    stored = uow.calls.by_id[call.id]
    assert (stored.callback_state, stored.callback_by) == ("marked_done", "anna")
    assert await telephony.missed_calls(uow, ANNA, salesperson=None, limit=10, cursor=None) == ([], None)
    [event] = uow.announced()
    assert isinstance(event, CallCallbackClearedV1)
    assert (event.call_id, event.how, event.missed_at) == (call.id, "marked_done", RECEIVED)


async def test_a_missed_call_cleared_already_is_not_cleared_again() -> None:
    uow = FakeUnitOfWork()
    call = await missed_call(uow)
    await telephony.mark_called_back(uow, call.id, ANNA)

    with pytest.raises(Conflict):
        await telephony.mark_called_back(uow, call.id, MARTA)

    assert uow.calls.by_id[call.id].callback_by == "anna"
    assert len(uow.announced()) == 1


async def test_a_salesperson_sees_their_extensions_missed_calls_and_those_of_none_oldest_first() -> None:
    uow = FakeUnitOfWork()
    later_own = await missed_call(uow, extension="101", minutes_later=5)
    queue = await missed_call(uow, extension=None)
    await missed_call(uow, extension="102")

    page = await telephony.missed_calls(uow, ANNA, salesperson=None, limit=10, cursor=None)

    assert page == ([queue, later_own], None)


async def test_a_manager_sees_one_salespersons_missed_calls_by_the_extension_the_directory_gives_them() -> None:
    uow = FakeUnitOfWork()
    await missed_call(uow, extension="101")
    piotrs = await missed_call(uow, extension="107")
    await uow.employees.put_all([Employee("piotr", "107", archived=False)])  # the token says 102

    calls, _ = await telephony.missed_calls(uow, MARTA, salesperson="piotr", limit=10, cursor=None)

    assert [call.id for call in calls] == [piotrs.id]


# Click-to-call


async def test_calling_a_lead_asks_the_gateway_to_ring_the_users_extension_then_the_leads_phone() -> None:
    uow = FakeUnitOfWork()
    lead_id = await a_lead_of(uow, "anna", phone="+48601234567")

    requested = await telephony.request_dial(uow, telephony.Dial(lead_id=lead_id), ANNA, phone_region="PL")

    assert (requested.extension, requested.number, requested.lead_id) == ("101", "+48601234567", lead_id)
    assert uow.announced() == [requested]
