"""How fast reporting rebuilds from the topics: a lead history of N events published to a private broker, then
replayed by ``ServiceRuntime.replay`` (what ``python -m leadline.reporting rebuild`` runs) into a fresh SQLite
database, or PostgreSQL one. Part of ``make bench``; alone: ``python -m tests.bench.replay [--events N] [--postgres]``
(``--postgres`` needs LEADLINE_TEST_POSTGRES_URL). Measures, asserts nothing."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from leadline.contracts.platform.migrations import upgrade
from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.wire.envelope import Envelope
from leadline.reporting.app import create_app
from leadline.reporting.config import Settings
from tests.support.databases import (
    POSTGRES_URL_VARIABLE,
    create_postgres_database,
    drop_postgres_database,
    postgres_admin_url,
    sqlite_url,
)
from tests.support.kafka import LocalKafka, free_port, new_namespace
from tests.support.lead_histories import lead_histories

AVERAGE_EVENTS_PER_LEAD = 3.4  # of lead_histories: created, up to three steps, sometimes an ending


async def publish_histories(bootstrap: str, prefix: str, events: int) -> int:
    history = lead_histories(int(events / AVERAGE_EVENTS_PER_LEAD), seed=1)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=512 * 1024)
    await producer.start()
    try:
        sends = []
        for event in history:
            envelope = Envelope.wrap(event, source="leadline/leads")
            sends.append(
                await producer.send(
                    prefix + event.topic.name,
                    envelope.data,
                    key=envelope.subject.encode(),
                    headers=envelope.kafka_headers(),
                )
            )
        await asyncio.gather(*sends)
    finally:
        await producer.stop()
    return len(history)


async def reporting_replay(kafka: LocalKafka, events: int, url: str) -> dict[str, Any]:
    """Replays a history of ``events`` into reporting's fresh database at ``url``."""
    prefix = await new_namespace(kafka)
    published = await publish_histories(kafka.bootstrap, prefix, events)
    await asyncio.to_thread(upgrade, "leadline.reporting", url)
    settings = Settings(database_url=url, kafka_bootstrap_servers=kafka.bootstrap, kafka_topic_prefix=prefix)
    runtime: ServiceRuntime[Any] = create_app(settings).state.runtime
    started, cpu_started = time.perf_counter(), time.process_time()
    replayed = await runtime.replay()
    cpu_seconds = time.process_time() - cpu_started
    return {
        "events": published,
        "replayed": replayed.records,
        "seconds": round(time.perf_counter() - started, 2),
        "events_per_second": round(replayed.per_second),
        # Of this process alone (the broker and PostgreSQL are others): steadier on a shared machine than the wall.
        "cpu_seconds": round(cpu_seconds, 2),
        "events_per_cpu_second": round(replayed.records / cpu_seconds) if cpu_seconds else None,
    }


async def run(events: int, *, postgres: bool) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="leadline-bench-replay-"))
    kafka = LocalKafka(workdir / "kafka", free_port(), free_port())
    admin_url = postgres_admin_url()
    if postgres and admin_url is None:
        raise SystemExit(f"--postgres needs {POSTGRES_URL_VARIABLE}")
    url = await create_postgres_database(admin_url) if postgres and admin_url else sqlite_url(workdir, "reporting")
    kafka.start()
    try:
        return await reporting_replay(kafka, events, url)
    finally:
        kafka.stop()
        if postgres and admin_url:
            await drop_postgres_database(admin_url, url)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--postgres", action="store_true", help="replay into PostgreSQL instead of SQLite")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.events, postgres=args.postgres)), indent=2))


if __name__ == "__main__":
    main()
