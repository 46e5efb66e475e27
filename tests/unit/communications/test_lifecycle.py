"""A call's lifecycle merged from a PBX's reports, whatever order they come in, and the missed calls a call back
returns."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from leadline.communications.domain.lifecycle import (
    Answered,
    CallReport,
    Ended,
    Parties,
    Rang,
    Recorded,
    called_back,
    calls_back,
    is_call_back,
    marked_done,
    merged,
    parties_of,
    progress,
)
from leadline.communications.domain.model import Call, Disposition
from leadline.contracts.platform.errors import Conflict

AT = datetime(2026, 11, 24, 9, 12, tzinfo=UTC)
CUSTOMER, COMPANY = "+48601234567", "+48221234567"
CALL_ID = uuid.uuid4()


def ringing(extension: str | None = None, *, after: int = 0) -> Rang:
    return Rang(Parties("inbound", CUSTOMER, COMPANY, extension, started_at=AT + timedelta(seconds=after)))


def answered(extension: str) -> Answered:
    return Answered(extension, answered_at=AT + timedelta(seconds=8), parties=None)


def ended(disposition: Disposition = "answered", extension: str | None = "101", duration: int = 60) -> Ended:
    return Ended(
        Parties("inbound", CUSTOMER, COMPANY, extension, started_at=AT),
        rang_at=AT,
        ended_at=AT + timedelta(seconds=70),
        duration_seconds=duration,
        disposition=disposition,
    )


RECORDING = Recorded(recording_url=None, recording_id="rec-1")


def played(reports: Sequence[CallReport]) -> Call:
    """The reports as intake applies them: the first that names the parties registers the call, what came before it
    joins it, the rest merge in."""
    call: Call | None = None
    early: list[CallReport] = []
    for report in reports:
        if call is None:
            parties = parties_of(report)
            if parties is None:
                early.append(report)
                continue
            call = Call(
                id=CALL_ID,
                pbx_call_id="pbx-1",
                caller_number=parties.caller_number,
                called_number=parties.called_number,
                extension=parties.extension,
                direction=parties.direction,
                received_at=parties.started_at,
                contact_number=parties.caller_number,
                state="triage",
            )
            for earlier in early:
                call = merged(call, earlier)
        call = merged(call, report)
    assert call is not None
    return call


ANSWERED_CALL: list[CallReport] = [ringing(), ringing("101", after=2), answered("101"), ended(), RECORDING]


def test_an_answered_call_is_the_same_whatever_order_its_reports_come_in() -> None:
    call = played(ANSWERED_CALL)

    for order in itertools.permutations(ANSWERED_CALL):
        assert played(order) == call, [type(report).__name__ for report in order]
    assert (call.phase, call.extension, call.answered_by, call.received_at) == ("ended", "101", "101", AT)
    assert (call.disposition, call.duration_seconds, call.recording_id) == ("answered", 60, "rec-1")
    assert call.callback_state is None


def test_reports_seen_again_change_nothing() -> None:
    once = played(ANSWERED_CALL)

    assert played([*ANSWERED_CALL, *reversed(ANSWERED_CALL)]) == once
    assert progress(once, merged(once, ended("busy"))).any is False  # the first end reported is kept


def test_an_inbound_call_nobody_answered_waits_for_a_call_back_in_any_order() -> None:
    reports: list[CallReport] = [ringing(), ringing("102", after=1), ended("missed", extension=None, duration=0)]
    call = played(reports)

    for order in itertools.permutations(reports):
        assert played(order) == call
    assert (call.phase, call.disposition, call.callback_state, call.extension) == ("ended", "missed", "waiting", "102")


def test_progress_names_what_a_call_gained() -> None:
    registered = played([ringing()])
    after = merged(merged(registered, answered("101")), RECORDING)

    gained = progress(registered, after)

    assert (gained.answered, gained.ended, gained.recorded) == (True, False, True)


def outbound(*, started: datetime, disposition: str = "answered", number: str = CUSTOMER) -> Call:
    return Call(
        id=uuid.uuid4(),
        pbx_call_id=f"out-{uuid.uuid4().hex[:6]}",
        caller_number="101",
        called_number=number,
        extension="101",
        direction="outbound",
        received_at=started,
        contact_number=number,
        state="triage",
        phase="ended",
        disposition=disposition,  # type: ignore[arg-type]
        ended_at=started + timedelta(minutes=1),
    )


def test_an_answered_call_back_to_the_number_after_the_missed_call_returns_it() -> None:
    missed = replace(played([ended("missed", extension=None, duration=0)]), contact_number=CUSTOMER)
    before = outbound(started=AT - timedelta(hours=1))
    unanswered = outbound(started=AT + timedelta(minutes=5), disposition="no-answer")
    elsewhere = outbound(started=AT + timedelta(minutes=6), number="+48602000000")
    first, second = outbound(started=AT + timedelta(minutes=30)), outbound(started=AT + timedelta(minutes=20))
    calls_out = [call for call in (before, unanswered, elsewhere, first, second) if is_call_back(call)]

    [found] = calls_back([missed], calls_out)

    assert found.by == second, "the earliest call back after the missed call"
    returned = called_back(found.missed, found.by)
    assert (returned.callback_state, returned.callback_at, returned.callback_call_id) == (
        "called_back",
        second.received_at,
        second.id,
    )
    assert calls_back([missed], [before]) == [], "a call made before the missed call returns nothing"


def test_a_person_clears_a_missed_call_once() -> None:
    missed = played([ended("missed", extension=None, duration=0)])
    done = marked_done(missed, by="anna", at=AT + timedelta(hours=1))

    assert (done.callback_state, done.callback_by) == ("marked_done", "anna")
    with pytest.raises(Conflict):
        marked_done(done, by="piotr", at=AT + timedelta(hours=2))
    with pytest.raises(Conflict):
        marked_done(played(ANSWERED_CALL), by="anna", at=AT)  # an answered call was never missed
