"""Two replicas of a service on one database and one consumer group."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from tests.support.kafka import LocalKafka
from tests.support.services import RunningService, running_service

Replicas = tuple[RunningService, RunningService]


@contextlib.asynccontextmanager
async def two_replicas(service: str, kafka: LocalKafka, namespace: str, database_url: str) -> AsyncIterator[Replicas]:
    async with (
        running_service(service, database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace) as one,
        running_service(service, database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace) as two,
    ):
        yield one, two
