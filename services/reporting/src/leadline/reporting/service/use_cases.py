"""Use cases of the reporting service: fold lead events into aggregates and publish them."""

from __future__ import annotations

from uuid import UUID

from leadline.contracts.envelope import Envelope
from leadline.contracts.events import (
    LeadCreatedV1,
    LeadDeletedV1,
    LeadMergedV1,
    LeadsByStatusV1,
    LeadStatusChangedV1,
)
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.domain.model import StatusMove


async def lead_created(uow: ReportingUnitOfWork, event: LeadCreatedV1, envelope: Envelope) -> None:
    await _move(uow, event.lead_id, event.status_code, envelope)


async def lead_status_changed(uow: ReportingUnitOfWork, event: LeadStatusChangedV1, envelope: Envelope) -> None:
    await _move(uow, event.lead_id, event.to_status_code, envelope)


async def lead_deleted(uow: ReportingUnitOfWork, event: LeadDeletedV1, envelope: Envelope) -> None:
    await _move(uow, event.lead_id, None, envelope)


async def lead_merged(uow: ReportingUnitOfWork, event: LeadMergedV1, envelope: Envelope) -> None:
    """The survivor is counted where it is; the merged lead is one lead fewer."""
    await _move(uow, event.merged_id, None, envelope)


async def _move(uow: ReportingUnitOfWork, lead_id: UUID, to_status: str | None, envelope: Envelope) -> None:
    """``to_status`` None: the lead is gone."""
    # Counted from the status this service last saw the lead in, not the event's own "from":
    # the aggregate then always sums to the number of leads, whatever the history.
    previous = await uow.funnel.status_of(lead_id)
    if previous == to_status:
        return
    if to_status is None:
        await uow.funnel.forget(lead_id)
    else:
        await uow.funnel.set_status(lead_id, to_status, known=previous is not None)
    counts = await uow.funnel.add_to_counts(StatusMove(previous, to_status).count_changes())
    for status_code, lead_count in counts.items():
        await uow.outbox.add(
            LeadsByStatusV1(status_code=status_code, lead_count=lead_count, as_of=envelope.time),
            caused_by=envelope,
        )


async def leads_by_status(uow: ReportingUnitOfWork) -> dict[str, int]:
    return await uow.funnel.counts()
