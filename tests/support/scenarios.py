"""Scenarios written once and run on both brokers: FastStream's in-memory ``TestKafkaBroker`` and the real
session Kafka.

A scenario sees a service only as the broker does: it publishes what a gateway or another service would, and
reads what the service published, its dead letters included. ``Harness`` is that view; ``in_memory`` gives it
on the component harness (tests/support/component/service_under_test.py), ``on_kafka`` on the service running
in-process against the real broker (tests/support/services.py), in a topic namespace of its own."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from aiokafka import ConsumerRecord
from sqlalchemy import func, select

from leadline.contracts.platform.messaging.tables import outbox
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import Event
from leadline.contracts.wire.topics import Topic
from tests.support.component.service_under_test import Captured, ServiceUnderTest, service_named
from tests.support.databases import sqlite_url
from tests.support.kafka import GatewayProducer, LocalKafka, consumed, new_namespace, read_all, read_until
from tests.support.services import RunningService, consumption_paused, running_service
from tests.support.waiting import eventually

Headers = Sequence[tuple[str, bytes]]
Until = Callable[[list[Captured]], bool]


class Harness(Protocol):
    """What a scenario does to a service, and what it sees of it."""

    async def publish(self, event: Event, *, event_id: str | None = None) -> Envelope:
        """Publishes the event as a gateway or another service would; ``event_id`` repeats an earlier one."""
        ...

    async def publish_raw(self, topic: Topic, value: bytes, headers: Headers, *, key: bytes) -> None:
        """A record as it is, however broken: a poison record."""
        ...

    async def publish_together(self, events: Sequence[Event]) -> list[Envelope]:
        """The events reach the service's consumer in one batch."""
        ...

    async def settle(self) -> None:
        """Returns once the service has processed everything published to it so far and published what that
        made it write: what ``published`` returns without ``until`` is then all there will be."""
        ...

    async def published(self, topic: Topic, until: Until | None = None) -> list[Captured]:
        """The records the service published on the topic: once ``until`` holds for them (failing if it never
        does), or without it, those there are now."""
        ...

    async def dead_letters(self, topic: Topic, until: Until | None = None) -> list[Captured]:
        """The records of ``<topic>.dlq``, their reason in the ``dlq_error_*`` headers; ``until`` as in
        ``published``."""
        ...


class InMemory:
    """The service's composition with the in-memory broker: a delivery has been handled when it returns, and
    the outbox reaches the captured records when the relay runs, here whenever the scenario looks."""

    def __init__(self, service: ServiceUnderTest[Any]) -> None:
        self._service = service

    async def publish(self, event: Event, *, event_id: str | None = None) -> Envelope:
        return await self._service.deliver(event, event_id=event_id)

    async def publish_raw(self, topic: Topic, value: bytes, headers: Headers, *, key: bytes) -> None:
        await self._service.deliver_raw(topic, value, {k: v.decode() for k, v in headers}, key=key)

    async def publish_together(self, events: Sequence[Event]) -> list[Envelope]:
        batch = [(Envelope.wrap(event, source="leadline/test"), event.topic) for event in events]
        await self._service.deliver_batch(batch)
        return [envelope for envelope, _ in batch]

    async def settle(self) -> None:
        while await self._service.runtime.relay.publish_pending():
            pass

    async def published(self, topic: Topic, until: Until | None = None) -> list[Captured]:
        await self.settle()
        return _holding(self._service.published(topic), until, topic)

    async def dead_letters(self, topic: Topic, until: Until | None = None) -> list[Captured]:
        return _holding(self._service.dead_letters(topic), until, topic.dead_letter)


def _holding(records: list[Captured], until: Until | None, topic: Topic) -> list[Captured]:
    # Nothing in memory is still on its way: what is not there now never comes.
    assert until is None or until(records), f"not what was expected on {topic.name}: {records}"
    return records


class OnKafka:
    """The service in-process on the real broker: records go through Kafka, so looking waits, with a deadline."""

    def __init__(self, service: RunningService, name: str, kafka: LocalKafka, prefix: str, gateway: GatewayProducer):
        self._service = service
        self._name = name
        self._bootstrap = kafka.bootstrap
        self._prefix = prefix
        self._gateway = gateway
        self._fed: set[Topic] = set()

    async def publish(self, event: Event, *, event_id: str | None = None) -> Envelope:
        self._fed.add(event.topic)
        return await self._gateway.publish(event, event_id=event_id)

    async def publish_raw(self, topic: Topic, value: bytes, headers: Headers, *, key: bytes) -> None:
        self._fed.add(topic)
        await self._gateway.publish_raw(topic.name, value, list(headers), key=key)

    async def publish_together(self, events: Sequence[Event]) -> list[Envelope]:
        # With its partitions paused the consumer takes nothing, so what is published meanwhile is all there at
        # the next poll once they resume.
        async with consumption_paused(self._service):
            return [await self.publish(event) for event in events]

    async def settle(self) -> None:
        async def done() -> bool:
            for topic in self._fed:
                held, processed = await consumed(self._bootstrap, self._prefix, topic, self._name)
                if processed < held:
                    return False
            # The handler's transaction wrote the outbox before the offset was committed; the relay deletes a
            # row once the broker has acknowledged its record.
            async with self._service.runtime.sessions() as session:
                return (await session.execute(select(func.count()).select_from(outbox))).scalar_one() == 0

        await eventually(done, what=f"{self._name} processed what was published to it and relayed its outbox")

    async def published(self, topic: Topic, until: Until | None = None) -> list[Captured]:
        return await self._read(topic, until)

    async def dead_letters(self, topic: Topic, until: Until | None = None) -> list[Captured]:
        return await self._read(topic.dead_letter, until)

    async def _read(self, topic: Topic, until: Until | None) -> list[Captured]:
        if until is None:
            return [_captured(r) for r in await read_all(self._bootstrap, topic, self._prefix)]
        records = await read_until(self._bootstrap, topic, self._prefix, lambda rs: until([_captured(r) for r in rs]))
        return [_captured(r) for r in records]


def _captured(record: ConsumerRecord[bytes, bytes]) -> Captured:
    headers = {k: v.decode(errors="replace") for k, v in record.headers}
    return Captured(record.topic, record.key, record.value or b"", headers)


@contextlib.asynccontextmanager
async def in_memory(service: str, tmp_path: Path, **settings: Any) -> AsyncIterator[Harness]:
    """``settings`` override the service's defaults, on both brokers alike."""
    async with service_named(service, tmp_path, **settings) as under_test:
        yield InMemory(under_test)


@contextlib.asynccontextmanager
async def on_kafka(service: str, kafka: LocalKafka, tmp_path: Path, **settings: Any) -> AsyncIterator[Harness]:
    """The service on a SQLite database of its own: the database engines' differences are the integration
    tests' concern, a scenario's is the broker's."""
    prefix = await new_namespace(kafka)
    async with (
        running_service(
            service,
            database_url=sqlite_url(tmp_path, service),
            bootstrap=kafka.bootstrap,
            topic_prefix=prefix,
            **settings,
        ) as running,
        GatewayProducer(kafka.bootstrap, prefix) as gateway,
    ):
        yield OnKafka(running, service, kafka, prefix, gateway)
