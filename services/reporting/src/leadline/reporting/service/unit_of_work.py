"""What the funnel use cases (service/use_cases.py: leads counted per status, the funnel per month) need of storage,
said as protocols, so they are unit-tested on an in-memory unit of work (tests/support/fake_reporting.py). The SQL
unit of work (adapters/unit_of_work.py) satisfies them, as mypy checks where the service hands it to those use
cases; reporting's other use cases take it as it is."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from collections.abc import Set as AbstractSet
from typing import Protocol
from uuid import UUID

from leadline.contracts.platform.messaging.outbox import AbstractOutbox
from leadline.contracts.wire.envelope import Envelope


class AbstractFunnelRepository(Protocol):
    """The status each lead was last seen in and the number of leads per status, folded through a batch and
    written by ``flush`` at its end."""

    async def status_of(self, lead_id: UUID) -> str | None:
        """None: reporting does not count the lead (never seen, or gone)."""
        ...

    def set_status(self, lead_id: UUID, status_code: str | None) -> None:
        """None: the lead is gone. Only after ``status_of`` has read the lead."""
        ...

    async def add_to_counts(self, changes: Mapping[str, int], caused_by: Envelope) -> None: ...

    def changed_counts(self) -> list[tuple[str, int, Envelope]]:
        """Each count changed since the last flush, its value now and the last event that changed it, in the order
        of those last changes."""
        ...

    async def counts(self) -> dict[str, int]: ...

    async def flush(self) -> None: ...


class AbstractStayMonths(Protocol):
    @property
    def changed_months(self) -> AbstractSet[tuple[str, str]]:
        """(month, status) of the stays in a status the batch's flush wrote or deleted."""
        ...


class AbstractFunnelMonths(Protocol):
    async def funnel_months(self, months: Collection[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int, int]]:
        """Per (month, status): stays entered that month, how many have ended, and their seconds in total."""
        ...


class AbstractFunnelUnitOfWork(Protocol):
    @property
    def funnel(self) -> AbstractFunnelRepository: ...

    @property
    def facts(self) -> AbstractStayMonths: ...

    @property
    def reports(self) -> AbstractFunnelMonths: ...

    @property
    def outbox(self) -> AbstractOutbox: ...
