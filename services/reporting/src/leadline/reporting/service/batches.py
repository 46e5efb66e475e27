"""What runs around each batch of events: the leads it touches read in a few queries before the handlers,
and what the handlers folded written (and the changed counts published) after them."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from leadline.contracts.events import Event
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.service import use_cases


async def prepare(uow: ReportingUnitOfWork, events: Sequence[Event]) -> None:
    lead_ids = [UUID(event.subject) for event in events]  # every event reporting handles is keyed by a lead
    await uow.funnel.load(lead_ids)
    await uow.facts.load(lead_ids)


async def finish(uow: ReportingUnitOfWork) -> None:
    await use_cases.report_counts(uow)
    await uow.facts.flush()
