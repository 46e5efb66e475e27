"""The outbox and inbox tables. Every service's migrations create them beside its own tables."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Integer, LargeBinary, String, Table

from leadline.contracts.platform.sql import UtcDateTime, new_metadata

messaging_metadata = new_metadata()

outbox = Table(
    "outbox",
    messaging_metadata,
    # Publication order: a lead's events leave in the order its transactions wrote them.
    Column(
        "seq",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("topic", String(249), nullable=False),
    Column("key", String(200), nullable=False),
    Column("headers", JSON, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

inbox = Table(
    "inbox",
    messaging_metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(200), primary_key=True),
    Column("processed_at", UtcDateTime(), nullable=False),
)
