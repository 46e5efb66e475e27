"""One service running in-process against the real broker and a real database, driven over HTTP."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from leadline.contracts.platform.auth import DEMO_USERS, mint_token
from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.platform.settings import LOCAL_JWT_SECRET
from tests.support.databases import migrated
from tests.support.waiting import eventually


def token(user_id: str) -> str:
    user = DEMO_USERS[user_id]
    return mint_token(
        user_id=user.user_id,
        name=user.name,
        roles=user.roles,
        extension=user.extension,
        email=user.email,
        secret=LOCAL_JWT_SECRET,
    )


def auth(user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user_id)}"}


@dataclass
class RunningService:
    app: FastAPI
    http: httpx.AsyncClient
    management: httpx.AsyncClient  # /health, /ready, /metrics: the management port's app

    @property
    def runtime(self) -> ServiceRuntime[Any]:
        runtime: ServiceRuntime[Any] = self.app.state.runtime
        return runtime


@contextlib.asynccontextmanager
async def running_service(
    service: str, *, database_url: str, bootstrap: str, topic_prefix: str, **settings: Any
) -> AsyncIterator[RunningService]:
    await migrated(f"leadline.{service}", database_url)
    async with running_replica(
        service, database_url=database_url, bootstrap=bootstrap, topic_prefix=topic_prefix, **settings
    ) as svc:
        yield svc


@contextlib.asynccontextmanager
async def running_replica(
    service: str, *, database_url: str, bootstrap: str, topic_prefix: str, **settings: Any
) -> AsyncIterator[RunningService]:
    """The service on a database already migrated: a replica of one that runs (Alembic's context is one per
    process, so replicas in one process cannot migrate at once)."""
    config = importlib.import_module(f"leadline.{service}.config").Settings(
        database_url=database_url, kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=topic_prefix, **settings
    )
    app: FastAPI = importlib.import_module(f"leadline.{service}.app").create_app(config)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        management = httpx.ASGITransport(app=app.state.runtime.management_app())
        async with (
            httpx.AsyncClient(transport=transport, base_url=f"http://{service}") as client,
            httpx.AsyncClient(transport=management, base_url=f"http://{service}-management") as management_client,
        ):
            yield RunningService(app, client, management_client)


@contextlib.asynccontextmanager
async def consumption_paused(service: RunningService) -> AsyncIterator[None]:
    """The service takes no records for the duration of the block, its partitions paused as a slow replica's would
    be: what others publish meanwhile waits in Kafka, and comes once the block ends."""

    async def joined() -> list[tuple[Any, set[Any]]]:
        consumers = [subscriber.consumer for _, subscriber in service.runtime._kafka_consumers]
        assigned = [(consumer, consumer.assignment()) for consumer in consumers if consumer is not None]
        return assigned if assigned and all(partitions for _, partitions in assigned) else []

    paused = await eventually(joined, what="the service's consumers joined their group")
    for consumer, partitions in paused:
        consumer.pause(*partitions)
    try:
        yield
    finally:
        for consumer, partitions in paused:
            consumer.resume(*partitions)
