"""``make bench``: how fast Leadline moves events, measured beside raw aiokafka on the same broker
in the same run, so the numbers say what the services add over the bare client.

Three measurements, each against the four services running as processes on a private broker:
- baseline: raw aiokafka, produce then consume N records of a gateway event's size;
- intake: a gateway bursts N calls; throughput and latency until communications has registered
  each one (its call.registered event on Kafka), and latency at a steady rate below the maximum;
- leads: HTTP writes per second (concurrent clients) and lead-created → funnel-updated latency;
- reporting replay: events per second that ``python -m leadline.reporting rebuild`` folds (tests/bench/replay.py).
The report goes to reports/bench-pipeline.json. Nothing here asserts a speed: it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from leadline.contracts.envelope import Envelope
from leadline.contracts.events import CallReceivedV1, CallRegisteredV1, LeadsByStatusV1
from leadline.contracts.local_stack import LocalStack
from leadline.contracts.topics import CALL, LEADS_BY_STATUS
from tests.bench.replay import reporting_replay
from tests.support.kafka import GatewayProducer, LocalKafka, free_port, new_namespace, stack_on
from tests.support.services import auth

REPORT = Path("reports") / "bench-pipeline.json"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": round(ordered[-1] * 1000, 2)}


def call(n: int, batch: str) -> CallReceivedV1:
    return CallReceivedV1(
        pbx_call_id=f"{batch}-{n}",
        caller_number=f"+4860{n:07d}",
        called_number="+48717000000",
        extension="100",
        received_at=datetime.now(UTC),
    )


async def raw_baseline(bootstrap: str, count: int) -> dict[str, Any]:
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    await admin.close()
    sample = Envelope.wrap(call(0, "raw"), source="bench")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=topic, auto_offset_reset="earliest")
    await producer.start()
    await consumer.start()
    try:
        started = time.perf_counter()
        sends = [
            await producer.send(topic, sample.data, key=str(n).encode(), headers=sample.kafka_headers())
            for n in range(count)
        ]
        await asyncio.gather(*sends)
        produced = time.perf_counter() - started
        latencies: list[float] = []
        while len(latencies) < count:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                now = time.time()
                latencies.extend(now - r.timestamp / 1000 for r in records)
        total = time.perf_counter() - started
    finally:
        await producer.stop()
        await consumer.stop()
    return {
        "records": count,
        "produce_per_second": round(count / produced),
        "produce_and_consume_per_second": round(count / total),
        "latency": percentiles(latencies),
    }


async def registered_latencies(bootstrap: str, prefix: str, batch: str, count: int) -> tuple[list[float], float]:
    """Reads communications' topic until every call of the batch is registered: per-call latency from
    the gateway's received_at to the registered event's broker timestamp, and when the last arrived."""
    consumer = AIOKafkaConsumer(
        prefix + CALL.name, bootstrap_servers=bootstrap, group_id=f"bench-{uuid.uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    latencies: dict[str, float] = {}
    try:
        while len(latencies) < count:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=2000)).values():
                for record in records:
                    headers = dict(record.headers)
                    if headers.get("ce_type") != CallRegisteredV1.type.encode():
                        continue
                    event = CallRegisteredV1.model_validate_json(record.value)
                    if event.pbx_call_id.startswith(batch):
                        latencies[event.pbx_call_id] = record.timestamp / 1000 - event.received_at.timestamp()
        return list(latencies.values()), time.perf_counter()
    finally:
        await consumer.stop()


async def intake_burst(bootstrap: str, prefix: str, count: int) -> dict[str, Any]:
    batch = f"burst-{uuid.uuid4().hex[:6]}"
    reader = asyncio.create_task(registered_latencies(bootstrap, prefix, batch, count))
    started = time.perf_counter()
    async with GatewayProducer(bootstrap, prefix) as gateway:
        await asyncio.gather(*(gateway.publish(call(n, batch)) for n in range(count)))
    latencies, finished = await reader
    return {
        "calls": count,
        "registered_per_second": round(count / (finished - started)),
        "latency": percentiles(latencies),
    }


async def intake_steady(bootstrap: str, prefix: str, rate: int, seconds: int) -> dict[str, Any]:
    batch = f"steady-{uuid.uuid4().hex[:6]}"
    count = rate * seconds
    reader = asyncio.create_task(registered_latencies(bootstrap, prefix, batch, count))
    async with GatewayProducer(bootstrap, prefix) as gateway:
        start = time.perf_counter()
        for n in range(count):
            await gateway.publish(call(n, batch))
            ahead = start + (n + 1) / rate - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)  # pacing the load generator, not synchronising a test
    latencies, _ = await reader
    return {"calls_per_second": rate, "seconds": seconds, "latency": percentiles(latencies)}


async def lead_writes(leads_url: str, bootstrap: str, prefix: str, count: int, concurrency: int) -> dict[str, Any]:
    headers = auth("anna")
    latencies: list[float] = []
    created_at: dict[str, float] = {}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            begun = time.perf_counter()
            response = await http.post(f"{leads_url}/leads", json={"name": f"Bench lead {n}"}, headers=headers)
            latencies.append(time.perf_counter() - begun)
            response.raise_for_status()
            created_at[response.json()["id"]] = datetime.fromisoformat(response.json()["created_at"]).timestamp()

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    funnel = await funnel_catches_up(bootstrap, prefix, count, last_write=max(created_at.values()))
    return {
        "leads": count,
        "concurrency": concurrency,
        "writes_per_second": round(count / elapsed),
        "latency": percentiles(latencies),
        "funnel_counted_all_seconds_after_last_write": funnel,
    }


async def funnel_catches_up(bootstrap: str, prefix: str, count: int, last_write: float) -> float:
    consumer = AIOKafkaConsumer(
        prefix + LEADS_BY_STATUS.name,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid.uuid4()}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        while True:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    counted = LeadsByStatusV1.model_validate_json(record.value)
                    if counted.status_code == "new" and counted.lead_count >= count:
                        return round(float(record.timestamp) / 1000 - last_write, 3)
    finally:
        await consumer.stop()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="leadline-bench-"))
    kafka = LocalKafka(workdir / "kafka", free_port(), free_port())
    kafka.start()
    stack: LocalStack | None = None
    try:
        prefix = await new_namespace(kafka)
        baseline = await raw_baseline(kafka.bootstrap, args.calls)
        stack = stack_on(kafka, prefix, workdir)
        await asyncio.to_thread(stack.start)
        burst = await intake_burst(kafka.bootstrap, prefix, args.calls)
        steady = await intake_steady(kafka.bootstrap, prefix, args.steady_rate, args.steady_seconds)
        writes = await lead_writes(stack.services["leads"].url, kafka.bootstrap, prefix, args.leads, args.concurrency)
        replay = await reporting_replay(kafka, workdir, args.replay_events)
        return {
            "measured_at": datetime.now(UTC).isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "database": "SQLite (the embedded default), one file per service",
            "raw_aiokafka_baseline": baseline,
            "intake_burst": burst,
            "intake_steady": steady,
            "leads_http_writes": writes,
            "reporting_replay": replay,
        }
    finally:
        if stack is not None:
            await asyncio.to_thread(stack.stop)
        kafka.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--steady-rate", type=int, default=200, help="calls per second")
    parser.add_argument("--steady-seconds", type=int, default=10)
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--replay-events", type=int, default=50_000)
    report = asyncio.run(run(parser.parse_args()))
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"\nwritten to {REPORT}")


if __name__ == "__main__":
    main()
