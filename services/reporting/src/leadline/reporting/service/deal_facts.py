"""Use cases that fold deal events (and the stages of the reference topic) into what the pipeline reports read, and
publish each (pipeline, stage) cell a batch changed.

``lead.deal_changed.v1`` keeps a deal's row (made, value and currency changed, removed); ``deal.stage_changed.v1``
its stays in stages (and a reopening); ``deal.won.v1`` / ``deal.lost.v1`` its outcome. Each is idempotent beyond the
inbox: the same change seen again finds the deal already as it says. A deal reporting never saw made is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    DealLostV1,
    DealStageChangedV1,
    DealWonV1,
    Event,
    LeadDealChangedV1,
    LeadDeletedV1,
    LeadMergedV1,
    PipelineStageV1,
    ReferenceItemChangedV1,
    StageValue,
)
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.domain.deals import OPEN, Closing, DealFacts, Stage, Values
from leadline.reporting.domain.money import to_minor

DEAL_EVENTS = (LeadDealChangedV1, DealStageChangedV1, DealWonV1, DealLostV1)


async def load_deals_of(uow: ReportingUnitOfWork, events: Sequence[Event]) -> None:
    """Before a batch: the deals its events are about, and those of the leads it merges away or deletes."""
    await uow.deals.load(
        [event.deal_id for event in events if isinstance(event, DEAL_EVENTS)],
        [event.merged_id for event in events if isinstance(event, LeadMergedV1)]
        + [event.lead_id for event in events if isinstance(event, LeadDeletedV1)],
    )


async def stage_changed(uow: ReportingUnitOfWork, event: ReferenceItemChangedV1, _: Envelope) -> None:
    """A stage's order, probability or outcome weighs and orders the reports; other reference items are not kept."""
    if event.kind != "stage" or event.parent_code is None:
        return
    if event.deleted:
        before = await uow.stages.remove(event.code)
    else:
        before = await uow.stages.put(
            Stage(
                code=event.code,
                pipeline_code=event.parent_code,
                name=event.name,
                sort_order=event.sort_order,
                probability=event.probability,
                outcome=event.outcome,
            )
        )
    uow.deals.changed_cells.add((event.parent_code, event.code))  # its weighted value follows the probability
    if before is not None:
        uow.deals.changed_cells.add((before, event.code))


async def deal_changed(uow: ReportingUnitOfWork, event: LeadDealChangedV1, _: Envelope) -> None:
    known = await uow.deals.get(event.deal_id)
    if event.change == "removed":
        await uow.deals.forget(event.deal_id)
        return
    value_minor = to_minor(event.value)
    if known is not None:
        uow.deals.change(replace(known, lead_id=event.lead_id, currency=event.currency, value_minor=value_minor))
    elif event.change == "added":
        uow.deals.add(
            DealFacts(
                deal_id=event.deal_id,
                lead_id=event.lead_id,
                pipeline_code=event.pipeline_code,
                stage_code=event.stage_code,
                currency=event.currency,
                value_minor=value_minor,
                created_at=event.changed_at,
            ),
            entered_at=event.changed_at,
        )


async def deal_stage_changed(uow: ReportingUnitOfWork, event: DealStageChangedV1, _: Envelope) -> None:
    known = await uow.deals.get(event.deal_id)
    if known is None:
        return
    if event.outcome is None and known.closing.outcome is not None:  # out of a closing stage: open again
        uow.deals.change(replace(known, closing=OPEN))
    await uow.deals.move(event.deal_id, event.pipeline_code, event.to_stage_code, event.changed_at)


async def deal_closed(uow: ReportingUnitOfWork, event: DealWonV1 | DealLostV1, _: Envelope) -> None:
    known = await uow.deals.get(event.deal_id)
    if known is None:
        return
    outcome = "won" if isinstance(event, DealWonV1) else "lost"
    uow.deals.change(replace(known, closing=Closing.of(outcome, known.created_at, event.closed_at)))


async def lead_merged(uow: ReportingUnitOfWork, event: LeadMergedV1, _: Envelope) -> None:
    """The merged lead's deals are the survivor's now (its salesperson's, in the reports)."""
    for deal in await uow.deals.of_lead(event.merged_id):
        uow.deals.change(replace(deal, lead_id=event.survivor_id))


async def lead_deleted(uow: ReportingUnitOfWork, event: LeadDeletedV1, _: Envelope) -> None:
    """A deleted lead's deals went with it."""
    for deal in await uow.deals.of_lead(event.lead_id):
        await uow.deals.forget(deal.deal_id)


async def report_pipeline_cells(uow: ReportingUnitOfWork, caused_by: Envelope) -> None:
    """After a batch is written: each (pipeline, stage) whose deals or stage it changed, at its latest value."""
    cells = sorted(uow.deals.changed_cells)
    found = await uow.deal_reports.cells(cells)
    for pipeline_code, stage_code in cells:
        values = Values.of(found.get((pipeline_code, stage_code), []))
        await uow.outbox.add(
            PipelineStageV1(
                pipeline_code=pipeline_code,
                stage_code=stage_code,
                deal_count=values.deal_count,
                values=[
                    StageValue(currency=currency, value=value, weighted_value=values.weighted.get(currency))
                    for currency, value in sorted(values.value.items())
                ],
                as_of=caused_by.time,
            ),
            caused_by=caused_by,
        )
