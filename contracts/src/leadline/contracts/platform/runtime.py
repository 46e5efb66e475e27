"""The composition every service shares: database, broker, outbox relay, consumers and the HTTP app.

A service's ``app.py`` builds one ``ServiceRuntime``, registers its event handlers and routers,
and gets an ASGI app whose lifespan starts and stops all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Depends, FastAPI
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from prometheus_client import generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from leadline.contracts.platform.auth import TokenVerifier
from leadline.contracts.platform.body_limit import BodySizeLimit
from leadline.contracts.platform.correlation import Correlation
from leadline.contracts.platform.db import UnitOfWork, create_engine, read_only_engine
from leadline.contracts.platform.http import (
    BODY_PROBLEM_RESPONSES,
    health_router,
    install_problem_handlers,
    management_router,
    refuse_unstorable_text,
)
from leadline.contracts.platform.kafka_clients import PRODUCER_BATCH_BYTES, broker_security
from leadline.contracts.platform.messaging.consumer import BatchSteps, EventConsumer, Handler
from leadline.contracts.platform.messaging.dead_letters import DeadLetters
from leadline.contracts.platform.messaging.outbox import Publication
from leadline.contracts.platform.messaging.publisher import RawPublisher
from leadline.contracts.platform.messaging.relay import OutboxRelay
from leadline.contracts.platform.messaging.replay import REPLAY_BATCH_RECORDS, Replayed, replay
from leadline.contracts.platform.metrics import HttpLatency, ServiceMetrics, Snapshot, consumer_lag
from leadline.contracts.platform.openapi import complete_document, operation_id
from leadline.contracts.platform.settings import ServiceSettings
from leadline.contracts.wire.events.base import Event

U = TypeVar("U", bound=UnitOfWork)

log = logging.getLogger(__name__)

# After an infrastructure failure the batch is handed back to Kafka; pausing first keeps a
# consumer from spinning on a database that is down.
TRANSIENT_FAILURE_PAUSE_SECONDS = 1.0
SHUTDOWN_SECONDS = 30.0
# A broker that stops answering (paused, cut off) keeps its connections open: a request to it only fails at this
# timeout, which then moves the client to the partitions' new leaders and the group's new coordinator. aiokafka's
# 40 s default held consumers up for over a minute; longer than the 10 s session timeout, so a rebalance waiting
# for a dead member to expire is not cut short.
KAFKA_REQUEST_TIMEOUT_MS = 15_000


def _undecoded(message: StreamMessage[Any]) -> Any:
    return message.body


class ServiceRuntime(Generic[U]):
    def __init__(
        self,
        settings: ServiceSettings,
        unit_of_work: Callable[[async_sessionmaker[AsyncSession], Publication], U],
        *,
        publishes: Iterable[type[Event]],
    ) -> None:
        self.settings = settings
        self.name = settings.service
        self.publication = Publication(
            source=f"leadline/{settings.service}",
            event_types=frozenset(publishes),
            topic_prefix=settings.kafka_topic_prefix,
        )
        self.engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(read_only_engine(self.engine), expire_on_commit=False)
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_list,
            security=broker_security(settings),
            client_id=f"leadline-{settings.service}",
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            max_batch_size=PRODUCER_BATCH_BYTES,
            graceful_timeout=15.0,
            request_timeout_ms=KAFKA_REQUEST_TIMEOUT_MS,
        )
        self.publisher = RawPublisher(self.broker)
        self.relay = OutboxRelay(
            self.sessions, self.read_sessions, self.publisher, wakeup=self.publication.relay_wakeup
        )
        self.verifier = TokenVerifier(
            secret=settings.jwt_secret.get_secret_value(),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            jwks_url=settings.jwt_jwks_url,
        )
        self.consumers: list[EventConsumer] = []
        self._kafka_consumers: list[tuple[str, Any]] = []  # (consumer group, FastStream subscriber)
        self._subscriptions: list[tuple[EventConsumer, list[str]]] = []  # what replay() reads again
        self.metrics = ServiceMetrics(self.name, self.consumers, self.relay)
        self._unit_of_work = unit_of_work
        self._relay_task: asyncio.Task[None] | None = None
        self._start_steps: list[Callable[[U], Awaitable[None]]] = []
        self._periodic_steps: list[tuple[float, Callable[[], Awaitable[None]]]] = []
        self._periodic_tasks: list[asyncio.Task[None]] = []
        self._companions: list[Callable[[], contextlib.AbstractAsyncContextManager[object]]] = []

    def unit_of_work(self, *, read_only: bool = False) -> U:
        """``read_only``: for work that only reads (it must not commit), which then never waits for writers."""
        return self._unit_of_work(self.read_sessions if read_only else self.sessions, self.publication)

    def on_start(self, step: Callable[[U], Awaitable[None]]) -> None:
        """Work every replica does as it starts, before it consumes or relays: ``step(uow)`` in a transaction of its
        own, committed after it. Replicas start together, so a step that must happen once decides that itself."""
        self._start_steps.append(step)

    def periodically(self, seconds: float, step: Callable[[], Awaitable[None]]) -> None:
        """Housekeeping to do every ``seconds`` while the service runs; a failure is logged and tried next time."""
        self._periodic_steps.append((seconds, step))

    def alongside(self, companion: Callable[[], contextlib.AbstractAsyncContextManager[object]]) -> None:
        """Something else the service runs while it runs (a server of another protocol, a worker): entered once the
        broker and relay are up, left before they stop."""
        self._companions.append(companion)

    async def _repeat(self, seconds: float, step: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await step()
            except Exception:
                log.exception("%s: housekeeping failed; it runs again in %.0f s", self.name, seconds)

    @property
    def relay_running(self) -> bool:
        return self._relay_task is not None and not self._relay_task.done()

    def subscribe(
        self,
        handlers: Mapping[type[Event], Handler],
        *,
        batch_steps: BatchSteps | None = None,
        group_suffix: str = "",
    ) -> EventConsumer:
        """One consumer group per service, reading every topic that carries a handled event type. A second group
        (``group_suffix``) is for work that must not wait for the first's, nor hold it up (e.g. calling out to a
        provider)."""
        prefix = self.settings.kafka_topic_prefix
        group = f"{prefix}leadline.{self.name}{group_suffix}"
        topics = sorted({prefix + event.topic.name for event in handlers})
        consumer = EventConsumer(
            group,
            self.unit_of_work,
            handlers,
            DeadLetters(self.publisher, consumer=group),
            external_topics=frozenset(prefix + event.topic.name for event in handlers if event.topic.external),
            batch_steps=batch_steps,
        )
        self.consumers.append(consumer)
        self._subscriptions.append((consumer, topics))

        subscriber = self.broker.subscriber(
            *topics,
            group_id=group,
            batch=True,
            max_records=self.settings.consumer_max_records,
            batch_timeout_ms=100,
            fetch_max_wait_ms=self.settings.consumer_fetch_max_wait_ms,
            fetch_min_bytes=self.settings.consumer_fetch_min_bytes,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            # FastStream would json-decode every body before the handler runs, and a body that is
            # not JSON would then fail outside our dead-letter handling; the envelope codec decodes.
            decoder=_undecoded,
            include_in_schema=False,  # documented from the contracts catalogue instead
        )
        self._kafka_consumers.append((group, subscriber))

        @subscriber
        async def on_batch(message: KafkaMessage) -> None:
            raw = message.raw_message
            records = raw if isinstance(raw, tuple | list) else (raw,)  # the in-memory test broker hands a list
            try:
                await consumer.consume(records)
            except Exception:
                log.exception("%s: batch not applied; it will be delivered again", group)
                await asyncio.sleep(TRANSIENT_FAILURE_PAUSE_SECONDS)
                raise

        return consumer

    async def replay(self, *, batch_records: int = REPLAY_BATCH_RECORDS) -> Replayed:
        """Every topic this service consumes, from its beginning, through its handlers: rebuilds a read model
        in a fresh database. Run it while the service is stopped, then serve on that database: the consumer
        group resumes where the old one left, and what the replay already applied is in the inbox."""
        async with self.broker_connected():
            total = Replayed(0, 0.0)
            for consumer, topics in self._subscriptions:
                if await consumer.has_applied_any():
                    raise RuntimeError(f"{consumer.name} has applied events in this database; replay into a fresh one")
                done = await replay(
                    consumer, self.broker.config.broker_config.builder, topics, batch_records=batch_records
                )
                total = Replayed(total.records + done.records, total.seconds + done.seconds)
            return total

    @contextlib.asynccontextmanager
    async def broker_connected(self) -> AsyncIterator[None]:
        """The producer (for dead letters) and the connection settings, without starting the subscribers."""
        await self.broker.connect()
        try:
            yield
        finally:
            await self.broker.stop()
            await self.engine.dispose()

    async def scrape(self) -> bytes:
        """The Prometheus exposition of this service, with backlog and lag measured now."""
        lags = [lag for group, sub in self._kafka_consumers for lag in await consumer_lag(group, sub.consumer)]
        self.metrics.measured(Snapshot(outbox_backlog=await self.relay.backlog(), lags=lags))
        return generate_latest(self.metrics.registry)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Start steps done, then broker, subscribers and relay up for the duration of the block."""
        for step in self._start_steps:
            async with self.unit_of_work() as uow:
                await step(uow)
                await uow.commit()
        await self.broker.start()
        self._relay_task = asyncio.create_task(self.relay.run(), name=f"{self.name}-outbox-relay")
        self._periodic_tasks = [asyncio.create_task(self._repeat(*periodic)) for periodic in self._periodic_steps]
        try:
            async with contextlib.AsyncExitStack() as companions:
                for companion in self._companions:
                    await companions.enter_async_context(companion())
                yield
        finally:
            for task in self._periodic_tasks:
                task.cancel()
            await asyncio.gather(*self._periodic_tasks, return_exceptions=True)
            self._relay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay_task
            log.info("%s: stopping consumers and producer", self.name)
            try:
                # Bounded: a shutdown that hangs is worse than one that leaves a batch to redeliver.
                async with asyncio.timeout(SHUTDOWN_SECONDS):
                    await self.broker.stop()
            except TimeoutError:
                log.error("%s: the broker did not stop within %.0fs", self.name, SHUTDOWN_SECONDS)
            await self.engine.dispose()
            log.info("%s: stopped", self.name)

    def http_app(
        self,
        *,
        title: str,
        description: str,
        version: str,
        routers: Sequence[APIRouter],
        body_limits: Mapping[tuple[str, str], int] | None = None,
    ) -> FastAPI:
        """``body_limits``: the routes that take larger bodies than every other, by (method, path template)."""

        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            async with self.running():
                yield

        app = FastAPI(
            title=title,
            description=description,
            version=version,
            lifespan=lifespan,
            dependencies=[Depends(refuse_unstorable_text)],
            generate_unique_id_function=operation_id,
        )
        app.state.runtime = self
        app.add_middleware(BodySizeLimit, larger=body_limits)
        app.add_middleware(HttpLatency, histogram=self.metrics.http_latency)
        app.add_middleware(Correlation)  # outermost: every answer carries the id, every escaped error is a problem
        install_problem_handlers(app)
        complete_document(app, BODY_PROBLEM_RESPONSES)
        app.include_router(health_router)
        for router in routers:
            app.include_router(router)
        return app

    def management_app(self) -> FastAPI:
        """/health, /ready and /metrics for probes and Prometheus, served on the management port."""
        app = FastAPI(title=f"Leadline {self.name} management", openapi_url=None)
        app.state.runtime = self
        app.include_router(management_router)
        return app
