"""The outbox: rows written in the service's transaction, only of the event types the service declares."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import CallAttachedV1, Event, LeadsByStatusV1
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from tests.support.builders import AT, lead_created, status_changed
from tests.support.component.service_under_test import ServiceUnderTest, service_named

UNDECLARED: list[tuple[str, Event]] = [
    ("leads", LeadsByStatusV1(status_code="new", lead_count=1, as_of=AT)),
    ("communications", lead_created()),
    ("documents", lead_created()),  # documents declares no event at all yet
    (
        "reporting",
        CallAttachedV1(call_id=uuid.uuid4(), lead_id=uuid.uuid4(), how="chosen", attached_by="anna", attached_at=AT),
    ),
]


@pytest.mark.parametrize(("service_name", "event"), UNDECLARED, ids=[name for name, _ in UNDECLARED])
async def test_an_event_type_the_service_does_not_declare_is_refused(
    service_name: str, event: Event, tmp_path: Path
) -> None:
    async with service_named(service_name, tmp_path) as service:
        async with service.runtime.unit_of_work() as uow:
            with pytest.raises(TypeError, match=rf"leadline/{service_name} does not declare .*{re.escape(event.type)}"):
                await uow.outbox.add(event)
            await uow.commit()

        assert await service.outbox() == []


async def test_a_declared_event_type_is_written_with_its_topic_key_and_headers(
    leads: ServiceUnderTest[LeadsUnitOfWork],
) -> None:
    event = status_changed(uuid.uuid4(), "new", "won", closed=True)
    wakeup = leads.runtime.publication.relay_wakeup
    assert not wakeup.is_set()

    async with leads.runtime.unit_of_work() as uow:
        trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        cause = Envelope.wrap(event, source="test", correlation_id="corr-1", traceparent=trace, event_id="cause-1")
        envelope = await uow.outbox.add(event, caused_by=cause)
        await uow.commit()

    [row] = await leads.outbox()
    assert (row.topic, row.key, row.envelope, row.event) == ("leadline.leads.lead", str(event.lead_id), envelope, event)
    assert (envelope.source, envelope.correlation_id, envelope.causation_id) == ("leadline/leads", "corr-1", "cause-1")
    assert envelope.traceparent == trace  # the cause's trace goes on
    assert wakeup.is_set(), "a commit that wrote events wakes the relay"


async def test_nothing_is_written_when_the_transaction_does_not_commit(
    leads: ServiceUnderTest[LeadsUnitOfWork],
) -> None:
    async with leads.runtime.unit_of_work() as uow:
        await uow.outbox.add(lead_created())

    assert await leads.outbox() == []
    assert not leads.runtime.publication.relay_wakeup.is_set()
