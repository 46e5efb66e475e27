"""``make bench``: Leadline beside the fastest honest minimal programs doing the same work, in the same run,
on the same private broker: ratios hold on a shared machine where absolute numbers drift.

Per database (SQLite always; PostgreSQL too when ``LEADLINE_TEST_POSTGRES_URL`` names a server), with the four
services running as processes:
- intake: a gateway bursts N calls; calls registered per second until every ``call.registered`` is on Kafka,
  beside the minimal aiokafka intake (tests/bench/baselines.py); then latency at a steady 1,000 calls/s;
- lead creates over HTTP at 16 clients, beside the minimal FastAPI insert endpoint; then latency at half
  Leadline's rate; lead created → funnel updated;
- reporting's replay from the topics (tests/bench/replay.py);
- each service's CPU seconds and peak resident memory, and during the intake burst and the creates (Leadline's
  and the baselines') the cores each process used: the services, the broker, the baseline, this load generator.
Also raw aiokafka producing and consuming, for scale. ``--profile`` records each service with py-spy
(flame graphs in reports/). Writes reports/bench-pipeline.json and the table reports/bench-pipeline.md.
Nothing here asserts a speed: it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from leadline.contracts.platform.settings import LOCAL_JWT_SECRET
from leadline.contracts.tooling.local_stack import LocalStack
from leadline.contracts.tooling.services import service_names
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import CallReceivedV1, LeadsByStatusV1
from leadline.contracts.wire.topics import CALL, LEADS_BY_STATUS, TELEPHONY_CALL
from tests.bench.http_client import JsonConnection
from tests.bench.replay import reporting_replay
from tests.support.databases import create_postgres_database, drop_postgres_database, postgres_admin_url, sqlite_url
from tests.support.kafka import LocalKafka, free_port, new_namespace, stack_on
from tests.support.services import auth
from tests.support.waiting import Deadline

REPORTS = Path("reports")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"p50_ms": at(0.50), "p99_ms": at(0.99), "max_ms": round(ordered[-1] * 1000, 1)}


def call(n: int, batch: str) -> CallReceivedV1:
    return CallReceivedV1(
        pbx_call_id=f"{batch}-{n}",
        caller_number=f"+4860{n:07d}",
        called_number="+48717000000",
        extension="100",
        received_at=datetime.now(UTC),
    )


async def create_topic(bootstrap: str, name: str, partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def raw_aiokafka(bootstrap: str, count: int) -> dict[str, Any]:
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    await create_topic(bootstrap, topic)
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
        consumed = 0
        while consumed < count:
            consumed += sum(len(records) for records in (await consumer.getmany(timeout_ms=1000)).values())
        total = time.perf_counter() - started
    finally:
        await producer.stop()
        await consumer.stop()
    return {"produced_per_second": round(count / produced), "produced_and_consumed_per_second": round(count / total)}


async def registered_latencies(bootstrap: str, topic: str, batch: str, count: int) -> tuple[list[float], float]:
    """Reads ``topic`` until every call of the batch is registered: per call, the time from the gateway's
    received_at to the registration's broker timestamp; and when the last one arrived."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"bench-{uuid.uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    latencies: dict[str, float] = {}
    try:
        deadline = Deadline(600)
        while len(latencies) < count:
            deadline.check(f"only {len(latencies)} of {count} calls registered")
            for records in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values():
                for record in records:
                    registered = json.loads(record.value or b"{}")
                    pbx_call_id = registered.get("pbx_call_id", "")
                    if pbx_call_id.startswith(batch):
                        received = datetime.fromisoformat(registered["received_at"]).timestamp()
                        latencies[pbx_call_id] = record.timestamp / 1000 - received
        return list(latencies.values()), time.perf_counter()
    finally:
        await consumer.stop()


