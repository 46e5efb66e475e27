"""Calls and e-mails statistics fed by communication events: arrivals per period, how triage decided them,
and the time from arrival to a person's decision."""

from __future__ import annotations

import uuid
from datetime import timedelta

from leadline.contracts.wire.events import (
    CallIgnoredV1,
    CallReturnedToTriageV1,
    CallUnignoredV1,
    EmailIgnoredV1,
    EmailReturnedToTriageV1,
)
from leadline.contracts.wire.topics import CALL
from leadline.reporting.service.communications import CommunicationStats
from tests.support.builders import AT, call_attached, call_registered, email_attached, email_registered
from tests.support.component.reporting import Reporting, stats

HOUR = timedelta(hours=1)


async def test_arrivals_are_counted_per_period_and_kind_with_how_triage_decided_them(reporting: Reporting) -> None:
    lead_id = uuid.uuid4()
    await reporting.deliver(call_registered(lead_id))  # matched on arrival
    chosen, created, ignored, waiting = (call_registered(None) for _ in range(4))
    for call in (chosen, created, ignored, waiting):
        await reporting.deliver(call)
    await reporting.deliver(call_attached(chosen.call_id, lead_id, attached_at=AT + HOUR))
    await reporting.deliver(call_attached(created.call_id, lead_id, how="lead_created", attached_at=AT + 3 * HOUR))
    await reporting.deliver(CallIgnoredV1(call_id=ignored.call_id, ignored_by="anna", ignored_at=AT + 2 * HOUR))
    email = email_registered(None, sent_at=AT + timedelta(days=1))
    await reporting.deliver(email)
    await reporting.deliver(email_attached(email.email_id, lead_id, attached_at=AT + timedelta(days=1) + HOUR))

    assert await stats(reporting) == [
        CommunicationStats("2026-03-02", "call", 5, 2, 1, 1, 1, 0.4, 0.2, 0.2, 2 * 3600.0, 3, 1),
        CommunicationStats("2026-03-03", "email", 1, 1, 0, 0, 0, 1.0, 0.0, 0.0, 3600.0, 1, 0),
    ]
    assert [s.arrived for s in await stats(reporting, "month")] == [5, 1]
    assert [s.kind for s in await stats(reporting, start=AT + HOUR)] == ["email"]


async def test_attachments_no_person_made_are_neither_decisions_nor_in_decision_times(reporting: Reporting) -> None:
    lead_id = uuid.uuid4()
    chosen, matched = call_registered(None), call_registered(None)
    email, reply = email_registered(None), email_registered(None)
    for registered in (chosen, matched, email, reply):
        await reporting.deliver(registered)
    await reporting.deliver(call_attached(chosen.call_id, lead_id, attached_at=AT + HOUR))
    # A lead with the caller's number appeared a day later; the reply followed its thread once the e-mail was chosen.
    await reporting.deliver(call_attached(matched.call_id, lead_id, how="matched", attached_at=AT + 24 * HOUR))
    await reporting.deliver(email_attached(email.email_id, lead_id, attached_at=AT + 2 * HOUR))
    await reporting.deliver(email_attached(reply.email_id, lead_id, how="thread", attached_at=AT + 30 * HOUR))

    calls, emails = await stats(reporting)
    assert (calls.attached, calls.decided_by_person, calls.attached_automatically) == (2, 1, 1)
    assert calls.average_decision_seconds == 3600.0
    assert (emails.attached, emails.decided_by_person, emails.attached_automatically) == (2, 1, 1)
    assert emails.average_decision_seconds == 2 * 3600.0


async def test_an_ignore_undone_puts_the_item_back_in_triage_and_repeats_change_nothing(reporting: Reporting) -> None:
    call = call_registered(None)
    await reporting.deliver(call)
    ignore = await reporting.deliver(CallIgnoredV1(call_id=call.call_id, ignored_by="anna", ignored_at=AT + HOUR))
    await reporting.deliver(CallUnignoredV1(call_id=call.call_id, unignored_by="anna", unignored_at=AT + 2 * HOUR))
    await reporting.redeliver(ignore, CALL)  # seen before: the inbox drops it
    registered_again = await reporting.deliver(call)  # the same registration under a new id

    [found] = await stats(reporting)
    assert (found.arrived, found.ignored, found.in_triage, found.average_decision_seconds) == (1, 0, 1, None)
    assert registered_again.id != ignore.id


async def test_decisions_about_items_reporting_never_saw_arrive_are_left_out(reporting: Reporting) -> None:
    await reporting.deliver(call_attached(uuid.uuid4(), uuid.uuid4()))
    await reporting.deliver(EmailIgnoredV1(email_id=uuid.uuid4(), ignored_by="anna", ignored_at=AT))

    assert await stats(reporting) == []


async def test_an_item_back_in_triage_is_undecided_again(reporting: Reporting) -> None:
    lead_id = uuid.uuid4()
    call, email = call_registered(None), email_registered(None)
    await reporting.deliver(call)
    await reporting.deliver(email)
    await reporting.deliver(call_attached(call.call_id, lead_id, attached_at=AT + HOUR))
    await reporting.deliver(email_attached(email.email_id, lead_id, attached_at=AT + HOUR))

    returned = {"lead_id": lead_id, "reason": "lead_deleted", "detail": "-", "returned_by": "leadline/communications"}
    await reporting.deliver(CallReturnedToTriageV1(call_id=call.call_id, returned_at=AT + 2 * HOUR, **returned))
    await reporting.deliver(EmailReturnedToTriageV1(email_id=email.email_id, returned_at=AT + 2 * HOUR, **returned))

    assert [(s.kind, s.arrived, s.attached, s.in_triage, s.decided_by_person) for s in await stats(reporting)] == [
        ("call", 1, 0, 1, 0),
        ("email", 1, 0, 1, 0),
    ]
