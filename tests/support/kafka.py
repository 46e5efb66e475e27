"""The real local Kafka broker for tests, and plain-aiokafka clients playing gateways and BI consumers."""

from __future__ import annotations

import atexit
import contextlib
import json
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import SecretStr

from deploy.cluster import KafkaNode
from leadline.contracts.platform.settings import KafkaSettings
from leadline.contracts.platform.topic_provisioning import provision
from leadline.contracts.tooling.local_stack import SERVICE_PORTS, LocalStack
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import Event
from leadline.contracts.wire.topics import Topic
from tests.support.waiting import Deadline

# The sockets holding the ports free_port() handed out, open until this test process exits.
_HELD: list[socket.socket] = []


def free_port() -> int:
    """A port on 127.0.0.1 that nothing else on the machine gets while this test process runs.

    A port found free and released at once could be taken (by another bind to port 0, or as the ephemeral
    port of some outgoing connection) before the broker or service we start binds it. So the socket that
    found it stays bound, though never listening, until the process exits: Linux then hands the port to no
    one else, yet lets a socket with SO_REUSEADDR bind and listen beside it — as Kafka's JVM, uvicorn and
    the services' own sockets do — also again after a restart.
    """
    held = socket.socket()
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.bind(("127.0.0.1", 0))
    if not _HELD:
        atexit.register(_release_ports)
    _HELD.append(held)
    return int(held.getsockname()[1])


def _release_ports() -> None:
    for held in _HELD:
        held.close()


@dataclass(frozen=True)
class ScramUser:
    username: str
    password: str


@dataclass
class LocalKafka(KafkaNode):
    """A broker of its own for the test session: own ports and data, the jars of `make run`.

    With ``scram`` its client listener is SASL_PLAINTEXT and admits only that SCRAM-SHA-512 user.
    """

    scram: ScramUser | None = None

    def settings(self, prefix: str = "") -> KafkaSettings:
        """How a Leadline client connects to this broker."""
        if self.scram is None:
            return KafkaSettings(kafka_bootstrap_servers=self.bootstrap, kafka_topic_prefix=prefix)
        return KafkaSettings(
            kafka_bootstrap_servers=self.bootstrap,
            kafka_topic_prefix=prefix,
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="SCRAM-SHA-512",
            kafka_sasl_username=self.scram.username,
            kafka_sasl_password=SecretStr(self.scram.password),
        )

    def environment(self) -> dict[str, str]:
        env = super().environment()
        if self.scram is not None:
            env["LEADLINE_KAFKA_SCRAM_USERNAME"] = self.scram.username
            env["LEADLINE_KAFKA_SCRAM_PASSWORD"] = self.scram.password
        return env


async def new_namespace(kafka: LocalKafka) -> str:
    """A fresh topic prefix with every catalogued topic provisioned: tests never see each other's events."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    await provision(kafka.settings(prefix))
    return prefix


class GatewayProducer:
    """Publishes like a real gateway would: a plain aiokafka producer, CloudEvents headers."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        self._prefix = prefix

    async def __aenter__(self) -> GatewayProducer:
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def publish(self, event: Event, *, event_id: str | None = None, timestamp_ms: int | None = None) -> Envelope:
        """``timestamp_ms``: the record's time (the broker's retention goes by it); now by default."""
        envelope = Envelope.wrap(event, source="test-gateway", event_id=event_id)
        await self._producer.send_and_wait(
            self._prefix + event.topic.name,
            envelope.data,
            key=envelope.subject.encode(),
            headers=envelope.kafka_headers(),
            timestamp_ms=timestamp_ms,
        )
        return envelope

    async def publish_raw(
        self, topic: str, value: bytes, headers: list[tuple[str, bytes]] | None = None, *, key: bytes = b"raw"
    ) -> None:
        await self._producer.send_and_wait(self._prefix + topic, value, key=key, headers=headers or [])


@contextlib.asynccontextmanager
async def _from_the_start(bootstrap: str, topic: Topic, prefix: str) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer of every partition of the topic, at its beginning, committing nothing."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([TopicPartition(prefix + topic.name, p) for p in range(topic.partitions)])
        await consumer.seek_to_beginning()
        yield consumer
    finally:
        await consumer.stop()


async def read_until(
    bootstrap: str,
    topic: Topic,
    prefix: str,
    done: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    timeout: float = 30.0,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Reads a topic from its beginning, as a BI consumer would, until ``done(records)`` holds."""
    async with _from_the_start(bootstrap, topic, prefix) as consumer:
        records: list[ConsumerRecord[bytes, bytes]] = []
        deadline = Deadline(timeout)
        while not done(records):
            deadline.check(f"records on {prefix}{topic.name} did not arrive; got {len(records)}")
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
        return records


async def read_all(bootstrap: str, topic: Topic, prefix: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of a topic up to its end as of now, partition by partition: once its producers have had
    every write acknowledged, what is there to count (a record published twice shows twice)."""
    async with _from_the_start(bootstrap, topic, prefix) as consumer:
        partitions = list(consumer.assignment())
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while remaining := [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(*remaining, timeout_ms=200)).values():
                records.extend(r for r in batch if r.offset < ends[TopicPartition(r.topic, r.partition)])
        return records


async def end_offset(kafka: LocalKafka, prefix: str, topic: Topic) -> int:
    """How many records ``topic`` holds, over its partitions."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(prefix + topic.name, p) for p in range(topic.partitions)])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def consumed(bootstrap: str, prefix: str, topic: Topic, service: str) -> tuple[int, int]:
    """How many records the topic holds, and how many of them the service's consumer group has processed
    (committed past): the service is done with what is there when the two are equal."""
    partitions = [TopicPartition(prefix + topic.name, p) for p in range(topic.partitions)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await consumer.start()
        await admin.start()
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(f"{prefix}leadline.{service}", partitions=partitions)
    finally:
        await admin.close()
        await consumer.stop()
    processed = (max(0, committed[tp].offset) if tp in committed else 0 for tp in partitions)  # -1: none yet
    return sum(ends.values()), sum(processed)


def headers_of(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers}


def payload_of(record: ConsumerRecord[bytes, bytes]) -> Mapping[str, Any]:
    value: Mapping[str, Any] = json.loads(record.value or b"null")
    return value


def stack_on(
    kafka: LocalKafka, prefix: str, workdir: Path, database_urls: Mapping[str, str] | None = None
) -> LocalStack:
    """The four services as processes on ``kafka``, in their own topic namespace, ports and data (SQLite files
    under ``workdir``, or the given database of each service)."""
    return LocalStack(
        env={
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,
            "KAFKA_TOPIC_PREFIX": prefix,
            "DATA_DIR": str(workdir / "data"),
            "LOG_LEVEL": "WARNING",
        },
        ports={service: free_port() for service in SERVICE_PORTS},
        management_ports={service: free_port() for service in SERVICE_PORTS},
        log_dir=workdir / "logs",
        service_env={service: {"DATABASE_URL": url} for service, url in (database_urls or {}).items()},
    )
