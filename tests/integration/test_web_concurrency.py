"""``WEB_CONCURRENCY=2`` on PostgreSQL: one service, started as a user starts it, answers on one port through two
worker processes, each a whole replica; what is created through either is made and published once, its management
port speaks for both, a worker that dies is replaced, and SIGTERM stops them all."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from leadline.contracts.tooling.local_stack import ServiceProcess
from leadline.contracts.wire.events import LeadCreatedV1
from leadline.contracts.wire.topics import LEAD
from tests.support.kafka import LocalKafka, free_port, headers_of, read_all
from tests.support.processes import running, serving_pid, spawned_workers
from tests.support.services import auth
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

WORKERS = 2
START_SECONDS = 120.0
STOP_SECONDS = 90.0


@pytest.fixture
async def leads(
    postgres_database_url: str, kafka: LocalKafka, namespace: str, tmp_path: Path
) -> AsyncIterator[ServiceProcess]:
    # PostgreSQL first: without a server the test is skipped before a broker is started for it.
    service = ServiceProcess(
        "leads",
        free_port(),
        free_port(),
        {
            "DATABASE_URL": postgres_database_url,
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,
            "KAFKA_TOPIC_PREFIX": namespace,
            "WEB_CONCURRENCY": str(WORKERS),
            "LOG_LEVEL": "WARNING",
        },
        tmp_path / "leads.log",
    )
    service.start()
    try:
        await asyncio.to_thread(service.wait_ready, START_SECONDS)
        yield service
    finally:
        await asyncio.to_thread(service.stop, STOP_SECONDS)


def _pid(service: ServiceProcess) -> int:
    assert service.process is not None
    return service.process.pid


async def test_creates_through_two_worker_processes_are_each_made_and_published_once(
    leads: ServiceProcess, kafka: LocalKafka, namespace: str
) -> None:
    workers = spawned_workers(_pid(leads))
    assert len(workers) == WORKERS, workers
    made_by: dict[str, int | None] = {}  # lead id: the pid of the worker that answered its create

    async def create() -> None:
        # A client (so a connection) of its own: the kernel gives each new connection to whichever worker accepts.
        async with httpx.AsyncClient(base_url=leads.url) as http:
            response = await http.post("/leads", json={"name": f"Worker {uuid.uuid4().hex[:8]}"}, headers=auth("anna"))
            assert response.status_code == 201, response.text
            made_by[response.json()["id"]] = serving_pid(response, workers)

    async def both_answered() -> bool:
        await asyncio.gather(*(create() for _ in range(4)))
        return set(made_by.values()) == workers

    await eventually(both_answered, timeout=60, what="creates answered by each worker process")

    samples = await eventually(lambda: _drained(leads), what="every committed event published")
    created = [
        headers_of(record)["ce_subject"]
        for record in await read_all(kafka.bootstrap, LEAD, namespace)
        if headers_of(record)["ce_type"] == LeadCreatedV1.type
    ]
    assert sorted(created) == sorted(made_by), "each create published once, whichever worker made it"
    answered = {
        labels["worker"]: value
        for (name, labels), value in samples
        if name == "leadline_http_request_duration_seconds_count"
        and labels | {"worker": ""} == {"method": "POST", "route": "/leads", "status": "201", "worker": ""}
    }
    assert set(answered) == {"0", "1"}, "/metrics on the management port counts every worker's requests"
    assert sum(answered.values()) == len(made_by)


async def test_a_worker_that_dies_is_replaced_and_sigterm_stops_every_worker(leads: ServiceProcess) -> None:
    first = spawned_workers(_pid(leads))
    killed = min(first)
    os.kill(killed, signal.SIGKILL)

    async def replaced() -> set[int] | None:
        now = spawned_workers(_pid(leads))
        return now if len(now) == WORKERS and killed not in now else None

    workers = await eventually(replaced, timeout=30, what="a new worker in the killed one's place")
    await eventually(lambda: _ready(leads), timeout=START_SECONDS, what="ready again with every worker")
    async with httpx.AsyncClient(base_url=leads.url) as http:
        response = await http.post("/leads", json={"name": "After a worker died"}, headers=auth("anna"))
    assert response.status_code == 201, response.text

    await asyncio.to_thread(leads.stop, STOP_SECONDS)

    assert leads.process is not None
    assert leads.process.returncode == 0, "stopped gracefully, not killed"
    assert not any(map(running, workers)), "no worker outlives the service"


async def test_a_worker_that_cannot_start_stops_the_service_with_a_failure(postgres_database_url: str) -> None:
    """No silent half capacity: here no broker answers, so no worker gets through its startup."""
    environment = {
        **os.environ,
        "DATABASE_URL": postgres_database_url,
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
        "WEB_CONCURRENCY": str(WORKERS),
        "HTTP_PORT": str(free_port()),
        "MANAGEMENT_PORT": str(free_port()),
    }
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "leadline.leads", "serve", env=environment, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(START_SECONDS):
        _, errors = await service.communicate()

    assert service.returncode == 1, errors.decode()[-2000:]
    assert "before it started serving; stopping" in errors.decode()


Samples = list[tuple[tuple[str, dict[str, str]], float]]


async def _scraped(service: ServiceProcess) -> Samples:
    async with httpx.AsyncClient(base_url=service.management_url) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    return [
        ((sample.name, sample.labels), sample.value)
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


async def _drained(service: ServiceProcess) -> Samples | None:
    samples = await _scraped(service)
    up = [value for (name, _), value in samples if name == "leadline_worker_up"]
    backlog = [value for (name, _), value in samples if name == "leadline_outbox_backlog"]
    return samples if up == [1.0] * WORKERS and backlog and not any(backlog) else None


async def _ready(service: ServiceProcess) -> bool:
    async with httpx.AsyncClient(base_url=service.management_url) as http:
        response = await http.get("/ready")
    return response.status_code == 200 and f"worker {WORKERS - 1}: database" in response.json()["checks"]
