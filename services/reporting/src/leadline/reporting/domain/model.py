"""The funnel's arithmetic. Pure: which counts an event moves, and by how much."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class StatusMove:
    """A lead left one status (None when it is new) for another (None when it is gone: deleted or merged)."""

    from_status: str | None
    to_status: str | None

    def count_changes(self) -> Counter[str]:
        changes: Counter[str] = Counter()
        if self.to_status is not None:
            changes[self.to_status] += 1
        if self.from_status is not None:
            changes[self.from_status] -= 1
        return changes
