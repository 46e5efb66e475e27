"""A served service settles Python's collector once its startup has completed: what it built to start is frozen out
of the collections, and the young objects are collected less eagerly."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from leadline.contracts.platform import collector
from leadline.contracts.platform.serving import _ByPort


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class StartingApp:
    """An app's lifespan as uvicorn sees it: startup, then (here at once) shutdown."""

    def __init__(self) -> None:
        self.frozen_during_startup: int | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "lifespan"
        await receive()
        self.frozen_during_startup = gc.get_freeze_count()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})


async def test_the_collector_is_settled_once_startup_has_completed_and_not_before() -> None:
    gc.unfreeze()
    app, started = StartingApp(), []
    incoming: list[Message] = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    served = _ByPort(app, FastAPI(), management_port=0, on_started=lambda: started.append(gc.get_freeze_count()))
    await served({"type": "lifespan"}, receive, send)

    assert app.frozen_during_startup == 0
    assert len(started) == 1
    assert started[0] > 0, "frozen before on_started is called"
    assert gc.get_threshold() == collector.THRESHOLDS
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_a_replay_collects_seldom_and_then_as_before() -> None:
    gc.set_threshold(700, 10, 10)
    with collector.collecting_seldom():
        assert gc.get_threshold() == collector.THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)
