"""The fastest honest minimal programs doing Leadline's work, which ``make bench`` measures in the same run.

``intake``: a gateway's calls from Kafka in aiokafka batches of 500: each validated (pydantic, the gateway
event's model), the caller's number normalised (phonenumbers), matched against the known leads with that
number, stored once per PBX call id, with an outbox row per registration, in one transaction per batch; the
registrations published (idempotent producer, ``acks=all``) and their outbox rows deleted, then the offsets
committed. The database is driven directly: ``sqlite3`` in a worker thread (one hop per transaction) or asyncpg.

``api``: FastAPI + SQLAlchemy async (aiosqlite or asyncpg): ``POST /leads`` verifies the bearer token,
validates the body, inserts the lead and an outbox row in one transaction and answers 201. SQLite writes take
turns on an asyncio lock, as one writer must. It does less than Leadline's create (no history, no reference
data, no duplicate search, no text index, no relay publishing): a floor to measure against, not a twin.

Each runs as a process of its own on uvloop, with the collector settled after start-up, like a service:
``python -m tests.bench.baselines intake|api --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import asyncpg
import jwt
import phonenumbers
import uvicorn
import uvloop
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, String, Table, Uuid, event, insert
from sqlalchemy.ext.asyncio import create_async_engine

from leadline.contracts.platform import collector
from leadline.contracts.platform.kafka_clients import PRODUCER_BATCH_BYTES
from leadline.contracts.wire.events import CallReceivedV1

BATCH = 500

_SQLITE_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS calls (id TEXT PRIMARY KEY, pbx_call_id TEXT NOT NULL UNIQUE, caller_number TEXT, "
    "extension TEXT, received_at TEXT, state TEXT, lead_id TEXT)",
    "CREATE TABLE IF NOT EXISTS known_leads (lead_id TEXT PRIMARY KEY, phone TEXT)",
    "CREATE INDEX IF NOT EXISTS known_leads_phone ON known_leads (phone)",
    "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, topic TEXT, key TEXT, value BLOB)",
]
_POSTGRES_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS calls (id uuid PRIMARY KEY, pbx_call_id text NOT NULL UNIQUE, caller_number text, "
    "extension text, received_at timestamptz, state text, lead_id uuid)",
    "CREATE TABLE IF NOT EXISTS known_leads (lead_id uuid PRIMARY KEY, phone text)",
    "CREATE INDEX IF NOT EXISTS known_leads_phone ON known_leads (phone)",
    "CREATE TABLE IF NOT EXISTS outbox (seq bigserial PRIMARY KEY, topic text, key text, value bytea)",
]


class Registered(BaseModel):
    call_id: uuid.UUID
    pbx_call_id: str
    caller_number: str
    extension: str | None
    received_at: datetime
    state: str
    lead_id: uuid.UUID | None


class CallStore(Protocol):
    async def register(self, calls: Sequence[Registered], topic: str) -> list[tuple[int, str, str, bytes]]:
        """Stores the calls not stored yet with an outbox row each; the new outbox rows."""
        ...

    async def leads_with(self, phones: set[str]) -> dict[str, uuid.UUID]: ...

    async def sent(self, seqs: list[int]) -> None: ...


class SqliteCalls:
    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            self._db.execute(f"PRAGMA {pragma}")
        for statement in _SQLITE_SCHEMA:
            self._db.execute(statement)

    def _register(self, calls: Sequence[Registered], topic: str) -> list[tuple[int, str, str, bytes]]:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            stored = {
                row[0]
                for row in db.execute(
                    f"SELECT pbx_call_id FROM calls WHERE pbx_call_id IN ({','.join('?' * len(calls))})",
                    [c.pbx_call_id for c in calls],
                )
            }
            new = [c for c in calls if c.pbx_call_id not in stored]
            db.executemany(
                "INSERT OR IGNORE INTO calls VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        str(c.call_id),
                        c.pbx_call_id,
                        c.caller_number,
                        c.extension,
                        c.received_at.isoformat(),
                        c.state,
                        str(c.lead_id) if c.lead_id else None,
                    )
                    for c in new
                ],
            )
            rows = []
            for c in new:
                cursor = db.execute(
                    "INSERT INTO outbox (topic, key, value) VALUES (?, ?, ?)",
                    (topic, str(c.call_id), c.model_dump_json().encode()),
                )
                assert cursor.lastrowid is not None
                rows.append((cursor.lastrowid, topic, str(c.call_id), c.model_dump_json().encode()))
            db.execute("COMMIT")
            return rows
        except BaseException:
            db.execute("ROLLBACK")
            raise

    async def register(self, calls: Sequence[Registered], topic: str) -> list[tuple[int, str, str, bytes]]:
        return await asyncio.to_thread(self._register, calls, topic)

    def _leads_with(self, phones: set[str]) -> dict[str, uuid.UUID]:
        query = f"SELECT phone, lead_id FROM known_leads WHERE phone IN ({','.join('?' * len(phones))})"
        return {phone: uuid.UUID(lead) for phone, lead in self._db.execute(query, list(phones))}

    async def leads_with(self, phones: set[str]) -> dict[str, uuid.UUID]:
        return await asyncio.to_thread(self._leads_with, phones)

    def _sent(self, seqs: list[int]) -> None:
        self._db.execute(f"DELETE FROM outbox WHERE seq IN ({','.join('?' * len(seqs))})", seqs)

    async def sent(self, seqs: list[int]) -> None:
        await asyncio.to_thread(self._sent, seqs)


class PostgresCalls:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, dsn: str) -> PostgresCalls:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
        async with pool.acquire() as connection:
            for statement in _POSTGRES_SCHEMA:
                await connection.execute(statement)
        return cls(pool)

    async def register(self, calls: Sequence[Registered], topic: str) -> list[tuple[int, str, str, bytes]]:
        async with self._pool.acquire() as connection, connection.transaction():
            stored = {
                row["pbx_call_id"]
                for row in await connection.fetch(
                    "SELECT pbx_call_id FROM calls WHERE pbx_call_id = ANY($1)", [c.pbx_call_id for c in calls]
                )
            }
            new = [c for c in calls if c.pbx_call_id not in stored]
            await connection.executemany(
                "INSERT INTO calls VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                [
                    (c.call_id, c.pbx_call_id, c.caller_number, c.extension, c.received_at, c.state, c.lead_id)
                    for c in new
                ],
            )
            values = [c.model_dump_json().encode() for c in new]
            seqs = await connection.fetch(
                "INSERT INTO outbox (topic, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::bytea[]) AS u(k, v)"
                " RETURNING seq",
                topic,
                [str(c.call_id) for c in new],
                values,
            )
            return [(row["seq"], topic, str(c.call_id), v) for row, c, v in zip(seqs, new, values, strict=True)]

    async def leads_with(self, phones: set[str]) -> dict[str, uuid.UUID]:
        async with self._pool.acquire() as connection:
            rows = await connection.fetch("SELECT phone, lead_id FROM known_leads WHERE phone = ANY($1)", list(phones))
        return {row["phone"]: row["lead_id"] for row in rows}

    async def sent(self, seqs: list[int]) -> None:
        async with self._pool.acquire() as connection:
            await connection.execute("DELETE FROM outbox WHERE seq = ANY($1)", seqs)


def _normalised(number: str) -> str:
    try:
        parsed = phonenumbers.parse(number, "PL")
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


async def intake(bootstrap: str, topic: str, out_topic: str, database: str) -> None:
    store: CallStore = (
        await PostgresCalls.connect(database) if database.startswith("postgresql") else SqliteCalls(database)
    )
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"baseline-{topic}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=PRODUCER_BATCH_BYTES,
    )
    await consumer.start()
    await producer.start()
    collector.settle_after_startup()  # as a served service does
    print("ready", flush=True)
    try:
        while True:
            fetched = await consumer.getmany(timeout_ms=100, max_records=BATCH)
            records: list[ConsumerRecord[bytes, bytes]] = [r for batch in fetched.values() for r in batch]
            if not records:
                continue
            received = [CallReceivedV1.model_validate_json(r.value or b"") for r in records]
            numbers = [_normalised(call.caller_number) for call in received]
            leads = await store.leads_with(set(numbers))
            calls = [
                Registered(
                    call_id=uuid.uuid4(),
                    pbx_call_id=call.pbx_call_id,
                    caller_number=number,
                    extension=call.extension,
                    received_at=call.received_at,
                    state="attached" if number in leads else "triage",
                    lead_id=leads.get(number),
                )
                for call, number in zip(received, numbers, strict=True)
            ]
            rows = await store.register(calls, out_topic)
            sends = [
                await producer.send(
                    row_topic, value, key=key.encode(), headers=[("ce_type", b"leadline.baseline.call.registered")]
                )
                for _, row_topic, key, value in rows
            ]
            await asyncio.gather(*sends)
            if rows:
                await store.sent([seq for seq, *_ in rows])
            await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


_metadata = MetaData()
_leads = Table(
    "leads",
    _metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("phone", String(50), index=True),
    Column("email", String(320)),
    Column("salesperson_id", String(100)),
    Column("status_code", String(40), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("version", Integer, nullable=False),
)
_outbox = Table(
    "outbox",
    _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("topic", String(249), nullable=False),
    Column("key", String(200), nullable=False),
    Column("payload", LargeBinary, nullable=False),
)


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    email: EmailStr | None = None


def api(database_url: str, secret: str) -> FastAPI:
    engine = create_async_engine(database_url)
    writer = asyncio.Lock() if database_url.startswith("sqlite") else None
    if writer is not None:

        @event.listens_for(engine.sync_engine, "connect")
        def durable_as_leadline(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as connection:
            await connection.run_sync(_metadata.create_all)
        collector.settle_after_startup()  # as a served service does
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/leads", status_code=201)
    async def create_lead(body: LeadIn, authorization: str = Header()) -> dict[str, Any]:
        try:
            claims = jwt.decode(
                authorization.removeprefix("Bearer "),
                secret,
                algorithms=["HS256"],
                audience="leadline",
                issuer="leadline",
            )
        except jwt.InvalidTokenError as error:
            raise HTTPException(401, str(error)) from error
        lead = {
            "id": uuid.uuid4(),
            "name": body.name,
            "phone": body.phone,
            "email": body.email,
            "salesperson_id": claims["sub"],
            "status_code": "new",
            "created_by": claims["sub"],
            "created_at": datetime.now(UTC),
            "version": 1,
        }
        event = json.dumps({"type": "lead.created", **lead}, default=str).encode()
        async with writer or contextlib.nullcontext(), engine.begin() as connection:
            await connection.execute(insert(_leads), lead)
            await connection.execute(insert(_outbox), {"topic": "leads", "key": str(lead["id"]), "payload": event})
        return {**lead, "id": str(lead["id"]), "created_at": lead["created_at"].isoformat()}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    intake_command = commands.add_parser("intake")
    intake_command.add_argument("--bootstrap", required=True)
    intake_command.add_argument("--topic", required=True)
    intake_command.add_argument("--out-topic", required=True)
    intake_command.add_argument("--database", required=True, help="a SQLite file, or a postgresql:// DSN")
    api_command = commands.add_parser("api")
    api_command.add_argument("--port", type=int, required=True)
    api_command.add_argument("--database-url", required=True, help="sqlite+aiosqlite:///… or postgresql+asyncpg://…")
    api_command.add_argument("--jwt-secret", required=True)
    args = parser.parse_args()
    if args.command == "intake":
        with contextlib.suppress(KeyboardInterrupt):  # how the bench stops it
            # uvloop, as the services get it from uvicorn: the baseline keeps every advantage they have.
            uvloop.run(intake(args.bootstrap, args.topic, args.out_topic, args.database))
    else:
        uvicorn.run(api(args.database_url, args.jwt_secret), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
