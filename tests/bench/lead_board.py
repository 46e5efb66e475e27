"""The kanban board and lead creates over HTTP, on a database as large as you give it.

The leads service runs as a process of its own (``python -m leadline.leads serve``, migrating first) on the
database named, with a private Kafka broker for its relay; the load comes over HTTP from this process:

- ``GET /kanban`` and ``GET /kanban?type_code=service``, one request at a time: p50 / p99 and the
  service's CPU milliseconds per request;
- ``POST /leads`` from 16 clients as fast as answered: creates per second, p50 / p99, CPU per create.

Seed a million leads first with ``tests/bench/lead_queries.py`` (it leaves them in
``.local/bench/lead-queries.db``, or in the PostgreSQL database it is given), then compare with an empty
database (``--fresh`` makes one: a new SQLite file, or the PostgreSQL database dropped and created again):

    .venv/bin/python -m tests.bench.lead_board --database-url sqlite+aiosqlite:///.local/bench/lead-queries.db
    .venv/bin/python -m tests.bench.lead_board --fresh --database-url sqlite+aiosqlite:///.local/bench/empty.db
    .venv/bin/python -m tests.bench.lead_board --database-url postgresql+asyncpg://user:pw@host/leads_1m

The creates stay in the database (a few thousand more on a million do not change what is measured).
Rounds alternate board and creates, so a machine shared with other work shows in their spread.
Writes reports/bench-lead-board-<database>-<leads>.json. Nothing here asserts a speed: it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from leadline.contracts.platform.auth import Role, mint_token
from leadline.contracts.platform.db import create_engine
from leadline.contracts.platform.settings import LOCAL_JWT_SECRET
from leadline.contracts.tooling.local_stack import ServiceProcess
from leadline.leads.adapters.tables import leads
from tests.support.kafka import LocalKafka, free_port, new_namespace

REPORTS = Path("reports")
BENCH_USER = "sp01"  # tests/bench/lead_queries.py's busiest salesperson, who has ordered cards by hand


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(samples)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000, 1)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class DatabaseCpu:
    """CPU seconds of the PostgreSQL backends serving a database, from /proc (the server runs on this machine);
    on SQLite the database works inside the service's process, so there is nothing more to count."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self._postgres = url.get_backend_name() == "postgresql"
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._name = url.database

    async def now(self) -> dict[int, float]:
        if not self._postgres:
            return {}
        connection = await asyncpg.connect(self._dsn)
        try:
            pids = await connection.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'"
                " AND pid <> pg_backend_pid()",
                self._name,
            )
        finally:
            await connection.close()
        found = {}
        for row in pids:
            with contextlib.suppress(OSError):  # gone meanwhile
                found[row["pid"]] = cpu_seconds(row["pid"])
        return found

    async def since(self, before: dict[int, float]) -> float | None:
        if not self._postgres:
            return None
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in (await self.now()).items())


def headers(user_id: str = BENCH_USER, role: Role = Role.SALESPERSON) -> dict[str, str]:
    token = mint_token(user_id=user_id, name=user_id, roles=(role,), secret=LOCAL_JWT_SECRET)
    return {"Authorization": f"Bearer {token}"}


async def on_the_team(http: httpx.AsyncClient) -> None:
    """Leads are given to employees only: an empty database gets the bench user as one (the seeded have it)."""
    employee = {"id": BENCH_USER, "name": "Bench salesperson", "role": "salesperson"}
    response = await http.post("/employees", json=employee, headers=headers("bench-manager", Role.MANAGER))
    if response.status_code != 409:
        response.raise_for_status()


async def board(
    http: httpx.AsyncClient, pid: int, database: DatabaseCpu, requests: int, type_code: str | None
) -> dict[str, Any]:
    params = {"type_code": type_code} if type_code else {}
    for _ in range(5):  # warm the caches, as a service that has been running would have them
        (await http.get("/kanban", params=params)).raise_for_status()
    latencies = []
    cpu_before, database_before = cpu_seconds(pid), await database.now()
    for _ in range(requests):
        started = time.perf_counter()
        response = await http.get("/kanban", params=params)
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
    cpu, database_cpu = cpu_seconds(pid) - cpu_before, await database.since(database_before)
    return {
        "requests": requests,
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "cpu_ms_per_request": round(cpu * 1000 / requests, 1),
        "database_cpu_ms_per_request": None if database_cpu is None else round(database_cpu * 1000 / requests, 1),
    }


def new_lead(n: int, rng: random.Random) -> dict[str, Any]:
    """A lead as a salesperson types it: phone and e-mail (looked up for duplicates), revenue, a type."""
    return {
        "name": f"Bench lead {n}",
        "type_code": "service" if rng.random() < 0.2 else "sale",
        "phone": f"+48 6{rng.randint(0, 99_999_999):08d}",
        "email": f"bench.{uuid.uuid4().hex[:12]}@example.com",
        "expected_revenue": f"{rng.randint(1_000, 500_000)}.00",
    }


