"""Use cases that fold communication events into the triage statistics, and read them.

A call's or e-mail's events share its Kafka key, so they come in order; each handler sets the item's state
rather than adding to a count, so the same event seen again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAttachedV1,
    CallIgnoredV1,
    CallRegisteredV1,
    CallReturnedToTriageV1,
    CallUnignoredV1,
    EmailAttachedV1,
    EmailIgnoredV1,
    EmailRegisteredV1,
    EmailReturnedToTriageV1,
    EmailUnignoredV1,
)
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.domain.communications import (
    Arrival,
    Outcome,
    decided_by_a_person,
    outcome_of_attachment,
    share,
)
from leadline.reporting.domain.funnel import average
from leadline.reporting.domain.report import Interval
from leadline.reporting.service import calls


async def registered(
    uow: ReportingUnitOfWork, events: Sequence[tuple[CallRegisteredV1 | EmailRegisteredV1, Envelope]]
) -> None:
    """Calls and e-mails as they arrived, a batch at a time; one seen again changes nothing."""
    arrivals = [_arrival(event) for event, _ in events]
    seen = await uow.communications.known({arrival.item_id for arrival in arrivals})
    new = []
    for arrival in arrivals:
        if arrival.item_id not in seen:
            seen.add(arrival.item_id)
            new.append(arrival)
    await uow.communications.add_all(new)
    await calls.calls_started(uow, [event for event, _ in events if isinstance(event, CallRegisteredV1)])


def _arrival(event: CallRegisteredV1 | EmailRegisteredV1) -> Arrival:
    outcome = Outcome.ATTACHED if event.state == "attached" else None
    if isinstance(event, CallRegisteredV1):
        return Arrival(event.call_id, "call", event.received_at, outcome)
    # An e-mail's arrival is when it was sent: the registration time is not in the event.
    return Arrival(event.email_id, "email", event.sent_at, outcome)


async def attached(uow: ReportingUnitOfWork, event: CallAttachedV1 | EmailAttachedV1, _: Envelope) -> None:
    """Attached by a person (chosen, or a lead created from it), or by communications alone: then no decision."""
    item_id = event.call_id if isinstance(event, CallAttachedV1) else event.email_id
    decided_at = event.attached_at if decided_by_a_person(event.how) else None
    await uow.communications.decide(item_id, outcome_of_attachment(event.how), decided_at)


async def ignored(uow: ReportingUnitOfWork, event: CallIgnoredV1 | EmailIgnoredV1, _: Envelope) -> None:
    item_id = event.call_id if isinstance(event, CallIgnoredV1) else event.email_id
    await uow.communications.decide(item_id, Outcome.IGNORED, event.ignored_at)


async def unignored(uow: ReportingUnitOfWork, event: CallUnignoredV1 | EmailUnignoredV1, _: Envelope) -> None:
    item_id = event.call_id if isinstance(event, CallUnignoredV1) else event.email_id
    await uow.communications.decide(item_id, None, None)


async def returned_to_triage(
    uow: ReportingUnitOfWork, event: CallReturnedToTriageV1 | EmailReturnedToTriageV1, _: Envelope
) -> None:
    """Its lead was deleted, or the lead asked for never came: undecided again."""
    item_id = event.call_id if isinstance(event, CallReturnedToTriageV1) else event.email_id
    await uow.communications.decide(item_id, None, None)


@dataclass(frozen=True)
class CommunicationStats:
    period: str
    kind: str
    arrived: int
    attached: int
    created: int
    ignored: int
    in_triage: int
    attached_share: float | None
    created_share: float | None
    ignored_share: float | None
    average_decision_seconds: float | None
    decided_by_person: int
    attached_automatically: int


async def communication_stats(uow: ReportingUnitOfWork, period: str, arrived: Interval) -> list[CommunicationStats]:
    stats = []
    for row in await uow.reports.communications(period, arrived):
        counts = row.outcomes
        stats.append(
            CommunicationStats(
                period=row.period,
                kind=row.kind,
                arrived=row.arrived,
                attached=counts[Outcome.ATTACHED],
                created=counts[Outcome.CREATED],
                ignored=counts[Outcome.IGNORED],
                in_triage=row.arrived - sum(counts.values()),
                attached_share=share(counts[Outcome.ATTACHED], row.arrived),
                created_share=share(counts[Outcome.CREATED], row.arrived),
                ignored_share=share(counts[Outcome.IGNORED], row.arrived),
                average_decision_seconds=average(row.decision_seconds, row.decided),
                decided_by_person=row.decided,
                attached_automatically=counts[Outcome.ATTACHED] - row.decided_attached,
            )
        )
    return stats
