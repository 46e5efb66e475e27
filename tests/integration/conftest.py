"""Services the communications integration tests run against the real broker, each on its own database
of the engine the test is parametrised with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import another_database
from tests.support.kafka import LocalKafka
from tests.support.s3proxy import S3Proxy
from tests.support.services import RunningService, running_service


@pytest.fixture
def communications_settings() -> dict[str, Any]:
    """Settings of communications beyond the test's broker, database and blob store: a module overrides this
    fixture to run it with its own (a mail receiver, an SMTP server, a smaller message limit)."""
    return {}


@pytest.fixture
def blob_store() -> str:
    """Where communications keeps raw messages and attachments: ``directory`` (a local one, its default) or ``s3``
    (the session's S3 server); a test parametrises this to run on both."""
    return "directory"


@pytest.fixture
def blob_settings(blob_store: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    if blob_store == "s3":
        s3proxy: S3Proxy = request.getfixturevalue("s3proxy")  # started only for the tests that ask for it
        return s3proxy.settings()
    return {"blob_dir": tmp_path / "blobs"}


@pytest.fixture
async def communications(
    kafka: LocalKafka,
    namespace: str,
    database_url: str,
    blob_settings: dict[str, Any],
    communications_settings: dict[str, Any],
) -> AsyncIterator[RunningService]:
    async with running_service(
        "communications",
        database_url=database_url,
        bootstrap=kafka.bootstrap,
        topic_prefix=namespace,
        **blob_settings,
        **communications_settings,
    ) as svc:
        yield svc


@pytest.fixture
async def leads_database_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """The leads service's own database (services never share one), on the same engine as communications'."""
    async with another_database(database_url, tmp_path, "leads") as url:
        yield url


@pytest.fixture
async def leads(kafka: LocalKafka, namespace: str, leads_database_url: str) -> AsyncIterator[RunningService]:
    async with running_service(
        "leads", database_url=leads_database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc
