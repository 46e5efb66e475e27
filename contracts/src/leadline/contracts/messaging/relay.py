"""The outbox relay: publishes committed outbox rows to Kafka, in order, then removes them."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from leadline.contracts.db import begin_transaction
from leadline.contracts.messaging.publisher import RawPublisher
from leadline.contracts.messaging.tables import outbox

log = logging.getLogger(__name__)


class OutboxRelay:
    """Runs beside the HTTP server and consumers of one service.

    Rows are read and deleted in short transactions, never held open while Kafka answers, so a
    slow broker never blocks the service's writers. Should a crash fall between publishing and
    deleting, the rows go out again with the same ``ce_id`` and consumers' inboxes drop them.
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
        max_backoff_seconds: float = 10.0,
    ) -> None:
        self._sessions = sessions
        self._read_sessions = read_sessions  # committed rows only: never what a write group has not committed yet
        self._publisher = publisher
        self._batch_size = batch_size
        self._idle_poll = idle_poll_seconds
        self._max_backoff = max_backoff_seconds
        self._wakeup = wakeup
        self.published = 0

    async def run(self) -> None:
        backoff = 0.1
        while True:
            try:
                sent = await self.publish_pending()
                backoff = 0.1
            except Exception:
                log.exception("outbox relay could not publish; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
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
        async with self._read_sessions() as session:
            rows = (
                await session.execute(
                    select(
                        outbox.c.seq,
                        outbox.c.topic,
                        outbox.c.key,
                        outbox.c.headers,
                        outbox.c.payload,
                    )
                    .order_by(outbox.c.seq)
                    .limit(self._batch_size)
                )
            ).all()
            await session.rollback()
        if not rows:
            return 0
        await self._publisher.send_all([(row.topic, row.key, row.payload, dict(row.headers)) for row in rows])
        transaction = await begin_transaction(self._sessions)
        try:
            # Exactly the rows sent: a transaction committing meanwhile may have added a lower seq.
            await transaction.session.execute(delete(outbox).where(outbox.c.seq.in_([row.seq for row in rows])))
            await transaction.commit()
        finally:
            await transaction.close()
        self.published += len(rows)
        return len(rows)

    async def backlog(self) -> int:
        async with self._read_sessions() as session:
            return int((await session.execute(select(func.count()).select_from(outbox))).scalar_one())
