"""The reporting service's unit of work in memory, as its funnel use cases see it (service/unit_of_work.py): the
status each lead was last seen in and the counts per status in dictionaries, the funnel per month as a test sets it,
and what the outbox would publish in a list. tests/component/test_reporting_storage.py holds the funnel fake to the
SQL repository."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from uuid import UUID

from leadline.contracts.wire.envelope import Envelope
from tests.support.fake_outbox import FakeOutbox


class FakeFunnelRepository:
    def __init__(self) -> None:
        self.statuses: dict[UUID, str | None] = {}
        self.counted: dict[str, int] = {}
        self._causes: dict[str, Envelope] = {}  # since the last flush, in the order of each count's last change

    async def status_of(self, lead_id: UUID) -> str | None:
        return self.statuses.get(lead_id)

    def set_status(self, lead_id: UUID, status_code: str | None) -> None:
        self.statuses[lead_id] = status_code

    async def add_to_counts(self, changes: Mapping[str, int], caused_by: Envelope) -> None:
        for status_code, change in changes.items():
            self.counted[status_code] = self.counted.get(status_code, 0) + change
            self._causes.pop(status_code, None)
            self._causes[status_code] = caused_by

    def changed_counts(self) -> list[tuple[str, int, Envelope]]:
        return [(code, self.counted[code], cause) for code, cause in self._causes.items()]

    async def counts(self) -> dict[str, int]:
        return dict(self.counted)

    async def flush(self) -> None:
        self._causes.clear()


class FakeStayMonths:
    def __init__(self) -> None:
        self.changed_months: set[tuple[str, str]] = set()


class FakeFunnelMonths:
    """``found``: what the query over the stays in each status would give, per (month, status)."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], tuple[int, int, int]] = {}

    async def funnel_months(self, months: Collection[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int, int]]:
        return {month: self.found[month] for month in months if month in self.found}


class FakeFunnelUnitOfWork:
    def __init__(self) -> None:
        self.funnel = FakeFunnelRepository()
        self.facts = FakeStayMonths()
        self.reports = FakeFunnelMonths()
        self.outbox = FakeOutbox(source="leadline/reporting")
