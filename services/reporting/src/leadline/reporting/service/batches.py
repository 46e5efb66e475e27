"""What runs around each batch of events: the leads and deals it touches read in a few queries before the handlers,
and what the handlers folded written, the changed counts, funnel months and pipeline cells published, after them."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from leadline.contracts.platform.messaging.consumer import Delivery
from leadline.contracts.wire.topics import LEAD
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.service import deal_facts, use_cases


async def prepare(uow: ReportingUnitOfWork, deliveries: Sequence[Delivery]) -> None:
    lead_ids: list[UUID] = [getattr(d.event, d.event.subject_field) for d in deliveries if d.event.topic is LEAD]
    await uow.funnel.load(lead_ids)
    await uow.facts.load(lead_ids)
    await deal_facts.load_deals_of(uow, [d.event for d in deliveries])


async def finish(uow: ReportingUnitOfWork, deliveries: Sequence[Delivery]) -> None:
    await use_cases.report_counts(uow)
    await uow.facts.flush()
    await use_cases.report_funnel_months(uow, caused_by=deliveries[-1].envelope)
    await uow.deals.flush()
    await deal_facts.report_pipeline_cells(uow, caused_by=deliveries[-1].envelope)
