"""Fixtures shared by every test layer. The broker starts once per session, only if a test needs it."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import s3proxy as s3proxy_support
from tests.support.databases import postgres_database, remove_templates, sqlite_url
from tests.support.kafka import LocalKafka, free_port, new_namespace
from tests.support.s3proxy import S3Proxy


def pytest_configure(config: pytest.Config) -> None:
    # A run stopped with SIGTERM (a CI timeout, `timeout`) still tears fixtures down, so the
    # session's broker does not outlive it.
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    broker = LocalKafka(tmp_path_factory.mktemp("kafka"), free_port(), free_port())
    broker.start()
    try:
        yield broker
    finally:
        # Killed, not stopped: its data is thrown away, and a controlled shutdown of the thousands of
        # partitions a session creates would take a quarter of a minute.
        broker.kill()


@pytest.fixture(scope="session")
def s3proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Proxy]:
    """A real S3 API server for the session, only if a test needs it; skipped, saying why, without its jar."""
    if (reason := s3proxy_support.skip_reason()) is not None:
        pytest.skip(reason)
    yield from s3proxy_support.running(tmp_path_factory.mktemp("s3proxy"), free_port())


@pytest.fixture(scope="session", autouse=True)
async def migrated_templates() -> AsyncIterator[None]:
    """Services' databases are copies of schemas migrated once per session (tests.support.databases.migrated)."""
    yield
    await remove_templates()


@pytest.fixture
async def namespace(kafka: LocalKafka) -> str:
    return await new_namespace(kafka)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each integration test runs once per database engine, on a database of its own."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path, "service")
        return
    async with postgres_database() as url:
        yield url


@pytest.fixture
async def other_database_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A second service's own database (services never share one), on the same engine as ``database_url``."""
    if database_url.startswith("sqlite"):
        yield sqlite_url(tmp_path, "other")
        return
    async with postgres_database() as url:
        yield url


@pytest.fixture
async def postgres_database_url() -> AsyncIterator[str]:
    """A PostgreSQL database of its own, for what only PostgreSQL can do: replicas of a service sharing one
    database (a SQLite file belongs to one process)."""
    async with postgres_database() as url:
        yield url
