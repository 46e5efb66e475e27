"""The four services as real processes on the session's broker, started once for every e2e test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.kafka import LocalKafka
from tests.support.stack import Stack, started_stack


@pytest.fixture(scope="session")
async def stack(kafka: LocalKafka, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with started_stack(kafka, tmp_path_factory, "stack") as started:
        yield started
