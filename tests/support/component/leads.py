"""Leads under component test: what it stored of a lead and its links."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select

from leadline.contracts.platform.auth import Principal, Role
from leadline.leads.adapters.tables import leads as leads_table
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.links import LeadLink
from leadline.leads.domain.model import Lead
from tests.support.builders import lead_requested
from tests.support.component.service_under_test import ServiceUnderTest

Leads = ServiceUnderTest[LeadsUnitOfWork]


async def lead_of(service: Leads, lead_id: UUID) -> Lead | None:
    async with service.runtime.unit_of_work() as uow:
        return await uow.leads.get(lead_id)


async def number_of_leads(service: Leads) -> int:
    async with service.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(leads_table))).scalar_one())


MARTA = Principal("marta", "Marta Wiśniewska", frozenset({Role.MANAGER, Role.SALESPERSON}), extension="100")


async def a_lead(leads: Leads) -> UUID:
    request = lead_requested()
    await leads.deliver(request)
    return request.lead_id


async def links_of(leads: Leads, lead_id: UUID) -> list[LeadLink]:
    async with leads.runtime.unit_of_work() as uow:
        return await uow.links.of(lead_id)
