"""One service's real composition (handlers, unit of work, outbox, dead letters) on a migrated SQLite database,
with FastStream's in-memory ``TestKafkaBroker`` standing in for Kafka.

Records the service publishes (dead letters, and outbox rows once ``runtime.relay.publish_pending()`` has
run) are captured by a test subscriber registered before the in-memory broker starts."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import FastAPI
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from sqlalchemy import select

from leadline.communications.app import create_app as create_communications_app
from leadline.communications.config import Settings as CommunicationsSettings
from leadline.contracts.platform.db import UnitOfWork
from leadline.contracts.platform.messaging.tables import inbox, outbox
from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.platform.settings import ServiceSettings
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import Event
from leadline.contracts.wire.topics import DOMAIN_TOPICS, Topic
from leadline.documents.app import create_app as create_documents_app
from leadline.documents.config import Settings as DocumentsSettings
from leadline.leads.app import create_app as create_leads_app
from leadline.leads.config import Settings as LeadsSettings
from leadline.reporting.app import create_app as create_reporting_app
from leadline.reporting.config import Settings as ReportingSettings
from tests.support.builders import record_of
from tests.support.databases import migrated, sqlite_url

U = TypeVar("U", bound=UnitOfWork)


def headers_of(envelope: Envelope) -> dict[str, str]:
    return {k: v.decode() for k, v in envelope.kafka_headers()}


@dataclass(frozen=True)
class Captured:
    """A record the service published, as the in-memory broker delivered it."""

    topic: str
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    def envelope(self) -> Envelope:
        return Envelope.from_kafka([(k, v.encode()) for k, v in self.headers.items()], self.value)


@dataclass(frozen=True)
class OutboxRow:
    topic: str
    key: str
    envelope: Envelope
    event: Event


@dataclass
class ServiceUnderTest(Generic[U]):
    runtime: ServiceRuntime[U]
    broker: KafkaBroker
    captured: list[Captured]

    @property
    def prefix(self) -> str:
        return self.runtime.settings.kafka_topic_prefix

    async def deliver(self, event: Event, *, event_id: str | None = None) -> Envelope:
        """Publishes the event as a gateway or another service would; its handler has run on return."""
        envelope = Envelope.wrap(event, source="leadline/test", event_id=event_id)
        await self.redeliver(envelope, event.topic)
        return envelope

    async def redeliver(self, envelope: Envelope, topic: Topic) -> None:
        """The very same record again, as Kafka does after a consumer failed to commit its offset."""
        await self.deliver_raw(topic, envelope.data, headers_of(envelope), key=envelope.subject.encode())

    async def deliver_raw(
        self, topic: Topic, value: bytes, headers: dict[str, str] | None = None, *, key: bytes = b"key"
    ) -> None:
        await self.broker.publish(value, self.prefix + topic.name, key=key, headers=headers)

    async def deliver_batch(self, envelopes: Sequence[tuple[Envelope, Topic]]) -> None:
        """Hands the service's consumer one batch, as its Kafka subscriber does with what one poll returned."""
        [consumer] = self.runtime.consumers
        await consumer.consume(
            [
                record_of(envelope, self.prefix + topic.name, offset)
                for offset, (envelope, topic) in enumerate(envelopes)
            ]
        )

    def dead_letters(self, topic: Topic) -> list[Captured]:
        return [c for c in self.captured if c.topic == self.prefix + topic.dead_letter.name]

    def published(self, topic: Topic) -> list[Captured]:
        return [c for c in self.captured if c.topic == self.prefix + topic.name]

    async def outbox(self) -> list[OutboxRow]:
        """The rows the relay has yet to publish, oldest first, opened into their events."""
        async with self.runtime.sessions() as session:
            rows = (await session.execute(select(outbox).order_by(outbox.c.seq))).mappings().all()
        opened = []
        for row in rows:
            envelope = Envelope.from_kafka([(k, v.encode()) for k, v in row["headers"]], row["payload"])
            opened.append(OutboxRow(row["topic"], row["key"], envelope, envelope.open()))
        return opened

    async def inbox(self) -> list[str]:
        """Event ids the service's consumer has applied."""
        async with self.runtime.sessions() as session:
            return list((await session.execute(select(inbox.c.event_id).order_by(inbox.c.event_id))).scalars())


def _undecoded(message: StreamMessage[Any]) -> Any:
    return message.body  # dead letters may hold anything but JSON


@contextlib.asynccontextmanager
async def service_under_test(
    create_app: Callable[[ServiceSettings], FastAPI], settings: ServiceSettings, package: str
) -> AsyncIterator[ServiceUnderTest[Any]]:
    await migrated(package, settings.database_url)
    runtime: ServiceRuntime[Any] = create_app(settings).state.runtime
    prefix = settings.kafka_topic_prefix
    # Dead-letter topics, and the topics the service publishes to. Communications also consumes one of them
    # (the mail gateway's, which its upload adapter feeds); the capture beside its consumer only records.
    topics = {prefix + t.dead_letter.name for t in DOMAIN_TOPICS}
    topics |= {prefix + event.topic.name for event in runtime.publication.event_types}
    captured: list[Captured] = []

    @runtime.broker.subscriber(*sorted(topics), decoder=_undecoded, include_in_schema=False)
    async def capture(message: KafkaMessage) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)
        captured.append(Captured(record.topic, record.key, record.value or b"", dict(message.headers)))

    try:
        async with TestKafkaBroker(runtime.broker) as broker:
            yield ServiceUnderTest(runtime, broker, captured)
    finally:
        await runtime.engine.dispose()


SERVICES: dict[str, tuple[Callable[[ServiceSettings], FastAPI], type[ServiceSettings]]] = {
    "leads": (create_leads_app, LeadsSettings),
    "communications": (create_communications_app, CommunicationsSettings),
    "documents": (create_documents_app, DocumentsSettings),
    "reporting": (create_reporting_app, ReportingSettings),
}


@contextlib.asynccontextmanager
async def service_named(name: str, tmp_path: Path, **settings: Any) -> AsyncIterator[ServiceUnderTest[Any]]:
    """The named service on its own SQLite database under ``tmp_path``; ``settings`` override the defaults."""
    create_app, settings_class = SERVICES[name]
    defaults: dict[str, Any] = {
        "database_url": sqlite_url(tmp_path, name),
        "kafka_topic_prefix": "",  # explicit: nothing from the environment leaks in
        "default_phone_region": "PL",
    }
    async with service_under_test(
        create_app, settings_class(**{**defaults, **settings}), f"leadline.{name}"
    ) as service:
        yield service
