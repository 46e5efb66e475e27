"""Use cases of the reporting service: fold lead events into aggregates and publish them."""

from __future__ import annotations

from uuid import UUID

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    FunnelMonthV1,
    LeadCreatedV1,
    LeadDeletedV1,
    LeadMergedV1,
    LeadsByStatusV1,
    LeadStatusChangedV1,
)
from leadline.reporting.domain.funnel import average
from leadline.reporting.domain.model import StatusMove
from leadline.reporting.service.unit_of_work import AbstractFunnelUnitOfWork


async def lead_created(uow: AbstractFunnelUnitOfWork, event: LeadCreatedV1, envelope: Envelope) -> None:
    await _move(uow, event.lead_id, event.status_code, envelope)


async def lead_status_changed(uow: AbstractFunnelUnitOfWork, event: LeadStatusChangedV1, envelope: Envelope) -> None:
    await _move(uow, event.lead_id, event.to_status_code, envelope)


async def lead_deleted(uow: AbstractFunnelUnitOfWork, event: LeadDeletedV1, envelope: Envelope) -> None:
    await _move(uow, event.lead_id, None, envelope)


async def lead_merged(uow: AbstractFunnelUnitOfWork, event: LeadMergedV1, envelope: Envelope) -> None:
    """The survivor is counted where it is; the merged lead is one lead fewer."""
    await _move(uow, event.merged_id, None, envelope)


async def _move(uow: AbstractFunnelUnitOfWork, lead_id: UUID, to_status: str | None, envelope: Envelope) -> None:
    """``to_status`` None: the lead is gone."""
    # Counted from the status this service last saw the lead in, not the event's own "from":
    # the aggregate then always sums to the number of leads, whatever the history.
    previous = await uow.funnel.status_of(lead_id)
    if previous == to_status:
        return
    uow.funnel.set_status(lead_id, to_status)
    await uow.funnel.add_to_counts(StatusMove(previous, to_status).count_changes(), caused_by=envelope)


async def report_counts(uow: AbstractFunnelUnitOfWork) -> None:
    """At the end of a batch: each count it changed, once, at its latest value (the topic is compacted by
    status, so the counts in between would say nothing a reader keeps)."""
    for status_code, lead_count, cause in uow.funnel.changed_counts():
        await uow.outbox.add(
            LeadsByStatusV1(status_code=status_code, lead_count=lead_count, as_of=cause.time),
            caused_by=cause,
        )
    await uow.funnel.flush()


async def report_funnel_months(uow: AbstractFunnelUnitOfWork, caused_by: Envelope) -> None:
    """After a batch is written: the funnel of each (month, status) whose stays it changed, at its latest value."""
    found = await uow.reports.funnel_months(uow.facts.changed_months)
    for month, status_code in sorted(uow.facts.changed_months):
        entered, left, seconds = found.get((month, status_code), (0, 0, 0))
        await uow.outbox.add(
            FunnelMonthV1(
                month=month,
                status_code=status_code,
                entered=entered,
                left=left,
                average_seconds_in_status=average(seconds, left),
                as_of=caused_by.time,
            ),
            caused_by=caused_by,
        )


async def leads_by_status(uow: AbstractFunnelUnitOfWork) -> dict[str, int]:
    return await uow.funnel.counts()
