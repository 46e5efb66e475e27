"""The malformed-event corpus replayed through the real broker against the four services, each on its own database
(SQLite, and PostgreSQL when configured): on every topic a service consumes, each broken record lands in
``<topic>.dlq`` with its reason, once per consumer of the topic, and the valid event after them is processed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from leadline.contracts.platform.messaging.consumer import EventConsumer
from leadline.contracts.platform.messaging.tables import inbox
from leadline.contracts.tooling.services import service_names
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import Event
from leadline.contracts.wire.topics import Topic
from tests.support.databases import (
    POSTGRES_SKIP_REASON,
    create_postgres_database,
    drop_postgres_database,
    postgres_admin_url,
    sqlite_url,
)
from tests.support.kafka import GatewayProducer, LocalKafka, end_offset, headers_of, new_namespace, read_until
from tests.support.malformed_events import CASES, VALID
from tests.support.services import RunningService, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

CASE_HEADER = "x-corpus-case"


@dataclass(frozen=True)
class Stack:
    namespace: str
    services: dict[str, RunningService]

    def consumers_of(self, topic: Topic) -> list[tuple[EventConsumer, RunningService]]:
        return [
            (consumer, service)
            for service in self.services.values()
            for consumer in service.runtime.consumers
            if any(event.topic == topic for event in consumer.event_types)
        ]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def stack(
    request: pytest.FixtureRequest, kafka: LocalKafka, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """The four services once per database engine for the whole corpus, in a topic namespace of their own."""
    admin_url = postgres_admin_url()
    if request.param == "postgresql" and admin_url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    directory = tmp_path_factory.mktemp("corpus")
    namespace = await new_namespace(kafka)
    async with contextlib.AsyncExitStack() as running:
        services = {}
        for service in service_names():
            if admin_url is not None and request.param == "postgresql":
                url = await create_postgres_database(admin_url)
                running.push_async_callback(drop_postgres_database, admin_url, url)
            else:
                url = sqlite_url(directory, service)
            services[service] = await running.enter_async_context(
                running_service(service, database_url=url, bootstrap=kafka.bootstrap, topic_prefix=namespace)
            )
        yield Stack(namespace, services)


async def applied(service: RunningService, consumer: str, event_id: str) -> bool:
    async with service.runtime.sessions() as session:
        query = select(inbox.c.event_id).where(inbox.c.consumer == consumer, inbox.c.event_id == event_id)
        return (await session.execute(query)).first() is not None


@pytest.mark.parametrize(("topic", "make_valid"), VALID, ids=[topic.name for topic, _ in VALID])
async def test_each_malformed_record_is_dead_lettered_with_its_reason_and_the_next_event_is_processed(
    stack: Stack, kafka: LocalKafka, topic: Topic, make_valid: Callable[[], Event]
) -> None:
    consumers = stack.consumers_of(topic)
    valid = make_valid()
    assert consumers, f"no service consumes {topic.name}"
    assert all(type(valid) in consumer.event_types for consumer, _ in consumers), "every consumer reads the valid type"
    key = valid.subject.encode()  # one key: one partition, in the order published

    async with GatewayProducer(kafka.bootstrap, stack.namespace) as producer:
        for case in CASES:
            value, headers = case.record(valid)
            await producer.publish_raw(topic.name, value, [*headers, (CASE_HEADER, case.name.encode())], key=key)
        envelope = Envelope.wrap(valid, source="corpus")
        await producer.publish_raw(topic.name, envelope.data, envelope.kafka_headers(), key=key)

    for consumer, service in consumers:

        async def went_on(consumer: EventConsumer = consumer, service: RunningService = service) -> bool:
            return await applied(service, consumer.name, envelope.id)

        await eventually(went_on, what=f"{consumer.name} processed the valid event after the broken ones")

    expected = len(CASES) * len(consumers)
    dead = await read_until(
        kafka.bootstrap, topic.dead_letter, stack.namespace, lambda records: len(records) >= expected
    )
    assert await end_offset(kafka, stack.namespace, topic.dead_letter) == expected, (
        "one dead letter per case and consumer"
    )
    reasons = {
        (headers_of(r)["dlq_consumer"], headers_of(r)[CASE_HEADER]): (
            headers_of(r)["dlq_error_class"],
            headers_of(r)["dlq_error_message"],
            headers_of(r)["dlq_original_topic"],
            r.key,
        )
        for r in dead
    }
    assert set(reasons) == {(consumer.name, case.name) for consumer, _ in consumers for case in CASES}
    for (consumer_name, case_name), (error_class, message, original_topic, dead_key) in reasons.items():
        case = next(case for case in CASES if case.name == case_name)
        where = f"{case_name} read by {consumer_name}"
        assert (error_class, original_topic, dead_key) == (case.error_class, stack.namespace + topic.name, key), where
        assert case.error_says in message, f"{where}: {message}"
