"""The outbox in memory, for unit tests of a service's use cases: what they added, in order, with its cause."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import Event


@dataclass
class FakeOutbox:
    source: str
    events: list[tuple[Event, Envelope | None]] = field(default_factory=list)

    async def add(self, event: Event, *, caused_by: Envelope | None = None) -> Envelope:
        self.events.append((event, caused_by))
        return Envelope.wrap(event, source=self.source)

    async def add_all(self, events: Sequence[tuple[Event, Envelope | None]]) -> None:
        self.events.extend(events)

    def announced(self) -> list[Event]:
        """The events added, oldest first."""
        return [event for event, _ in self.events]
