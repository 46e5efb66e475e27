"""Reporting's pipeline reports, fed by deal events and the stages of the reference topic: value per stage and per
salesperson (weighted by the stages' probabilities), won and lost per period, time in stages, conversions, cycle
times, and each changed (pipeline, stage) published to the compacted BI topic."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from leadline.contracts.wire.events import PipelineStageV1, StageValue
from leadline.contracts.wire.topics import LEAD, PIPELINE
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.domain.report import Interval
from leadline.reporting.service import deal_reports, reports
from tests.support.builders import (
    AT,
    deal_changed,
    deal_closed,
    deal_moved,
    lead_created,
    lead_deleted,
    lead_updated,
    leads_merged,
    stage_changed,
)
from tests.support.component.service_under_test import ServiceUnderTest

Reporting = ServiceUnderTest[ReportingUnitOfWork]
DAY = timedelta(days=1)
PLN = {"PLN": Decimal("1000.00")}


async def arrange_stages(reporting: Reporting) -> None:
    for code, order, probability, outcome in [
        ("discovery", 10, 20, None),
        ("negotiation", 20, 50, None),
        ("hold", 30, None, None),
        ("won", 90, 100, "won"),
        ("lost", 99, 0, "lost"),
    ]:
        await reporting.deliver(stage_changed(code, sort_order=order, probability=probability, outcome=outcome))


async def published_cells(reporting: Reporting) -> dict[str, PipelineStageV1]:
    """The latest PipelineStageV1 per key in the outbox, as a compacted topic keeps them."""
    found: dict[str, PipelineStageV1] = {}
    for row in await reporting.outbox():
        if isinstance(row.event, PipelineStageV1):
            assert (row.topic, row.key) == (PIPELINE.name, row.event.key)
            found[row.key] = row.event
    return found


async def test_a_deals_life_feeds_every_pipeline_report_and_the_bi_topic(reporting: Reporting) -> None:
    await arrange_stages(reporting)
    anna, piotr = lead_created(salesperson_id="anna"), lead_created(salesperson_id="piotr")
    for created in (anna, piotr):
        await reporting.deliver(created)
    won, open_, lost = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await reporting.deliver(deal_changed(anna.lead_id, won, changed_at=AT))
    await reporting.deliver(deal_changed(anna.lead_id, open_, value=Decimal("500.00"), currency="EUR"))
    await reporting.deliver(deal_changed(piotr.lead_id, lost, stage_code="negotiation", value=Decimal("300.00")))
    moved = await reporting.deliver(deal_moved(anna.lead_id, won, "discovery", "negotiation", AT + 2 * DAY))
    await reporting.redeliver(moved, LEAD)
    await reporting.deliver(deal_moved(anna.lead_id, won, "discovery", "negotiation", AT + 2 * DAY))  # a new ce_id
    await reporting.deliver(deal_moved(anna.lead_id, won, "negotiation", "won", AT + 5 * DAY, outcome="won"))
    await reporting.deliver(deal_closed(anna.lead_id, won, "won", AT + 5 * DAY))
    await reporting.deliver(deal_moved(piotr.lead_id, lost, "negotiation", "lost", AT + 40 * DAY, outcome="lost"))
    await reporting.deliver(deal_closed(piotr.lead_id, lost, "lost", AT + 40 * DAY, value="300.00"))

    async with reporting.runtime.unit_of_work() as uow:
        by_stage = await deal_reports.pipeline_value(uow, "sales", "stage")
        by_person = await deal_reports.pipeline_value(uow, None, "salesperson")
        outcomes = await deal_reports.deal_outcomes(uow, "month", Interval(), "sales")
        flow = await deal_reports.deal_flow(uow, Interval(), None)

    # Only open deals count in the pipeline's value: the EUR deal in discovery, weighted 20 %.
    assert [(v.key, v.values.deal_count, v.values.value, v.values.weighted) for v in by_stage] == [
        ("discovery", 1, {"EUR": Decimal("500.00")}, {"EUR": Decimal("100.00")})
    ]
    assert [(v.key, v.values.deal_count) for v in by_person] == [("anna", 1)]
    assert [(o.period, o.won, o.won_value, o.lost, o.lost_value) for o in outcomes] == [
        ("2026-03", 1, PLN, 0, {}),
        ("2026-04", 0, {}, 1, {"PLN": Decimal("300.00")}),
    ]
    assert [(t.stage_code, t.left_count, t.average_days) for t in flow.time_in_stage] == [
        ("discovery", 1, 2.0),
        ("negotiation", 2, 21.5),  # 3 days, and 40
    ]
    assert [(c.from_stage_code, c.to_stage_code, c.deal_count, c.rate) for c in flow.conversions] == [
        ("discovery", "negotiation", 1, 0.5),
        ("negotiation", "lost", 1, 0.5),
        ("negotiation", "won", 1, 0.5),
    ]
    assert [(c.outcome, c.deal_count, c.average_days) for c in flow.cycle_times] == [("lost", 1, 40.0), ("won", 1, 5.0)]

    cells = await published_cells(reporting)
    assert cells["sales/discovery"].values == [
        StageValue(currency="EUR", value=Decimal("500.00"), weighted_value=Decimal("100.00"))
    ]
    assert (cells["sales/negotiation"].deal_count, cells["sales/negotiation"].values) == (0, [])
    assert cells["sales/won"].values == [
        StageValue(currency="PLN", value=Decimal("1000.00"), weighted_value=Decimal("1000.00"))
    ]


async def test_a_deal_reopened_removed_or_of_a_deleted_or_merged_lead_leaves_the_reports(reporting: Reporting) -> None:
    await arrange_stages(reporting)
    survivor, merged, deleted = (
        lead_created(salesperson_id="anna"),
        lead_created(salesperson_id="piotr"),
        lead_created(),
    )
    for created in (survivor, merged, deleted):
        await reporting.deliver(created)
    reopened, moved_over, gone, removed = (uuid.uuid4() for _ in range(4))
    await reporting.deliver(deal_changed(survivor.lead_id, reopened, stage_code="won"))
    await reporting.deliver(deal_closed(survivor.lead_id, reopened, "won", AT))
    await reporting.deliver(deal_moved(survivor.lead_id, reopened, "won", "hold", AT + DAY))
    await reporting.deliver(deal_changed(merged.lead_id, moved_over))
    await reporting.deliver(deal_changed(deleted.lead_id, gone))
    await reporting.deliver(deal_changed(survivor.lead_id, removed))
    await reporting.deliver(deal_changed(survivor.lead_id, removed, "removed"))

    await reporting.deliver(leads_merged(survivor.lead_id, merged.lead_id))
    await reporting.deliver(lead_deleted(deleted.lead_id))

    async with reporting.runtime.unit_of_work() as uow:
        by_stage = await deal_reports.pipeline_value(uow, "sales", "stage")
        by_person = await deal_reports.pipeline_value(uow, "sales", "salesperson")
        outcomes = await deal_reports.deal_outcomes(uow, "month", Interval(), None)
    assert [(v.key, v.values.deal_count, v.values.weighted) for v in by_stage] == [
        ("discovery", 1, {"PLN": Decimal("200.00")}),
        ("hold", 1, {}),  # no probability: not weighted
    ]
    assert [(v.key, v.values.deal_count) for v in by_person] == [("anna", 2)]  # the merged lead's deal is hers now
    assert outcomes == []


async def test_the_stuck_leads_report_shows_each_leads_next_step(reporting: Reporting) -> None:
    created = lead_created(next_step="Call back", next_step_at=AT + DAY)
    await reporting.deliver(created)
    await reporting.deliver(lead_updated(created.lead_id, next_step="Send the offer"))

    async with reporting.runtime.unit_of_work() as uow:
        [stuck] = await reports.stuck_leads(uow, 3, AT + 10 * DAY, 10)

    assert (stuck.lead_id, stuck.next_step, stuck.next_step_at) == (created.lead_id, "Send the offer", AT + DAY)
