"""Reporting's funnel repository keeps the promises its use cases rely on (service/unit_of_work.py), whether in
SQLite or in the unit tests' in-memory fake: the same tests run against both."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from leadline.contracts.wire.envelope import Envelope
from leadline.reporting.adapters.repository import FunnelRepository
from leadline.reporting.service.unit_of_work import AbstractFunnelRepository
from tests.support.builders import lead_created
from tests.support.component.service_under_test import service_named
from tests.support.fake_reporting import FakeFunnelRepository

NextBatch = Callable[[], AbstractFunnelRepository]


@pytest.fixture(params=["in memory", "sqlite"])
async def next_batch(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[NextBatch]:
    """The funnel as each batch of one transaction sees it: a batch reads what the ones before it flushed."""
    if request.param == "in memory":
        fake = FakeFunnelRepository()
        yield lambda: fake
        return
    async with service_named("reporting", tmp_path) as reporting, reporting.runtime.unit_of_work() as uow:
        yield lambda: FunnelRepository(uow.session)


def an_event() -> Envelope:
    return Envelope.wrap(lead_created(), source="leadline/leads")


async def test_the_status_a_batch_set_is_what_the_next_reads_and_a_gone_lead_has_none(next_batch: NextBatch) -> None:
    kept, gone, unknown = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first = next_batch()
    for lead_id in (kept, gone):
        assert await first.status_of(lead_id) is None
        first.set_status(lead_id, "new")
    await first.flush()
    second = next_batch()
    assert (await second.status_of(kept), await second.status_of(gone)) == ("new", "new")
    second.set_status(kept, "won")
    second.set_status(gone, None)
    await second.flush()

    third = next_batch()

    assert [await third.status_of(lead_id) for lead_id in (kept, gone, unknown)] == ["won", None, None]


async def test_changed_counts_come_at_their_latest_value_in_the_order_of_the_last_change(next_batch: NextBatch) -> None:
    funnel = next_batch()
    one, two, three = an_event(), an_event(), an_event()

    await funnel.add_to_counts({"new": 1}, caused_by=one)
    await funnel.add_to_counts({"won": 1, "new": -1}, caused_by=two)
    await funnel.add_to_counts({"proposal": 1, "won": 0}, caused_by=three)

    assert funnel.changed_counts() == [("new", 0, two), ("proposal", 1, three), ("won", 1, three)]
    assert await funnel.counts() == {"new": 0, "won": 1, "proposal": 1}


async def test_a_flush_leaves_no_count_changed_and_the_next_batch_counts_on_from_it(next_batch: NextBatch) -> None:
    first = next_batch()
    await first.add_to_counts({"new": 2}, caused_by=an_event())
    await first.flush()

    assert first.changed_counts() == []
    second = next_batch()
    await second.add_to_counts({"new": -1, "won": 1}, caused_by=an_event())
    await second.flush()

    assert await next_batch().counts() == {"new": 1, "won": 1}
