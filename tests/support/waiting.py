"""Waiting on a condition with a deadline: the only way tests synchronise with asynchronous work."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.05


class Deadline:
    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def check(self, what: str) -> None:
        if time.monotonic() > self._end:
            raise AssertionError(f"deadline passed: {what}")


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0, what: str = "") -> T:
    """Polls ``probe`` until it returns something truthy, and returns that; fails at the deadline."""
    deadline = Deadline(timeout)
    while True:
        result = await probe()
        if result:
            return result
        deadline.check(what or getattr(probe, "__name__", "condition"))
        await asyncio.sleep(POLL_SECONDS)
