"""Communications under component test, its calls side: what it stored of a call, and a gateway's record."""

from __future__ import annotations

from sqlalchemy import func, select

from leadline.communications.adapters.tables import calls as calls_table
from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.domain.model import Call
from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import CallRegisteredV1, Event
from leadline.contracts.wire.topics import Topic
from tests.support.component.service_under_test import ServiceUnderTest

Communications = ServiceUnderTest[CommunicationsUnitOfWork]


ANNA = Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}), extension="101")


async def call_by_pbx_id(service: Communications, pbx_call_id: str) -> Call:
    async with service.runtime.unit_of_work() as uow:
        call = await uow.calls.get_by_pbx_call_id(pbx_call_id)
    assert call is not None, f"no call {pbx_call_id} was registered"
    return call


async def number_of_calls(service: Communications) -> int:
    async with service.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(calls_table))).scalar_one())


async def registrations(service: Communications) -> list[CallRegisteredV1]:
    return [row.event for row in await service.outbox() if isinstance(row.event, CallRegisteredV1)]


def gateway(event: Event, event_id: str | None = None) -> tuple[Envelope, Topic]:
    return Envelope.wrap(event, source="leadline/test", event_id=event_id), event.topic
