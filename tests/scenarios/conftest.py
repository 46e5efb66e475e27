"""Each scenario runs twice: on FastStream's in-memory broker, and on the real session Kafka (marked ``kafka``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.scenarios import Harness, in_memory, on_kafka

BROKERS = ["in-memory", pytest.param("kafka", marks=pytest.mark.kafka)]


@pytest.fixture(params=BROKERS)
async def communications(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    settings = {"blob_dir": tmp_path / "blobs"}
    if request.param == "in-memory":
        async with in_memory("communications", tmp_path, **settings) as harness:
            yield harness
        return
    async with on_kafka("communications", request.getfixturevalue("kafka"), tmp_path, **settings) as harness:
        yield harness
