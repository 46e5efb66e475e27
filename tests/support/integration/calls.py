"""Calls through the real broker: a gateway's call record, and communications' view of it over HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from leadline.contracts.wire.events import CallReceivedV1
from leadline.contracts.wire.topics import LEAD, Topic
from tests.support.http import ok
from tests.support.kafka import GatewayProducer, LocalKafka, consumed
from tests.support.services import RunningService, auth
from tests.support.waiting import eventually

MANAGER = auth("marta")


async def a_call(
    communications: RunningService, kafka: LocalKafka, namespace: str, caller_number: str
) -> dict[str, Any]:
    """A call from the number, as communications registered it."""
    pbx_call_id = f"pbx-{uuid.uuid4().hex[:12]}"
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(
            CallReceivedV1(
                pbx_call_id=pbx_call_id,
                caller_number=caller_number,
                called_number="+48221234567",
                extension="101",
                received_at=datetime.now(UTC),
            )
        )

    async def registered() -> dict[str, Any] | None:
        calls = ok(await communications.http.get("/calls", headers=MANAGER))["items"]
        return next((call for call in calls if call["pbx_call_id"] == pbx_call_id), None)

    return await eventually(registered, what="the call was registered")


ANNA_EXTENSION, PIOTR_EXTENSION = "101", "102"


def received(caller: str, *, extension: str = ANNA_EXTENSION, pbx_call_id: str | None = None) -> CallReceivedV1:
    return CallReceivedV1(
        pbx_call_id=pbx_call_id or f"pbx-{uuid.uuid4().hex[:12]}",
        caller_number=caller,
        called_number="+48221234567",
        extension=extension,
        received_at=datetime.now(UTC),
    )


async def calls_of(svc: RunningService, user: str, **params: Any) -> list[dict[str, Any]]:
    response = await svc.http.get("/calls", params={"limit": 200, **params}, headers=auth(user))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def registered(svc: RunningService, pbx_call_id: str) -> dict[str, Any]:
    """The call as the manager sees it, once communications has stored it."""

    async def probe() -> dict[str, Any] | None:
        return next((c for c in await calls_of(svc, "marta") if c["pbx_call_id"] == pbx_call_id), None)

    return await eventually(probe, what=f"call {pbx_call_id} was registered")


async def offsets(bootstrap: str, namespace: str, topic: Topic) -> tuple[int, int]:
    """What the topic holds, and what communications has processed of it."""
    return await consumed(bootstrap, namespace, topic, "communications")


async def lead_events_consumed(bootstrap: str, namespace: str, *, at_least: int) -> bool:
    """Communications has processed every record of the lead topic, and there are at least ``at_least``. Not an exact
    count: as it starts, leads announces the leads it holds once (LeadAnnouncedV1), and a lead created while that pass
    runs may be announced besides its LeadCreatedV1."""
    held, processed = await offsets(bootstrap, namespace, LEAD)
    return held >= at_least and processed == held
