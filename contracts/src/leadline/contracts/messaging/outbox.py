"""The transactional outbox: events are rows written in the same transaction as the change."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.envelope import Envelope
from leadline.contracts.events.base import Event
from leadline.contracts.messaging.tables import outbox


class Outbox:
    def __init__(self, session: AsyncSession, *, source: str) -> None:
        self._session = session
        self._source = source
        self.added = 0

    async def add(
        self,
        event: Event,
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Envelope:
        envelope = Envelope.wrap(
            event,
            source=self._source,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        await self._session.execute(
            insert(outbox).values(
                event_id=envelope.id,
                topic=event.topic.name,
                key=envelope.subject,
                headers=[[k, v.decode()] for k, v in envelope.kafka_headers()],
                payload=envelope.data,
                created_at=datetime.now(UTC),
            )
        )
        self.added += 1
        return envelope
