"""The four services as real processes in a topic namespace of their own on the session's broker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from leadline.contracts.tooling.local_stack import LocalStack
from tests.support.kafka import LocalKafka, new_namespace, stack_on


@dataclass
class Stack:
    processes: LocalStack
    bootstrap: str
    prefix: str

    def url(self, service: str) -> str:
        return self.processes.services[service].url

    def management_url(self, service: str) -> str:
        return self.processes.services[service].management_url


@contextlib.asynccontextmanager
async def started_stack(kafka: LocalKafka, tmp_path_factory: pytest.TempPathFactory, name: str) -> AsyncIterator[Stack]:
    """The four services in a topic namespace, ports and data of their own, until the block ends."""
    prefix = await new_namespace(kafka)
    processes = stack_on(kafka, prefix, tmp_path_factory.mktemp(name))
    try:
        await asyncio.to_thread(processes.start)
        yield Stack(processes, kafka.bootstrap, prefix)
    finally:
        await asyncio.to_thread(processes.stop)
