"""The transactional outbox: events are rows written in the same transaction as the change."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.correlation import correlation_id, traceparent
from leadline.contracts.platform.messaging.tables import outbox
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events.base import Event


@dataclass(frozen=True)
class Publication:
    """What one service publishes, and as whom."""

    source: str
    event_types: frozenset[type[Event]]
    topic_prefix: str = ""
    relay_wakeup: asyncio.Event = field(default_factory=asyncio.Event)


# Built once, values bound per call: building ``insert().values(...)`` anew coerces every value on
# every write, a measurable share of a request.
_INSERT = insert(outbox)


class AbstractOutbox(Protocol):
    """What a use case asks of the outbox: ``Outbox`` in the services, an in-memory list in unit tests."""

    @property
    def source(self) -> str: ...

    async def add(self, event: Event, *, caused_by: Envelope | None = None) -> Envelope: ...

    async def add_all(self, events: Sequence[tuple[Event, Envelope | None]]) -> None: ...


class Outbox:
    def __init__(self, session: AsyncSession, publication: Publication) -> None:
        self._session = session
        self._publication = publication
        self.added = 0

    @property
    def source(self) -> str:
        """Who this service is, as its events say (``leadline/<service>``)."""
        return self._publication.source

    async def add(
        self,
        event: Event,
        *,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        """Writes ``event`` to the outbox; ``caused_by`` is the event being handled, if any, so the
        new one carries the same correlation id and trace context and names its cause. Without a cause, the
        event carries the HTTP request's correlation id and trace context (none outside a request)."""
        envelope, row = self._row(event, caused_by)
        await self._session.execute(_INSERT, row)
        self.added += 1
        return envelope

    async def add_all(self, events: Sequence[tuple[Event, Envelope | None]]) -> None:
        """``add`` for many events, each with its cause, in one statement."""
        if not events:
            return
        await self._session.execute(_INSERT, [self._row(event, caused_by)[1] for event, caused_by in events])
        self.added += len(events)

    def _row(self, event: Event, caused_by: Envelope | None) -> tuple[Envelope, dict[str, Any]]:
        if type(event) not in self._publication.event_types:
            # Keeps the AsyncAPI document, generated from the same declaration, true.
            raise TypeError(f"{self._publication.source} does not declare that it publishes {event.type}")
        envelope = Envelope.wrap(
            event,
            source=self._publication.source,
            correlation_id=(caused_by.correlation_id or caused_by.id) if caused_by else correlation_id(),
            causation_id=caused_by.id if caused_by else None,
            traceparent=caused_by.traceparent if caused_by else traceparent(),
        )
        return envelope, {
            "event_id": envelope.id,
            "topic": self._publication.topic_prefix + event.topic.name,
            "key": envelope.subject,
            "headers": [[k, v.decode()] for k, v in envelope.kafka_headers()],
            "payload": envelope.data,
            "created_at": datetime.now(UTC),
        }
