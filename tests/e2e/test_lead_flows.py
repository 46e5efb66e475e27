"""The whole system from outside: a gateway publishing with a plain Kafka client, a sales app over
HTTP, a BI client reading the reporting topic. The services run as processes (see conftest)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from leadline.contracts.events import CallReceivedV1, LeadsByStatusV1
from leadline.contracts.topics import LEADS_BY_STATUS
from tests.e2e.conftest import Stack
from tests.support.kafka import GatewayProducer, read_until
from tests.support.services import auth
from tests.support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]


def call_from(number: str, extension: str = "101") -> CallReceivedV1:
    return CallReceivedV1(
        pbx_call_id=f"pbx-{uuid.uuid4()}",
        caller_number=number,
        called_number="+48717000000",
        extension=extension,
        received_at=datetime.now(UTC),
    )


async def get_json(url: str, user: str) -> Any:
    async with httpx.AsyncClient() as client:
        response = await client.get(url, headers=auth(user))
        return response.json() if response.status_code == 200 else None


async def test_calls_become_leads_and_the_funnel_counts_them(stack: Stack) -> None:
    leads, communications = stack.url("leads"), stack.url("communications")
    async with httpx.AsyncClient() as sales_app:
        created = await sales_app.post(
            f"{leads}/leads",
            json={"name": "Solar panels for a warehouse", "phone": "+48 601 111 222"},
            headers=auth("anna"),
        )
        assert created.status_code == 201, created.text
        known_lead = created.json()

    async with GatewayProducer(stack.bootstrap, stack.prefix) as gateway:
        known_call = call_from("601-111-222")
        envelope = await gateway.publish(known_call)
        await gateway.publish(known_call, event_id=envelope.id)  # the gateway retried
        unknown_call = call_from("0048 602 333 444")
        await gateway.publish(unknown_call)

    async def call_of(pbx_call_id: str, state: str) -> dict[str, Any] | None:
        page = await get_json(f"{communications}/calls", "anna")
        matching = [c for c in (page or {"items": []})["items"] if c["pbx_call_id"] == pbx_call_id]
        return matching[0] if matching and matching[0]["state"] == state else None

    attached = await eventually(lambda: call_of(known_call.pbx_call_id, "attached"), what="the known caller attached")
    assert attached["lead_id"] == known_lead["id"]
    triaged = await eventually(lambda: call_of(unknown_call.pbx_call_id, "triage"), what="the unknown caller in triage")
    page = await get_json(f"{communications}/calls", "anna")
    assert [c["pbx_call_id"] for c in page["items"]].count(known_call.pbx_call_id) == 1

    async with httpx.AsyncClient() as sales_app:
        requested = await sales_app.post(
            f"{communications}/calls/{triaged['id']}/create-lead",
            json={"name": "Heat pump enquiry"},
            headers=auth("anna"),
        )
        assert requested.status_code == 202, requested.text
    now_attached = await eventually(lambda: call_of(unknown_call.pbx_call_id, "attached"), what="triaged call attached")
    new_lead = await eventually(lambda: get_json(f"{leads}/leads/{now_attached['lead_id']}", "anna"), what="lead made")
    assert (new_lead["name"], new_lead["phone"], new_lead["salesperson_id"]) == (
        "Heat pump enquiry",
        "+48602333444",
        "anna",
    )

    def latest_counts(records: list[Any]) -> dict[str, int]:
        return {r.key.decode(): LeadsByStatusV1.model_validate_json(r.value).lead_count for r in records}

    await read_until(stack.bootstrap, LEADS_BY_STATUS, stack.prefix, lambda rs: latest_counts(rs).get("new") == 2)
    copy = await eventually(lambda: get_json(f"{stack.url('documents')}/leads/{new_lead['id']}", "anna"), what="copied")
    assert copy["name"] == "Heat pump enquiry"
