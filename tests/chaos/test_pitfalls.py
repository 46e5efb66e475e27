"""Known pitfalls of Kafka clients, on the real cluster: consumers that hang once their group coordinator is gone,
and producers stuck for ever while no broker answers (with writes lost, or the service saying it is fine)."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from deploy.cluster import ClusterLayout, KafkaNode
from leadline.contracts.platform.messaging.relay import PUBLISH_TIMEOUT_SECONDS
from leadline.contracts.wire.events import LeadCreatedV1
from leadline.contracts.wire.topics import LEAD
from tests.chaos.checker import backlog_of
from tests.support.builders import call_received
from tests.support.kafka import GatewayProducer, headers_of, read_all
from tests.support.services import auth
from tests.support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.chaos]


def _paused(broker: KafkaNode) -> bool:
    pid = broker.pid()
    assert pid is not None
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("T")


@pytest.fixture
async def healthy(cluster: ClusterLayout) -> AsyncIterator[ClusterLayout]:
    """The cluster, whole again after the test: every broker answering, every partition fully replicated."""
    try:
        yield cluster
    finally:
        for broker in cluster.brokers:
            broker.signal(signal.SIGCONT)
        await eventually(lambda: _in_sync(cluster.bootstrap), timeout=180, what="every partition in sync again")


async def _in_sync(bootstrap: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        topics = await admin.describe_topics()
        return all(len(p["isr"]) == len(p["replicas"]) for t in topics for p in t["partitions"])
    except Exception:  # a broker still coming back
        return False
    finally:
        await admin.close()


async def _coordinator(bootstrap: str, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        node_id: int = await admin.find_coordinator(group)
        return node_id
    finally:
        await admin.close()


CALLS = 40


async def test_consumers_carry_on_while_their_group_coordinator_is_paused(healthy: ClusterLayout) -> None:
    """A paused broker (a long GC pause, a frozen VM) keeps its connections open and answers nothing: clients
    must time out, find the group's new coordinator and go on, without a restart."""
    cluster = healthy
    group = cluster.topic_prefix + "leadline.communications"
    coordinator_id = await _coordinator(cluster.bootstrap, group)
    (coordinator,) = [b for b in cluster.brokers if b.node_id == coordinator_id]
    # Clients of the test itself avoid it: a client bootstrapping from a paused broker waits for its timeout.
    others = ",".join(b.bootstrap for b in cluster.brokers if b is not coordinator)
    batch = f"coordinator-{uuid.uuid4().hex[:8]}-"
    coordinator.signal(signal.SIGSTOP)

    async def moved() -> bool:
        try:
            return await _coordinator(others, group) != coordinator_id
        except KafkaError:  # asked the paused broker (clients learn of all brokers from any): ask again
            return False

    await eventually(moved, timeout=60, what="the group's coordinator moved off the paused broker")
    calls = [call_received(f"{batch}{n}", caller_number=f"+4872{n:07d}") for n in range(CALLS)]
    async with GatewayProducer(others, cluster.topic_prefix) as gateway:
        await asyncio.gather(*(gateway.publish(call) for call in calls))

    async def registered() -> bool:
        return len(await _listed_calls(cluster.service_urls()["communications"][0], batch)) == CALLS

    await eventually(registered, timeout=120, what="communications registered every call while the broker is paused")
    assert _paused(coordinator), "the coordinator stayed paused all along"


async def _listed_calls(url: str, batch: str) -> set[str]:
    found: set[str] = set()
    cursor: str | None = None
    async with httpx.AsyncClient(timeout=10) as http:
        while True:
            params: dict[str, str | int] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = (await http.get(f"{url}/calls", params=params, headers=auth("marta"))).json()
            found |= {c["pbx_call_id"] for c in page["items"] if c["pbx_call_id"].startswith(batch)}
            cursor = page["next_cursor"]
            if cursor is None:
                return found


async def test_with_no_broker_answering_writes_wait_in_the_outbox_and_ready_says_so(healthy: ClusterLayout) -> None:
    """Every broker paused for longer than the relay waits for an acknowledgement: a lead is still created (its
    event waits in the outbox), /ready says the broker is unreachable, and once the brokers answer again the
    event goes out once and the other services read it: no producer or consumer stuck for good."""
    cluster = healthy
    leads_urls, documents_url = cluster.service_urls()["leads"], cluster.service_urls()["documents"][0]
    leads_management = cluster.management_urls()["leads"]
    for broker in cluster.brokers:
        broker.signal(signal.SIGSTOP)
    async with httpx.AsyncClient(timeout=10) as http:
        created = await http.post(
            f"{leads_urls[0]}/leads", json={"name": "Written while no broker answers"}, headers=auth("anna")
        )
        assert created.status_code == 201, created.text
        lead_id = created.json()["id"]

        async def unready_and_waiting() -> bool:
            ready = [await http.get(f"{url}/ready") for url in leads_management]
            backlog = sum([await backlog_of(http, url) for url in leads_management])
            return all(r.status_code == 503 and r.json()["checks"]["broker"] == "unreachable" for r in ready) and (
                backlog >= 1
            )

        await eventually(unready_and_waiting, timeout=30, what="leads says the broker is unreachable, event waiting")
        # The outage itself: longer than a relay waits for Kafka, so a send in flight is given up and made again.
        await asyncio.sleep(PUBLISH_TIMEOUT_SECONDS + 5)
        for broker in cluster.brokers:
            broker.signal(signal.SIGCONT)

        async def published_and_read() -> bool:
            ready = all([(await http.get(f"{url}/ready")).status_code == 200 for url in leads_management])
            drained = sum([await backlog_of(http, url) for url in leads_management]) == 0
            copied = (await http.get(f"{documents_url}/leads/{lead_id}", headers=auth("marta"))).status_code == 200
            return ready and drained and copied

        await eventually(published_and_read, timeout=180, what="published once the brokers answer, and consumed")
    created_events = {
        headers_of(r)["ce_id"]
        for r in await read_all(cluster.bootstrap, LEAD, cluster.topic_prefix)
        if headers_of(r)["ce_type"] == LeadCreatedV1.type and headers_of(r)["ce_subject"] == lead_id
    }
    assert len(created_events) == 1