async def creates(http: httpx.AsyncClient, pid: int, database: DatabaseCpu, count: int, clients: int) -> dict[str, Any]:
    rng = random.Random()
    latencies: list[float] = []
    next_lead = iter(range(count))

    async def client() -> None:
        for n in next_lead:
            started = time.perf_counter()
            response = await http.post("/leads", json=new_lead(n, rng))
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()

    cpu_before, database_before = cpu_seconds(pid), await database.now()
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    cpu, database_cpu = cpu_seconds(pid) - cpu_before, await database.since(database_before)
    return {
        "leads": count,
        "clients": clients,
        "per_second": round(count / elapsed),
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "cpu_ms_per_create": round(cpu * 1000 / count, 1),
        "database_cpu_ms_per_create": None if database_cpu is None else round(database_cpu * 1000 / count, 1),
    }


async def make_fresh(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        for suffix in ("", "-wal", "-shm"):
            await asyncio.to_thread(Path(url.database + suffix).unlink, missing_ok=True)
        return
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{url.database}"')
    finally:
        await connection.close()


async def leads_in(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(leads))).scalar_one())
    finally:
        await engine.dispose()


@asynccontextmanager
async def leads_service(database_url: str, workdir: Path) -> AsyncIterator[ServiceProcess]:
    kafka = LocalKafka(workdir / "kafka", free_port(), free_port())
    await asyncio.to_thread(kafka.start)
    try:
        prefix = await new_namespace(kafka)
        env = {
            "DATABASE_URL": database_url,
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,
            "KAFKA_TOPIC_PREFIX": prefix,
            "LOG_LEVEL": "WARNING",
        }
        service = ServiceProcess("leads", free_port(), free_port(), env, workdir / "leads.log")
        service.start()
        try:
            await asyncio.to_thread(service.wait_ready, 1800)  # a migration may go through every lead first
            yield service
        finally:
            await asyncio.to_thread(service.stop)
    finally:
        await asyncio.to_thread(kafka.stop)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.fresh:
        await make_fresh(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="leadline-board-bench-"))
    try:
        async with leads_service(args.database_url, workdir) as service:
            assert service.process is not None
            pid = service.process.pid
            count = await leads_in(args.database_url)
            print(f"{count:,} leads; leads service pid {pid}", file=sys.stderr)
            rounds = []
            limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
            async with httpx.AsyncClient(base_url=service.url, headers=headers(), timeout=60, limits=limits) as http:
                await on_the_team(http)
                database = DatabaseCpu(args.database_url)
                for n in range(args.rounds):
                    measured = {
                        "board": await board(http, pid, database, args.board_requests, None),
                        "board_service_type": await board(http, pid, database, args.board_requests, "service"),
                        "creates": await creates(http, pid, database, args.creates, args.clients),
                    }
                    rounds.append(measured)
                    print(f"round {n + 1}: {json.dumps(measured)}", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "database": make_url(args.database_url).get_backend_name(),
        "leads": count,
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "rounds": rounds,
    }


def summary(report: dict[str, Any]) -> str:
    """A line per round; CPU as the service's milliseconds per request, + the database's on PostgreSQL."""
    lines = [
        f"{report['database']}, {report['leads']:,} leads, load average {report['machine']['load_average'][0]:.1f}",
        f"{'round':<6} {'board p50/p99 ms':>17} {'cpu ms':>11} {'by type p50/p99':>16} {'cpu ms':>11}"
        f" {'creates/s':>10} {'p50/p99 ms':>13} {'cpu ms':>11}",
    ]

    def cpu(measured: dict[str, Any], per: str) -> str:
        database = measured[f"database_cpu_ms_per_{per}"]
        return f"{measured[f'cpu_ms_per_{per}']}" + ("" if database is None else f" + {database}")

    for n, measured in enumerate(report["rounds"], 1):
        whole, typed, made = measured["board"], measured["board_service_type"], measured["creates"]
        lines.append(
            f"{n:<6} {whole['p50_ms']:>8} / {whole['p99_ms']:<6} {cpu(whole, 'request'):>11}"
            f" {typed['p50_ms']:>7} / {typed['p99_ms']:<6} {cpu(typed, 'request'):>11}"
            f" {made['per_second']:>10} {made['p50_ms']:>6} / {made['p99_ms']:<6} {cpu(made, 'create'):>11}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--fresh", action="store_true", help="start from an empty database (drops what is there)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--board-requests", type=int, default=200, help="per round, and again by type")
    parser.add_argument("--creates", type=int, default=2000, help="per round")
    parser.add_argument("--clients", type=int, default=16)
    report = asyncio.run(run(parser.parse_args()))
    REPORTS.mkdir(exist_ok=True)
    path = REPORTS / f"bench-lead-board-{report['database']}-{report['leads']}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(summary(report))
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
