"""What a service exposes to Prometheus at ``/metrics``: HTTP latency, events consumed and dead-lettered,
events published, the outbox backlog and each consumer's lag.

Counters the messaging plumbing already keeps (consumers, dead letters, the relay) are read when
scraped rather than instrumented twice; what needs the database or the broker (backlog, lag) is
measured at scrape time too, so an idle service costs nothing between scrapes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadline.contracts.platform.messaging.consumer import EventConsumer
from leadline.contracts.platform.messaging.relay import OutboxRelay


@dataclass(frozen=True)
class PartitionLag:
    consumer: str
    topic: str
    partition: int
    records: int


@dataclass
class Snapshot:
    """What was measured for one scrape."""

    outbox_backlog: int = 0
    lags: list[PartitionLag] = field(default_factory=list)


class ServiceMetrics:
    """One registry per service runtime, so several services in one process (the tests) keep theirs apart."""

    def __init__(self, service: str, consumers: Sequence[EventConsumer], relay: OutboxRelay) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_latency = Histogram(
            "leadline_http_request_duration_seconds",
            "HTTP requests by route template, method and status, and how long they took.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._messaging = _MessagingCollector(service, consumers, relay)
        self.registry.register(self._messaging)

    def measured(self, snapshot: Snapshot) -> None:
        self._messaging.snapshot = snapshot


async def consumer_lag(name: str, consumer: AIOKafkaConsumer | None) -> list[PartitionLag]:
    """Records behind the end of each assigned partition (known once the consumer has fetched from it)."""
    if consumer is None:
        return []
    lags = []
    for partition in sorted(consumer.assignment()):
        end = consumer.highwater(partition)
        if end is None:
            continue
        position = await consumer.position(partition)
        lags.append(PartitionLag(name, partition.topic, partition.partition, max(end - position, 0)))
    return lags


class _MessagingCollector(Collector):
    def __init__(self, service: str, consumers: Sequence[EventConsumer], relay: OutboxRelay) -> None:
        self._service = service
        self._consumers = consumers
        self._relay = relay
        self.snapshot = Snapshot()

    def collect(self) -> Iterator[Metric]:
        processed = CounterMetricFamily(
            "leadline_events_processed", "Events applied by a consumer (duplicates excluded).", labels=["consumer"]
        )
        dead = CounterMetricFamily(
            "leadline_dead_letters", "Records a consumer sent to a dead-letter topic.", labels=["consumer"]
        )
        for consumer in self._consumers:
            processed.add_metric([consumer.name], consumer.processed)
            dead.add_metric([consumer.name], consumer.dead_lettered)
        published = CounterMetricFamily(
            "leadline_events_published", "Events the outbox relay published.", labels=["service"]
        )
        published.add_metric([self._service], self._relay.published)
        backlog = GaugeMetricFamily(
            "leadline_outbox_backlog", "Events committed but not yet published.", labels=["service"]
        )
        backlog.add_metric([self._service], self.snapshot.outbox_backlog)
        lag = GaugeMetricFamily(
            "leadline_consumer_lag_records",
            "Records between a consumer's position and the end of a partition.",
            labels=["consumer", "topic", "partition"],
        )
        for partition in self.snapshot.lags:
            lag.add_metric([partition.consumer, partition.topic, str(partition.partition)], partition.records)
        yield from (processed, dead, published, backlog, lag)


def by_worker(expositions: Mapping[str, str | None]) -> bytes:
    """The expositions of a service's worker processes as one, each series labelled with its ``worker``: each
    counter stays one process's, so a worker's restart reads as that series' reset (``sum without (worker)`` adds
    them up). A worker that did not answer (``None``) is ``leadline_worker_up 0`` rather than silently missing."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ByWorker(expositions))
    return generate_latest(registry)


class _ByWorker(Collector):
    def __init__(self, expositions: Mapping[str, str | None]) -> None:
        self._expositions = expositions

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "leadline_worker_up",
            "Whether a worker process answered this scrape (its series are here).",
            labels=["worker"],
        )
        families: dict[str, Metric] = {}
        for worker, exposition in self._expositions.items():
            up.add_metric([worker], 0 if exposition is None else 1)
            for family in text_string_to_metric_families(exposition or ""):
                merged = families.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type, family.unit)
                )
                merged.samples.extend(
                    sample._replace(labels={**sample.labels, "worker": worker}) for sample in family.samples
                )
        yield up
        yield from families.values()


class HttpLatency:
    """ASGI middleware timing each request under its route template (``/leads/{lead_id}``), so the
    label stays bounded whatever ids are asked for."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self._histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recorded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recorded)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self._histogram.labels(scope["method"], template, str(status)).observe(time.perf_counter() - started)
