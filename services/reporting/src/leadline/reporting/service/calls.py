"""Use cases that fold call events into the calls statistics (direction, disposition, missed calls and their call
backs), and read them. A call's events share its Kafka key, so they come in order; each sets what it says, so an
event seen again changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallCallbackClearedV1,
    CallDetachedV1,
    CallEndedV1,
    CallMovedV1,
    CallRegisteredV1,
)
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.domain.calls import CallEnd, CallStart, Cleared
from leadline.reporting.domain.communications import Outcome, share
from leadline.reporting.domain.funnel import average, seconds_between
from leadline.reporting.domain.report import Interval


async def calls_started(uow: ReportingUnitOfWork, events: Sequence[CallRegisteredV1]) -> None:
    """Calls as they were registered; one from a communications release before directions says none: inbound."""
    await uow.calls.started(
        [CallStart(e.call_id, e.call.direction if e.call else "inbound", e.received_at) for e in events]
    )


async def calls_ended(uow: ReportingUnitOfWork, events: Sequence[tuple[CallEndedV1, Envelope]]) -> None:
    ends = []
    for event, _ in events:
        assert event.call.disposition is not None, "an ended call has its disposition"
        ends.append(CallEnd(event.call_id, event.call.disposition, event.awaits_callback))
    await uow.calls.ended(ends)


async def callbacks_cleared(uow: ReportingUnitOfWork, events: Sequence[tuple[CallCallbackClearedV1, Envelope]]) -> None:
    await uow.calls.cleared(
        [
            Cleared(
                event.call_id,
                event.how,
                seconds_between(event.missed_at, event.cleared_at) if event.how == "called_back" else None,
            )
            for event, _ in events
        ]
    )


async def detached(uow: ReportingUnitOfWork, event: CallDetachedV1, _: Envelope) -> None:
    """Taken off its lead, wrongly attached: undecided again, like an item back in triage."""
    await uow.communications.decide(event.call_id, None, None)


async def moved(uow: ReportingUnitOfWork, event: CallMovedV1, _: Envelope) -> None:
    """Moved from the wrong lead to the right one: attached by a person's decision now."""
    await uow.communications.decide(event.call_id, Outcome.ATTACHED, event.moved_at)


@dataclass(frozen=True)
class Breakdown:
    direction: str
    disposition: str | None
    calls: int


@dataclass
class CallStats:
    period: str
    calls: int = 0
    by_direction_and_disposition: list[Breakdown] = field(default_factory=list)
    inbound: int = 0
    inbound_ended: int = 0
    missed: int = 0
    missed_share: float | None = None
    called_back: int = 0
    marked_done: int = 0
    awaiting_callback: int = 0
    average_callback_seconds: float | None = None


async def call_stats(uow: ReportingUnitOfWork, period: str, started: Interval) -> list[CallStats]:
    stats: dict[str, CallStats] = {}
    for group in await uow.calls.by_direction_and_disposition(period, started):
        found = stats.setdefault(group.period, CallStats(group.period))
        found.calls += group.calls
        found.by_direction_and_disposition.append(Breakdown(group.direction, group.disposition, group.calls))
    for inbound in await uow.calls.missed(period, started):
        found = stats[inbound.period]
        found.inbound, found.inbound_ended, found.missed = inbound.inbound, inbound.inbound_ended, inbound.missed
        found.missed_share = share(inbound.missed, inbound.inbound_ended)
        found.called_back, found.marked_done = inbound.called_back, inbound.marked_done
        found.awaiting_callback = inbound.missed - inbound.called_back - inbound.marked_done
        found.average_callback_seconds = average(inbound.callback_seconds, inbound.called_back)
    return list(stats.values())
