"""Faults from outside: a service killed mid-stream, or the broker restarted, loses nothing and doubles nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from leadline.contracts.wire.events import CallReceivedV1, CallRegisteredV1, LeadCreatedV1
from leadline.contracts.wire.topics import CALL, LEAD
from tests.support.kafka import GatewayProducer, LocalKafka, headers_of, read_until
from tests.support.services import auth
from tests.support.stack import Stack
from tests.support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

CALLS = 300


async def registered_calls(communications: str, batch: str) -> set[str]:
    """Every call of this batch that communications lists, following the cursor across pages."""
    seen: set[str] = set()
    cursor: str | None = None
    async with httpx.AsyncClient() as client:
        while True:
            params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(f"{communications}/calls", params=params, headers=auth("marta"))).json()
            seen.update(c["pbx_call_id"] for c in page["items"] if c["pbx_call_id"].startswith(batch))
            cursor = page["next_cursor"]
            if cursor is None:
                return seen


async def test_a_service_killed_mid_stream_loses_and_doubles_nothing(stack: Stack) -> None:
    communications = stack.processes.services["communications"]
    batch = f"fault-{uuid.uuid4().hex[:8]}-"
    calls = [
        CallReceivedV1(
            pbx_call_id=f"{batch}{n}",
            caller_number=f"+4870{n:07d}",
            called_number="+48717000000",
            extension="100",
            received_at=datetime.now(UTC),
        )
        for n in range(CALLS)
    ]
    async with GatewayProducer(stack.bootstrap, stack.prefix) as gateway:
        await asyncio.gather(*(gateway.publish(call) for call in calls[: CALLS // 2]))

        async def some_registered() -> bool:
            return len(await registered_calls(communications.url, batch)) > 0

        await eventually(some_registered, what="communications started on the batch")
        await asyncio.to_thread(communications.kill)  # SIGKILL: no graceful shutdown, offsets uncommitted
        await asyncio.gather(*(gateway.publish(call) for call in calls[CALLS // 2 :]))
        await asyncio.to_thread(communications.start)
        await asyncio.to_thread(communications.wait_ready)

    async def all_registered() -> set[str] | None:
        found = await registered_calls(communications.url, batch)
        return found if len(found) == CALLS else None

    assert await eventually(all_registered, timeout=60, what="every call registered after the restart") == {
        c.pbx_call_id for c in calls
    }
    records = await read_until(
        stack.bootstrap,
        CALL,
        stack.prefix,
        lambda rs: {payload for r in rs if (payload := _registered_pbx_id(r, batch))} == {c.pbx_call_id for c in calls},
        timeout=60,
    )
    # The relay may publish a row again if it was killed before deleting it: a redelivery with the
    # same ce_id, which consumers' inboxes drop. What must never happen is two distinct events.
    event_ids_per_call: dict[str, set[str]] = {}
    for record in records:
        if pbx := _registered_pbx_id(record, batch):
            event_ids_per_call.setdefault(pbx, set()).add(headers_of(record)["ce_id"])
    assert len(event_ids_per_call) == CALLS
    assert all(len(ids) == 1 for ids in event_ids_per_call.values())


def _registered_pbx_id(record: Any, batch: str) -> str | None:
    if headers_of(record)["ce_type"] != CallRegisteredV1.type:
        return None
    event = CallRegisteredV1.model_validate_json(record.value)
    return event.pbx_call_id if event.pbx_call_id.startswith(batch) else None


LEADS_WHILE_DOWN = 20


async def test_a_broker_restart_loses_and_doubles_nothing(stack: Stack, kafka: LocalKafka) -> None:
    """Sales apps keep writing while Kafka is down: the writes wait in the outbox, the services say they
    are not ready, and once the broker is back every event goes out once and every consumer catches up."""
    leads = stack.url("leads")
    await asyncio.to_thread(kafka.stop)
    try:
        async with httpx.AsyncClient(base_url=leads, headers=auth("anna"), timeout=10) as client:
            # In proposal, not new: the stack is shared, and test_lead_flows counts the leads in "new".
            lead = {"name": "Written while Kafka was down", "status_code": "proposal"}
            created = [await client.post("/leads", json=lead) for _ in range(LEADS_WHILE_DOWN)]
            assert all(r.status_code == 201 for r in created), [r.text for r in created if r.status_code != 201]

            async def reported_unready() -> bool:
                ready = await client.get(f"{stack.management_url('leads')}/ready")
                return ready.status_code == 503 and ready.json()["checks"]["broker"] == "unreachable"

            await eventually(reported_unready, what="leads reports the broker unreachable")
    finally:
        await asyncio.to_thread(kafka.start)
    lead_ids = {r.json()["id"] for r in created}

    async def everyone_ready() -> bool:
        async with httpx.AsyncClient(timeout=5) as client:
            answers = [
                await client.get(f"{service.management_url}/ready") for service in stack.processes.services.values()
            ]
        return all(a.status_code == 200 for a in answers)

    await eventually(everyone_ready, timeout=90, what="every service ready again after the restart")

    async def documents_know_them() -> bool:
        async with httpx.AsyncClient(base_url=stack.url("documents"), headers=auth("marta")) as client:
            return all([(await client.get(f"/leads/{lead_id}")).status_code == 200 for lead_id in lead_ids])

    await eventually(documents_know_them, timeout=90, what="documents consumed every lead written meanwhile")
    records = await read_until(
        stack.bootstrap,
        LEAD,
        stack.prefix,
        lambda rs: lead_ids <= {subject for r in rs if (subject := _created_lead_id(r))},
        timeout=60,
    )
    event_ids_per_lead: dict[str, set[str]] = {}
    for record in records:
        if (lead_id := _created_lead_id(record)) is not None and lead_id in lead_ids:
            event_ids_per_lead.setdefault(lead_id, set()).add(headers_of(record)["ce_id"])
    assert all(len(ids) == 1 for ids in event_ids_per_lead.values()), event_ids_per_lead


def _created_lead_id(record: Any) -> str | None:
    headers = headers_of(record)
    return headers["ce_subject"] if headers["ce_type"] == LeadCreatedV1.type else None
