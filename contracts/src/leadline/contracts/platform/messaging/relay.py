"""The outbox relay: publishes committed outbox rows to Kafka, in order, then removes them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from leadline.contracts.platform.backoff import Backoff
from leadline.contracts.platform.db import begin_transaction
from leadline.contracts.platform.locks import OUTBOX_RELAY, TURN_EXPIRY_SECONDS, take_turn
from leadline.contracts.platform.messaging.publisher import RawPublisher
from leadline.contracts.platform.messaging.tables import outbox

log = logging.getLogger(__name__)

OutboxRow = Row[int, str, str, Any, bytes]  # seq, topic, key, headers, payload

# A batch that Kafka has not acknowledged by then is given up and published again later; well within a turn.
PUBLISH_TIMEOUT_SECONDS = 30.0
assert PUBLISH_TIMEOUT_SECONDS < TURN_EXPIRY_SECONDS


PUBLISH_BACKOFF = Backoff(first_seconds=0.1, max_seconds=10.0)  # while Kafka or the database is away


class OutboxRelay:
    """Runs beside the HTTP server and consumers of one service.

    On PostgreSQL every replica of a service runs one, and they take turns (``locks.take_turn``): a relay
    reads a batch, publishes it and deletes it in one transaction that holds the turn, so a row is published
    by one relay only and a key's events never go out of order between two. The others wait for their turn,
    then publish whatever is left, their own new rows included; writers never wait for it. On SQLite (one
    process per database) rows are read and deleted in two short transactions instead, never held open
    while Kafka answers, since SQLite's one writer would have to wait for Kafka.

    Should a crash fall between publishing and deleting, the rows go out again with the same ``ce_id``
    and consumers' inboxes drop them.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: async_sessionmaker[AsyncSession],
        publisher: RawPublisher,
        *,
        wakeup: asyncio.Event,
        batch_size: int = 500,
        idle_poll_seconds: float = 1.0,
        backoff: Backoff = PUBLISH_BACKOFF,
    ) -> None:
        self._sessions = sessions
        self._read_sessions = read_sessions  # committed rows only: never what a write group has not committed yet
        self._publisher = publisher
        self._batch_size = batch_size
        self._idle_poll = idle_poll_seconds
        self._backoff = backoff
        self._wakeup = wakeup
        self._leased = sessions.kw["bind"].dialect.name == "postgresql"
        self.published = 0

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                sent = await self.publish_pending()
                failures = 0
            except Exception:
                pause = self._backoff.seconds(failures)
                log.exception("outbox relay could not publish; retrying in %.1fs", pause)
                await asyncio.sleep(pause)
                failures += 1
                continue
            if sent < self._batch_size:
                await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
        # arrives as the wait ends, and the relay then never stops (a service shutdown hangs).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._idle_poll):
                await self._wakeup.wait()
        self._wakeup.clear()

    async def publish_pending(self) -> int:
        sent = await (self._publish_under_lease() if self._leased else self._publish_unleased())
        self.published += sent
        return sent

    async def _publish_under_lease(self) -> int:
        async with self._sessions() as session, session.begin():
            await take_turn(session, OUTBOX_RELAY, "outbox")
            rows = await self._oldest(session)
            if rows:
                await self._publish(rows)
                await session.execute(delete(outbox).where(outbox.c.seq.in_([row.seq for row in rows])))
        return len(rows)

    async def _publish_unleased(self) -> int:
        async with self._read_sessions() as session:
            rows = await self._oldest(session)
            await session.rollback()
        if not rows:
            return 0
        await self._publish(rows)
        transaction = await begin_transaction(self._sessions)
        try:
            # Exactly the rows sent: a transaction committing meanwhile may have added a lower seq.
            await transaction.session.execute(delete(outbox).where(outbox.c.seq.in_([row.seq for row in rows])))
            await transaction.commit()
        finally:
            await transaction.close()
        return len(rows)

    async def _oldest(self, session: AsyncSession) -> Sequence[OutboxRow]:
        query = (
            select(outbox.c.seq, outbox.c.topic, outbox.c.key, outbox.c.headers, outbox.c.payload)
            .order_by(outbox.c.seq)
            .limit(self._batch_size)
        )
        return (await session.execute(query)).all()

    async def _publish(self, rows: Sequence[OutboxRow]) -> None:
        # Bounded as a whole: a send may also wait for the topic's metadata while no broker answers.
        async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
            await self._publisher.send_all([(row.topic, row.key, row.payload, dict(row.headers)) for row in rows])

    async def backlog(self) -> int:
        async with self._read_sessions() as session:
            return int((await session.execute(select(func.count()).select_from(outbox))).scalar_one())
