"""Faults from outside: a service killed mid-stream loses nothing and doubles nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from leadline.contracts.events import CallReceivedV1, CallRegisteredV1
from leadline.contracts.topics import CALL
from tests.e2e.conftest import Stack
from tests.support.kafka import GatewayProducer, headers_of, read_until
from tests.support.services import auth
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