@asynccontextmanager
async def gateway_on(bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    """A telephony gateway's producer, as a real one is configured."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def publish(gateway: AIOKafkaProducer, topic: str, received: CallReceivedV1) -> asyncio.Future[Any]:
    """Hands the call to the producer; the future resolves when the broker has it."""
    envelope = Envelope.wrap(received, source="bench-gateway")
    sent: asyncio.Future[Any] = await gateway.send(
        topic, envelope.data, key=envelope.subject.encode(), headers=envelope.kafka_headers()
    )
    return sent


async def burst(bootstrap: str, topic: str, registered_topic: str, count: int) -> dict[str, Any]:
    """A gateway publishes ``count`` calls at once to ``topic``; how fast they come out registered."""
    batch = f"burst-{uuid.uuid4().hex[:6]}"
    reader = asyncio.create_task(registered_latencies(bootstrap, registered_topic, batch, count))
    started = time.perf_counter()
    async with gateway_on(bootstrap) as gateway:
        sends = [await publish(gateway, topic, call(n, batch)) for n in range(count)]
        await asyncio.gather(*sends)
    latencies, finished = await reader
    return {"calls": count, "per_second": round(count / (finished - started)), "latency": percentiles(latencies)}


async def steady(bootstrap: str, topic: str, registered_topic: str, rate: int, seconds: int) -> dict[str, Any]:
    batch = f"steady-{uuid.uuid4().hex[:6]}"
    count = rate * seconds
    reader = asyncio.create_task(registered_latencies(bootstrap, registered_topic, batch, count))
    async with gateway_on(bootstrap) as gateway:
        start = time.perf_counter()
        for n in range(count):
            await publish(gateway, topic, call(n, batch))
            ahead = start + (n + 1) / rate - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)  # pacing the load generator, not synchronising a test
    latencies, _ = await reader
    return {"calls_per_second": rate, "seconds": seconds, "latency": percentiles(latencies)}


async def lead_creates(url: str, count: int, concurrency: int, *, rate: float | None = None) -> dict[str, Any]:
    """``count`` POST /leads from ``concurrency`` clients as fast as answered, or paced at ``rate`` a second."""
    headers = auth("anna")
    latencies: list[float] = []
    created: list[float] = []
    next_lead = iter(range(count))
    start = time.perf_counter()

    async def client() -> None:
        async with JsonConnection(url, headers) as http:
            for n in next_lead:
                if rate is not None and (ahead := start + n / rate - time.perf_counter()) > 0:
                    await asyncio.sleep(ahead)  # pacing the load generator
                begun = time.perf_counter()
                lead = await http.post("/leads", {"name": f"Bench lead {n}"})
                latencies.append(time.perf_counter() - begun)
                created.append(datetime.fromisoformat(lead["created_at"]).timestamp())

    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {
        "leads": count,
        "clients": concurrency,
        "per_second": round(count / elapsed),
        "latency": percentiles(latencies),
        "last_created_at": max(created),
    }


async def funnel_caught_up(bootstrap: str, prefix: str, count: int, last_write: float) -> float:
    """Seconds from the last lead created to the BI topic counting it."""
    consumer = AIOKafkaConsumer(
        prefix + LEADS_BY_STATUS.name,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid.uuid4()}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        deadline = Deadline(300)
        while True:
            deadline.check("reporting never counted every lead")
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    counted = LeadsByStatusV1.model_validate_json(record.value or b"")
                    if counted.status_code == "new" and counted.lead_count >= count:
                        return round(float(record.timestamp) / 1000 - last_write, 3)
    finally:
        await consumer.stop()


@asynccontextmanager
async def baseline(arguments: list[str], ready: Callable[[], Awaitable[bool]]) -> AsyncIterator[int]:
    """A baseline program, as a process of its own like a service; yields its pid."""
    child = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.bench.baselines", *arguments)
    try:
        deadline = Deadline(60)
        while not await ready():
            deadline.check(f"{arguments[0]} baseline did not start")
            if child.returncode is not None:
                raise RuntimeError(f"{arguments[0]} baseline exited with {child.returncode}")
            await asyncio.sleep(0.2)  # polling a process we do not control; the deadline bounds it
        yield child.pid
    finally:
        child.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(20):
                await child.wait()
        except TimeoutError:
            child.kill()


async def http_up(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            await http.get(url)
        return True
    except httpx.HTTPError:
        return False


async def always() -> bool:
    return True


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


LOAD_GENERATOR = "load generator"


@asynccontextmanager
async def cores_used(pids: dict[str, int]) -> AsyncIterator[dict[str, float]]:
    """The cores each process used on average during the block (filled in as it ends), and this bench's own under
    ``LOAD_GENERATOR``: on a machine of two cores, where a phase's time went, the broker's and the load's included."""
    used: dict[str, float] = {}
    started, own_started = time.perf_counter(), time.process_time()
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    yield used
    wall = time.perf_counter() - started
    used.update({name: round((cpu_seconds(pid) - before[name]) / wall, 2) for name, pid in pids.items()})
    used[LOAD_GENERATOR] = round((time.process_time() - own_started) / wall, 2)


def broker_pid(kafka: LocalKafka) -> int:
    pid = kafka.pid()
    if pid is None:
        raise RuntimeError("the broker is not running")
    return pid


class Resources:
    """CPU seconds and peak resident memory of processes, from /proc."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._pids = pids
        self._cpu_at_start = {name: cpu_seconds(pid) for name, pid in pids.items()}

    @staticmethod
    def _memory_mb(pid: int, key: str) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return round(int(line.split()[1]) / 1024, 1)
        return 0.0

    def now(self) -> dict[str, dict[str, float]]:
        return {
            name: {
                "cpu_seconds": round(cpu_seconds(pid) - self._cpu_at_start[name], 1),
                "rss_mb": self._memory_mb(pid, "VmRSS"),
                "peak_rss_mb": self._memory_mb(pid, "VmHWM"),
            }
            for name, pid in self._pids.items()
        }


def profilers(stack: LocalStack, label: str) -> list[subprocess.Popen[bytes]]:
    """py-spy recording each service until stopped, into a flame graph per service."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    REPORTS.mkdir(exist_ok=True)
    return [
        subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(service.process.pid),
                "--rate",
                "50",
                "--output",
                str(REPORTS / f"profile-{label}-{name}.svg"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, service in stack.services.items()
        if service.process is not None
    ]


async def fresh_database(label: str, workdir: Path, name: str) -> str:
    if label == "sqlite":
        return sqlite_url(workdir, name)
    admin_url = postgres_admin_url()
    assert admin_url is not None
    return await create_postgres_database(admin_url)


async def databases_for(label: str, workdir: Path) -> dict[str, str]:
    """One database per service (and one per baseline, one for the replay), as Leadline runs."""
    return {
        name: await fresh_database(label, workdir, name)
        for name in [*service_names(), "baseline-intake", "baseline-api", "replay"]
    }


async def measure_on(label: str, kafka: LocalKafka, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    await asyncio.to_thread(workdir.mkdir, parents=True)
    urls = await databases_for(label, workdir)
    try:
        return await _measure(label, kafka, workdir, args, urls)
    finally:
        # SQLite's files go with the work directory; PostgreSQL's databases would stay on the server, and every
        # database left there is one more for autovacuum to visit while the next bench measures.
        admin_url = postgres_admin_url()
        if label == "postgresql" and admin_url is not None:
            for url in urls.values():
                await drop_postgres_database(admin_url, url)


async def _measure(
    label: str, kafka: LocalKafka, workdir: Path, args: argparse.Namespace, urls: dict[str, str]
) -> dict[str, Any]:
    prefix = await new_namespace(kafka)
    stack = stack_on(kafka, prefix, workdir, {service: urls[service] for service in service_names()})
    await asyncio.to_thread(stack.start)
    recording = profilers(stack, label) if args.profile else []
    try:
        services = {name: s.process.pid for name, s in stack.services.items() if s.process is not None}
        resources = Resources(services)
        processes = {**services, "kafka": broker_pid(kafka)}
        print(f"[{label}] intake", file=sys.stderr)
        async with cores_used(processes) as intake_cores:
            leadline_intake = await burst(kafka.bootstrap, prefix + TELEPHONY_CALL.name, prefix + CALL.name, args.calls)
        steady_intake = await steady(
            kafka.bootstrap, prefix + TELEPHONY_CALL.name, prefix + CALL.name, args.steady_rate, args.steady_seconds
        )
        print(f"[{label}] lead creates", file=sys.stderr)
        leads_url = stack.services["leads"].url
        async with cores_used(processes) as creates_cores:
            creates = await lead_creates(leads_url, args.leads, args.clients)
        funnel = await funnel_caught_up(kafka.bootstrap, prefix, args.leads, creates.pop("last_created_at"))
        paced = await lead_creates(leads_url, args.leads // 2, args.clients, rate=creates["per_second"] / 2)
        paced.pop("last_created_at")
        used = resources.now()
    finally:
        for profiler in recording:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(30)
        await asyncio.to_thread(stack.stop)
    print(f"[{label}] baselines", file=sys.stderr)
    gateway_topic, registered_topic = f"baseline-{uuid.uuid4().hex[:8]}", f"baseline-registered-{uuid.uuid4().hex[:8]}"
    await create_topic(kafka.bootstrap, gateway_topic)
    await create_topic(kafka.bootstrap, registered_topic)
    database = urls["baseline-intake"]
    database = database.removeprefix("sqlite+aiosqlite:///").replace("postgresql+asyncpg", "postgresql")
    intake_arguments = ["intake", "--bootstrap", kafka.bootstrap, "--topic", gateway_topic]
    intake_arguments += ["--out-topic", registered_topic, "--database", database]
    async with (
        baseline(intake_arguments, always) as pid,
        cores_used({"baseline": pid, "kafka": broker_pid(kafka)}) as cores,
    ):
        baseline_intake = await burst(kafka.bootstrap, gateway_topic, registered_topic, args.calls)
    baseline_intake["cores"] = cores
    port = free_port()
    api_arguments = ["api", "--port", str(port), "--database-url", urls["baseline-api"]]
    async with baseline(
        [*api_arguments, "--jwt-secret", LOCAL_JWT_SECRET], lambda: http_up(f"http://127.0.0.1:{port}")
    ) as pid:
        async with cores_used({"baseline": pid, "kafka": broker_pid(kafka)}) as cores:
            baseline_creates = await lead_creates(f"http://127.0.0.1:{port}", args.leads, args.clients)
        baseline_creates.pop("last_created_at")
        baseline_creates["cores"] = cores
    replay = await reporting_replay(kafka, args.replay_events, urls["replay"])
    leadline_intake["cores"], creates["cores"] = intake_cores, creates_cores
    return {
        "intake_burst": {"leadline": leadline_intake, "baseline": baseline_intake},
        "intake_steady": steady_intake,
        "lead_creates": {"leadline": creates, "baseline": baseline_creates},
        "lead_creates_at_half_rate": paced,
        "lead_created_to_funnel_seconds": funnel,
        "reporting_replay": replay,
        "services": used,
    }


def ratio(leadline: float, baseline: float) -> str:
    return f"{leadline / baseline:.2f}" if baseline else "-"


def table(report: dict[str, Any]) -> str:
    lines = [
        "| database | measure | Leadline | baseline | ratio | Leadline p50 / p99 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]

    def row(label: str, measure: str, measured: dict[str, Any] | None = None, baseline: float | None = None) -> None:
        leadline: float | str = measured.get("per_second", "") if measured else ""
        latency = f"{measured['latency']['p50_ms']} / {measured['latency']['p99_ms']}" if measured else ""
        compared = f"{leadline / baseline:.2f}" if baseline and isinstance(leadline, int | float) else ""
        lines.append(f"| {label} | {measure} | {leadline} | {baseline or ''} | {compared} | {latency} |")

    for label, measured in report["databases"].items():
        intake, creates = measured["intake_burst"], measured["lead_creates"]
        calls = intake["leadline"]["calls"]
        row(label, f"intake, calls/s (a burst of {calls})", intake["leadline"], intake["baseline"]["per_second"])
        steady = measured["intake_steady"]
        row(label, f"intake at a steady {steady['calls_per_second']} calls/s", {**steady, "per_second": ""})
        clients = creates["leadline"]["clients"]
        row(label, f"lead creates/s, {clients} clients", creates["leadline"], creates["baseline"]["per_second"])
        half = measured["lead_creates_at_half_rate"]
        row(label, "lead creates at half that rate", half)
        lines.append(
            f"| {label} | reporting replay, events/s | {measured['reporting_replay']['events_per_second']} | | | |"
        )
        for phase, measure in (("intake burst", intake), ("lead creates", creates)):
            leadline_cores, baseline_cores = _cores(measure["leadline"]["cores"]), _cores(measure["baseline"]["cores"])
            lines.append(f"| {label} | cores used during the {phase} | {leadline_cores} | {baseline_cores} | | |")
        memory = ", ".join(f"{name} {used['peak_rss_mb']:.0f}" for name, used in measured["services"].items())
        lines.append(f"| {label} | peak RSS, MB | {memory} | | | |")
    return "\n".join(lines)


def _cores(used: dict[str, float]) -> str:
    return ", ".join(f"{name} {cores:.2f}" for name, cores in sorted(used.items(), key=lambda item: -item[1]))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="leadline-bench-"))
    kafka = LocalKafka(workdir / "kafka", free_port(), free_port())
    kafka.start()
    try:
        report: dict[str, Any] = {
            "measured_at": datetime.now(UTC).isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "raw_aiokafka": await raw_aiokafka(kafka.bootstrap, args.calls),
            "databases": {},
        }
        labels = ["sqlite"] + (["postgresql"] if postgres_admin_url() and not args.sqlite_only else [])
        for label in labels:
            report["databases"][label] = await measure_on(label, kafka, workdir / label, args)
        return report
    finally:
        kafka.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20_000, help="calls in the intake burst")
    parser.add_argument("--steady-rate", type=int, default=1000, help="calls per second")
    parser.add_argument("--steady-seconds", type=int, default=10)
    parser.add_argument("--leads", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--replay-events", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--profile", action="store_true", help="record each service with py-spy into reports/")
    report = asyncio.run(run(parser.parse_args()))
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "bench-pipeline.json").write_text(json.dumps(report, indent=2) + "\n")
    summary = table(report)
    (REPORTS / "bench-pipeline.md").write_text(summary + "\n")
    print(summary)
    print(f"\nwritten to {REPORTS / 'bench-pipeline.json'} and {REPORTS / 'bench-pipeline.md'}")


if __name__ == "__main__":
    main()
