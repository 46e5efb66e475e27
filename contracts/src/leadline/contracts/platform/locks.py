"""Replicas of a service taking turns through their shared PostgreSQL database: transaction-scoped advisory locks.

A turn is held until the transaction ends. A holder that stops in the middle (a paused process, a network
partition) loses it once its session has been idle in the transaction for ``TURN_EXPIRY_SECONDS``: PostgreSQL
then ends the session and rolls its work back, so one stuck replica never stops the others for good.
SQLite needs no turns: a SQLite database belongs to one process, whose writers queue anyway.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

# Longer than any turn's pauses between statements may last: the outbox relay waits up to 30 s for Kafka.
TURN_EXPIRY_SECONDS = 60

# What is taken turns at, as the first key of PostgreSQL's two-key advisory locks (arbitrary constants, apart from
# migrations.MIGRATION_LOCK, which uses the one-key form: the two never meet).
OUTBOX_RELAY = 7_265_311
CONSUMER_BATCH = 7_265_312
KANBAN_ORDER = 7_265_313


async def take_turn(session: AsyncSession, kind: int, name: str) -> None:
    """Waits until no other transaction holds the turn at ``kind`` for ``name``, then holds it until this one ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # SET takes no bind parameters; the value is our own integer.
    await session.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {TURN_EXPIRY_SECONDS * 1000}"))
    await session.execute(select(func.pg_advisory_xact_lock(kind, func.hashtext(name))))
