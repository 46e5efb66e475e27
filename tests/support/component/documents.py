"""Documents under component test: its copy of the leads, configured numbering, documents made and confirmed."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from leadline.contracts.platform.auth import Principal, Role
from leadline.documents.adapters.tables import lead_copies
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.documents.domain.documents import Document, DocumentKind
from leadline.documents.domain.lead_copy import LeadCopy
from leadline.documents.service import documents as use_cases
from tests.support.builders import lead_created, product_changed, setting_changed
from tests.support.component.service_under_test import ServiceUnderTest

Documents = ServiceUnderTest[DocumentsUnitOfWork]


async def copy_of(service: Documents, lead_id: UUID) -> LeadCopy | None:
    async with service.runtime.unit_of_work() as uow:
        return await uow.leads.get(lead_id)


async def number_of_copies(service: Documents) -> int:
    async with service.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(lead_copies))).scalar_one())


ANNA = Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}))
WARSAW = ZoneInfo("Europe/Warsaw")


async def configured(documents: Documents) -> None:
    await documents.deliver(setting_changed("order_type", "ZS"))
    await documents.deliver(setting_changed("invoice_type", "FV"))
    await documents.deliver(product_changed("desk", "Standing desk"))


async def a_lead(documents: Documents, **changes: Any) -> uuid.UUID:
    created = lead_created(
        product_code="desk",
        expected_revenue=Decimal("125000.00"),
        currency="PLN",
        city="Wrocław",
        **changes,
    )
    await documents.deliver(created)
    return created.lead_id


async def make(documents: Documents, kind: DocumentKind, lead_id: uuid.UUID, user: Principal = ANNA) -> Document:
    async with documents.runtime.unit_of_work() as uow:
        made = await use_cases.make_from_lead(uow, kind, lead_id, user, time_zone=WARSAW)
        await uow.commit()
    return made


async def confirmed(documents: Documents, order: Document) -> Document:
    async with documents.runtime.unit_of_work() as uow:
        moved = await use_cases.change_status(uow, "order", order.id, "confirmed", ANNA, None)
        await uow.commit()
    return moved
