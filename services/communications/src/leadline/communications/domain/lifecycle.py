"""A call's lifecycle as the PBX reports it — ringing, answered, ended, recorded — and the missed calls waiting for a
call back. Pure rules: no I/O here.

PBXs report by webhooks that race each other, and gateways retry: a call's reports come in any order, twice, or
late. Each report is therefore merged into what is known rather than applied as a step: the phase only moves forward,
the first end and the first answer are kept, a recording is added. Merging the same reports in any order gives the
same call (tests/unit/communications/test_lifecycle.py plays every order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from leadline.communications.domain.model import Call, CallPhase, Direction, Disposition
from leadline.contracts.platform.errors import Conflict

PHASES: tuple[CallPhase, ...] = ("ringing", "answered", "ended")


def later_phase(known: CallPhase | None, reported: CallPhase) -> CallPhase:
    if known is None:
        return reported
    return max(known, reported, key=PHASES.index)


def awaits_callback(direction: Direction, disposition: Disposition | None) -> bool:
    """An inbound call nobody answered: the customer tried to reach the company and was not heard."""
    return direction == "inbound" and disposition is not None and disposition != "answered"


@dataclass(frozen=True)
class Parties:
    """Who calls whom, from a report that says it: enough to register the call."""

    direction: Direction
    caller_number: str
    called_number: str
    extension: str | None
    started_at: datetime


# What a PBX reports of a call, as the rules below take it (service/lifecycle.py reads it from the gateway's events).


@dataclass(frozen=True)
class Rang:
    """The call rings an extension (or a queue, when none is named)."""

    parties: Parties


@dataclass(frozen=True)
class Answered:
    extension: str | None
    answered_at: datetime
    parties: Parties | None  # when the report says who calls whom


@dataclass(frozen=True)
class Ended:
    parties: Parties  # started when it started ringing, or when it ended if the PBX does not say
    rang_at: datetime | None  # when it started ringing, if the PBX says
    ended_at: datetime
    duration_seconds: int
    disposition: Disposition


@dataclass(frozen=True)
class Recorded:
    recording_url: str | None
    recording_id: str | None


CallReport = Rang | Answered | Ended | Recorded


def parties_of(report: CallReport) -> Parties | None:
    """What a report says of the parties; None when it does not say who calls whom (it waits for one that does)."""
    return None if isinstance(report, Recorded) else report.parties


def merged(call: Call, report: CallReport) -> Call:
    """The call as it is once the report is taken into account."""
    match report:
        case Rang():
            return _rang(call, report.parties.extension, report.parties.started_at)
        case Answered():
            return _answered(call, report.extension, report.answered_at)
        case Ended():
            return _ended(call, report)
        case Recorded():
            return replace(
                call,
                recording_url=report.recording_url or call.recording_url,
                recording_id=report.recording_id or call.recording_id,
            )


def _rang(call: Call, extension: str | None, started_at: datetime) -> Call:
    # Until someone answers, the extension it rings is whose it is (a queue or an IVR passes it on to one).
    ringing_at = extension if call.answered_by is None and extension else call.extension
    return replace(
        call,
        extension=ringing_at,
        phase=later_phase(call.phase, "ringing"),
        received_at=min(call.received_at, started_at),
    )


def _answered(call: Call, extension: str | None, at: datetime) -> Call:
    if call.answered_at is not None:
        return call  # the first answer is the one kept: a report seen again, or a transfer answered later
    return replace(
        call,
        answered_by=extension,
        answered_at=at,
        extension=extension or call.extension,
        phase=later_phase(call.phase, "answered"),
    )


def _ended(call: Call, report: Ended) -> Call:
    if call.ended_at is not None:
        return call  # the first end reported is kept
    answered = report.disposition == "answered"
    return replace(
        call,
        phase="ended",
        ended_at=report.ended_at,
        duration_seconds=report.duration_seconds,
        disposition=report.disposition,
        extension=call.extension or report.parties.extension,
        answered_by=call.answered_by or (report.parties.extension if answered else None),
        received_at=min(call.received_at, report.rang_at or call.received_at),
        callback_state="waiting" if awaits_callback(call.direction, report.disposition) else call.callback_state,
    )


@dataclass(frozen=True)
class Progress:
    """What a call gained from a batch of reports, to announce: each at most once however often it is reported."""

    answered: bool
    ended: bool
    recorded: bool

    @property
    def any(self) -> bool:
        return self.answered or self.ended or self.recorded


def progress(before: Call, after: Call) -> Progress:
    return Progress(
        answered=before.answered_at is None and after.answered_at is not None,
        ended=before.ended_at is None and after.ended_at is not None,
        recorded=(before.recording_url, before.recording_id) != (after.recording_url, after.recording_id),
    )


def is_call_back(call: Call) -> bool:
    """An outbound call the customer answered: it returns the missed calls from its number."""
    return call.direction == "outbound" and call.disposition == "answered"


@dataclass(frozen=True)
class CallBack:
    missed: Call
    by: Call  # the answered outbound call that returned it


def calls_back(waiting: Iterable[Call], calls_out: Sequence[Call]) -> list[CallBack]:
    """Which missed calls an answered outbound call returns: one to the same number that started after the missed
    call did (the earliest such, so time to call back is measured to the first one)."""
    found = []
    for missed in waiting:
        later = [
            call
            for call in calls_out
            if call.contact_number == missed.contact_number and call.received_at >= missed.received_at
        ]
        if later:
            found.append(CallBack(missed, min(later, key=lambda call: call.received_at)))
    return found


def called_back(missed: Call, by: Call) -> Call:
    """Returned when the call back started: time to call back is the salesperson's, not how long it rang."""
    return replace(missed, callback_state="called_back", callback_at=by.received_at, callback_call_id=by.id)


def marked_done(missed: Call, *, by: str, at: datetime) -> Call:
    """A person says the missed call needs no call back (returned by other means, or not worth it)."""
    if missed.callback_state != "waiting":
        state = (
            "is no missed call" if missed.callback_state is None else f"was cleared already ({missed.callback_state})"
        )
        raise Conflict(f"call {missed.id} {state}", rule="call_not_waiting_for_callback", field="callback_state")
    return replace(missed, callback_state="marked_done", callback_at=at, callback_by=by)
