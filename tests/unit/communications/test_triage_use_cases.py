"""What people decide in triage, and what lead events decide, on an in-memory unit of work: the item as stored after
each decision and the event announcing it (tests/component/test_communications*.py run the same service on SQLite)."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from leadline.communications.domain.model import Call, KnownLead
from leadline.communications.service import lead_reactions, triage
from leadline.communications.service.commands import Attach, RequestLead
from leadline.contracts.platform.errors import Conflict, Forbidden, NotFound
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAttachedV1,
    CallIgnoredV1,
    CallLeadRequestedV1,
    CallReturnedToTriageV1,
    CallUnignoredV1,
    EmailIgnoredV1,
    Event,
)
from tests.support.builders import AT, CALLER, lead_created, lead_deleted, lead_request_refused, leads_merged
from tests.support.fake_communications import FakeUnitOfWork
from tests.support.unit.communications import ANNA, MARTA, PIOTR, a_call, an_email


def delivered(event: Event) -> Envelope:
    return Envelope.wrap(event, source="leadline/leads")


async def stored_call(uow: FakeUnitOfWork, call: Call | None = None) -> Call:
    call = call or a_call()
    await uow.calls.add(call)
    return call


async def known_lead(uow: FakeUnitOfWork, phone: str | None = "+48700100200") -> uuid.UUID:
    lead = KnownLead(uuid.uuid4(), phone=phone, closed=False, created_at=AT)
    await uow.known_leads.put_all([lead])
    return lead.lead_id


# Attaching to a lead a person chose


async def test_a_call_attached_to_a_known_lead_is_stored_so_and_announced_as_chosen() -> None:
    uow = FakeUnitOfWork()
    call = await stored_call(uow)
    lead_id = await known_lead(uow)

    await triage.attach(uow, uow.calls, Attach(call.id, lead_id), ANNA)

    stored = uow.calls.by_id[call.id]
    assert (stored.state, stored.lead_id, stored.decided_by, stored.version) == ("attached", lead_id, "anna", 2)
    [event] = uow.announced()
    assert isinstance(event, CallAttachedV1)
    assert (event.call_id, event.lead_id, event.how, event.attached_by) == (call.id, lead_id, "chosen", "anna")


async def test_a_call_is_not_attached_to_a_lead_this_service_does_not_know() -> None:
    uow = FakeUnitOfWork()
    call = await stored_call(uow)

    with pytest.raises(NotFound):
        await triage.attach(uow, uow.calls, Attach(call.id, uuid.uuid4()), ANNA)

    assert uow.calls.by_id[call.id] == call
    assert uow.announced() == []


async def test_a_call_is_not_attached_to_a_deleted_lead() -> None:
    uow = FakeUnitOfWork()
    call = await stored_call(uow)
    lead_id = await known_lead(uow)
    await lead_reactions.lead_deleted(uow, lead_deleted(lead_id), delivered(lead_deleted(lead_id)))

    with pytest.raises(NotFound):
        await triage.attach(uow, uow.calls, Attach(call.id, lead_id), ANNA)

    assert uow.calls.by_id[call.id].state == "triage"


async def test_a_salesperson_decides_only_about_their_own_extensions_calls_and_a_manager_about_all() -> None:
    uow = FakeUnitOfWork()
    call = await stored_call(uow, a_call(extension="101"))

    with pytest.raises(Forbidden):
        await triage.ignore(uow, uow.calls, call.id, PIOTR)
    await triage.ignore(uow, uow.calls, call.id, MARTA)

    assert uow.calls.by_id[call.id].decided_by == "marta"


async def test_a_salesperson_decides_about_the_emails_addressed_to_their_address_in_the_directory() -> None:
    uow = FakeUnitOfWork()
    email = an_email(to="anna.nowak@leadline.example")
    await uow.emails.add(email)
    await uow.directory.put("anna", "Anna.Nowak@leadline.example", archived=False)

    with pytest.raises(Forbidden):
        await triage.ignore(uow, uow.emails, email.id, PIOTR)
    await triage.ignore(uow, uow.emails, email.id, ANNA)

    assert uow.emails.by_id[email.id].state == "ignored"
    assert [type(event) for event in uow.announced()] == [EmailIgnoredV1]


# Ignoring, and undoing it


async def test_an_ignored_call_leaves_triage_and_comes_back_when_undone() -> None:
    uow = FakeUnitOfWork()
    call = await stored_call(uow)

    await triage.ignore(uow, uow.calls, call.id, ANNA)
    assert uow.calls.by_id[call.id].state == "ignored"
    await triage.unignore(uow, uow.calls, call.id, ANNA)

    stored = uow.calls.by_id[call.id]
    assert (stored.state, stored.decided_by, stored.version) == ("triage", None, 3)
    ignored, unignored = uow.announced()
    assert isinstance(ignored, CallIgnoredV1)
    assert isinstance(unignored, CallUnignoredV1)
    assert (ignored.call_id, unignored.call_id, unignored.unignored_by) == (call.id, call.id, "anna")


async def test_a_call_decided_already_is_not_ignored() -> None:
    uow = FakeUnitOfWork()
    call = await stored_call(uow, replace(a_call(state="attached"), lead_id=uuid.uuid4()))

    with pytest.raises(Conflict):
        await triage.ignore(uow, uow.calls, call.id, ANNA)

    assert uow.announced() == []


# Asking the leads service for a lead, and what it answers


async def test_a_lead_requested_from_a_call_is_asked_for_with_its_id_chosen_here() -> None:
    uow = FakeUnitOfWork()
    call = await stored_call(uow)

    requested = await triage.request_lead_from_call(uow, RequestLead(call.id, None), ANNA)

    stored = uow.calls.by_id[call.id]
    assert (stored.state, stored.lead_id) == ("lead_requested", requested.lead_id)
    [event] = uow.announced()
    assert isinstance(event, CallLeadRequestedV1)
    assert (event.call_id, event.lead_id, event.phone, event.name) == (
        call.id,
        requested.lead_id,
        CALLER,
        f"Call from {CALLER}",
    )


async def test_the_lead_made_from_a_call_takes_it_as_created_from_it() -> None:
    uow = FakeUnitOfWork()
    call = await stored_call(uow)
    requested = await triage.request_lead_from_call(uow, RequestLead(call.id, "Fit-out"), ANNA)
    assert requested.lead_id is not None
    created = lead_created(requested.lead_id, phone=None, email=None)
    envelope = delivered(created)

    await lead_reactions.remember_leads(uow, [(created, envelope)])

    stored = uow.calls.by_id[call.id]
    assert (stored.state, stored.lead_id, stored.decided_by) == ("attached", requested.lead_id, "anna")
    attached = uow.announced()[-1]
    assert isinstance(attached, CallAttachedV1)
    assert attached.how == "lead_created"
    assert uow.outbox.events[-1][1] == envelope


async def test_a_refused_lead_request_puts_the_call_back_in_triage_with_the_reason() -> None:
    uow = FakeUnitOfWork()
    call = await stored_call(uow)
    requested = await triage.request_lead_from_call(uow, RequestLead(call.id, None), ANNA)
    assert requested.lead_id is not None
    refused = lead_request_refused(requested.lead_id, call.id)

    await lead_reactions.lead_request_refused(uow, refused, delivered(refused))

    stored = uow.calls.by_id[call.id]
    assert stored.state == "triage"
    assert stored.returned is not None
    assert (stored.returned.reason, stored.returned.lead_id) == ("lead_request_refused", requested.lead_id)
    returned = uow.announced()[-1]
    assert isinstance(returned, CallReturnedToTriageV1)
    assert returned.reason == "lead_request_refused"


# Leads appearing, merging and going


async def test_a_new_lead_with_a_waiting_calls_number_takes_it_when_it_has_no_candidates() -> None:
    uow = FakeUnitOfWork()
    waiting = await stored_call(uow)
    undecided = await stored_call(uow, replace(a_call(), candidate_lead_ids=(uuid.uuid4(), uuid.uuid4())))
    created = lead_created(phone=CALLER)

    await lead_reactions.remember_leads(uow, [(created, delivered(created))])

    assert (uow.calls.by_id[waiting.id].state, uow.calls.by_id[waiting.id].lead_id) == ("attached", created.lead_id)
    assert uow.calls.by_id[undecided.id] == undecided
    [event] = uow.announced()
    assert isinstance(event, CallAttachedV1)
    assert (event.call_id, event.how) == (waiting.id, "matched")


async def test_calls_follow_a_merged_lead_to_its_survivor() -> None:
    uow = FakeUnitOfWork()
    merged, survivor = await known_lead(uow), await known_lead(uow)
    call = await stored_call(uow, replace(a_call(state="attached"), lead_id=merged))
    event = leads_merged(survivor, merged)

    await lead_reactions.lead_merged(uow, event, delivered(event))

    assert uow.calls.by_id[call.id].lead_id == survivor
    assert await uow.known_leads.get(merged) is None


async def test_the_calls_of_a_deleted_lead_come_back_to_triage_announced() -> None:
    uow = FakeUnitOfWork()
    lead_id = await known_lead(uow)
    call = await stored_call(uow, replace(a_call(state="attached"), lead_id=lead_id))
    candidate = await stored_call(uow, replace(a_call(), candidate_lead_ids=(lead_id, uuid.uuid4())))
    deleted = lead_deleted(lead_id)

    await lead_reactions.lead_deleted(uow, deleted, delivered(deleted))

    returned = uow.calls.by_id[call.id]
    assert (returned.state, returned.lead_id) == ("triage", None)
    assert lead_id not in uow.calls.by_id[candidate.id].candidate_lead_ids
    [event] = uow.announced()
    assert isinstance(event, CallReturnedToTriageV1)
    assert (event.call_id, event.lead_id, event.reason) == (call.id, lead_id, "lead_deleted")
