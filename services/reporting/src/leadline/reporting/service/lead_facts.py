"""Use cases that fold lead events into the lead report's facts and status history.

Every handler is idempotent beyond the inbox too: the same change seen again (under another event id) finds
the facts already as it says and changes nothing. A lead's events share its Kafka key, so they come in order;
an event of a lead reporting never saw created (it predates the topic's retention) is left out.
"""

from __future__ import annotations

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    LeadAssignedV1,
    LeadCreatedV1,
    LeadDeletedV1,
    LeadLostV1,
    LeadMergedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
)
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.domain.facts import LeadFacts, Outcome, updated_columns


async def lead_created(uow: ReportingUnitOfWork, event: LeadCreatedV1, _: Envelope) -> None:
    if await uow.facts.status_of(event.lead_id) is None:
        uow.facts.add(_created_facts(event), event.tags, entered_at=event.created_at)


async def lead_updated(uow: ReportingUnitOfWork, event: LeadUpdatedV1, _: Envelope) -> None:
    if await uow.facts.status_of(event.lead_id) is None:
        return
    columns, tags = updated_columns({change.field: change.new for change in event.changes})
    await uow.facts.change(event.lead_id, columns)
    if tags is not None:
        uow.facts.set_tags(event.lead_id, tags)


async def lead_status_changed(uow: ReportingUnitOfWork, event: LeadStatusChangedV1, _: Envelope) -> None:
    status = await uow.facts.status_of(event.lead_id)
    if status is None or status == event.to_status_code:
        return  # already there: the move of a lead marked lost, which LeadLostV1 made
    # Any move but the one into the lost status reopens a lost lead (the leads service drops its reason).
    await uow.facts.move(event.lead_id, event.to_status_code, event.changed_at, Outcome(closed=event.closed))


async def lead_lost(uow: ReportingUnitOfWork, event: LeadLostV1, _: Envelope) -> None:
    """Comes before the lead's move to the lost status, so the move is made here, with the reason."""
    status = await uow.facts.status_of(event.lead_id)
    if status is None:
        return
    outcome = Outcome(closed=True, lost=True, lost_reason_code=event.lost_reason_code)
    if status == event.status_code:
        await uow.facts.set_outcome(event.lead_id, outcome)
    else:
        await uow.facts.move(event.lead_id, event.status_code, event.lost_at, outcome)


async def lead_assigned(uow: ReportingUnitOfWork, event: LeadAssignedV1, _: Envelope) -> None:
    await uow.facts.assign(event.lead_id, event.to_salesperson_id)


async def lead_deleted(uow: ReportingUnitOfWork, event: LeadDeletedV1, _: Envelope) -> None:
    await uow.facts.forget(event.lead_id)


async def lead_merged(uow: ReportingUnitOfWork, event: LeadMergedV1, _: Envelope) -> None:
    """The survivor keeps its own facts; the merged lead leaves the report."""
    await uow.facts.forget(event.merged_id)


def _created_facts(event: LeadCreatedV1) -> LeadFacts:
    """The facts of a lead as its creation announced it."""
    return LeadFacts(
        lead_id=event.lead_id,
        status_code=event.status_code,
        status_since=event.created_at,
        type_code=event.type_code,
        partner_id=str(event.partner_id) if event.partner_id else None,
        salesperson_id=event.salesperson_id,
        priority_code=event.priority_code,
        source_code=event.source_code,
        campaign_code=event.campaign_code,
        channel_code=event.channel_code,
        # A lead's date defaults to its creation; events from before lead_date was published carry none.
        lead_date=event.lead_date or event.created_at,
        expected_close=event.expected_close,
        currency=event.currency,
        expected_revenue=event.expected_revenue,
        probability=event.probability,
        outcome=Outcome(closed=event.closed),
        next_step=event.next_step,
        next_step_at=event.next_step_at,
    )
