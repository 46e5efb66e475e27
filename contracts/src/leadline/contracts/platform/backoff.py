"""How long to wait before trying again: the one rule every retry loop of Leadline follows."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Waits that double from ``first_seconds`` up to ``max_seconds``, each drawn at random from the upper half of
    its step ("equal jitter"): replicas that failed together (a broker gone, a database restarting) then retry
    spread out instead of in lockstep, and none retries at once."""

    first_seconds: float
    max_seconds: float

    def ceiling(self, attempt: int) -> float:
        """The longest wait after ``attempt`` failures in a row (0: after the first)."""
        return min(self.max_seconds, self.first_seconds * 2.0**attempt)

    def seconds(self, attempt: int, draw: Callable[[], float] = random.random) -> float:
        ceiling = self.ceiling(attempt)
        return ceiling / 2 + draw() * ceiling / 2
