"""Reporting under component test: its counts, the reports it published, its communication statistics."""

from __future__ import annotations

from leadline.contracts.wire.events import LeadsByStatusV1
from leadline.contracts.wire.topics import LEADS_BY_STATUS
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.domain.report import Interval
from leadline.reporting.service import communications, use_cases
from leadline.reporting.service.communications import CommunicationStats
from tests.support.component.service_under_test import OutboxRow, ServiceUnderTest

Reporting = ServiceUnderTest[ReportingUnitOfWork]


async def counts(service: Reporting) -> dict[str, int]:
    async with service.runtime.unit_of_work() as uow:
        return await use_cases.leads_by_status(uow)


async def count_rows(service: Reporting) -> list[OutboxRow]:
    """The LeadsByStatusV1 rows in the outbox, oldest first (beside them: the funnel per month)."""
    return [row for row in await service.outbox() if isinstance(row.event, LeadsByStatusV1)]


async def reports(service: Reporting) -> list[tuple[str, int]]:
    """The LeadsByStatusV1 rows in the outbox, oldest first, as (status, count)."""
    found = []
    for row in await count_rows(service):
        assert isinstance(row.event, LeadsByStatusV1)
        assert (row.topic, row.key) == (LEADS_BY_STATUS.name, row.event.status_code)
        found.append((row.event.status_code, row.event.lead_count))
    return found


async def stats(service: Reporting, period: str = "day", **interval: object) -> list[CommunicationStats]:
    async with service.runtime.unit_of_work() as uow:
        return await communications.communication_stats(uow, period, Interval(**interval))  # type: ignore[arg-type]
