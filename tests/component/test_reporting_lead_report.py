"""The lead report and the funnel fed by lead events through the consumer: pivot cells, money per currency,
status history, won and lost, stuck leads and workload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import Event, FunnelMonthV1
from leadline.contracts.wire.topics import FUNNEL, LEAD
from leadline.reporting.domain.report import Dimension, Interval, PivotCell, PivotRequest
from leadline.reporting.service import reports
from tests.support.builders import (
    AT,
    FakeRecord,
    lead_assigned,
    lead_created,
    lead_deleted,
    lead_lost,
    lead_updated,
    leads_merged,
    record_of,
    status_changed,
)
from tests.support.component.reporting import Reporting
from tests.support.component.service_under_test import service_named
from tests.support.lead_histories import all_reports, lead_histories


async def pivot(
    service: Reporting, rows: tuple[Dimension, ...], columns: tuple[Dimension, ...] = (), **interval: datetime
) -> list[PivotCell]:
    async with service.runtime.unit_of_work() as uow:
        return await reports.lead_pivot(uow, PivotRequest(rows, columns, Interval(**interval)).checked())


async def funnel(service: Reporting, period: str = "month") -> reports.Funnel:
    async with service.runtime.unit_of_work() as uow:
        return await reports.funnel(uow, period, Interval())


def revenue(amount: str, currency: str = "PLN", probability: int | None = 50) -> dict[str, Any]:
    return {"expected_revenue": Decimal(amount), "currency": currency, "probability": probability}


async def test_the_pivot_counts_leads_and_sums_money_per_currency_never_across(reporting: Reporting) -> None:
    await reporting.deliver(lead_created(**revenue("1000.00"), lead_date=AT))
    await reporting.deliver(lead_created(**revenue("500.50", probability=10), lead_date=AT))
    await reporting.deliver(lead_created(**revenue("200.00", "EUR"), lead_date=AT, salesperson_id="piotr"))
    await reporting.deliver(lead_created(lead_date=AT + timedelta(days=31), currency="PLN"))  # no forecast

    cells = await pivot(reporting, (Dimension.SALESPERSON,), (Dimension.LEAD_MONTH,))

    assert [(c.row, c.column, c.count, c.expected_revenue, c.weighted_revenue) for c in cells] == [
        (("anna",), ("2026-03",), 2, {"PLN": Decimal("1500.50")}, {"PLN": Decimal("550.05")}),
        (("anna",), ("2026-04",), 1, {}, {}),
        (("piotr",), ("2026-03",), 1, {"EUR": Decimal("200.00")}, {"EUR": Decimal("100.00")}),
    ]


async def test_the_lead_date_interval_filters_from_inclusive_to_exclusive(reporting: Reporting) -> None:
    for days in (0, 1, 2):
        await reporting.deliver(lead_created(lead_date=AT + timedelta(days=days)))

    cells = await pivot(reporting, (Dimension.LEAD_DATE,), start=AT + timedelta(days=1), end=AT + timedelta(days=2))

    assert [(c.row, c.count) for c in cells] == [(("2026-03-03",), 1)]


async def test_a_lead_counts_under_each_of_its_tags_and_an_untagged_one_under_none(reporting: Reporting) -> None:
    tagged = lead_created(tags=["vip", "export"])
    await reporting.deliver(tagged)
    await reporting.deliver(lead_created())

    await reporting.deliver(lead_updated(tagged.lead_id, tags=["vip", "fair"]))

    cells = await pivot(reporting, (Dimension.TAG,))
    assert [(c.row, c.count) for c in cells] == [((None,), 1), (("fair",), 1), (("vip",), 1)]


async def test_updates_and_assignments_move_a_lead_between_cells_once_however_often_they_come(
    reporting: Reporting,
) -> None:
    created = lead_created(**revenue("1000.00"), priority_code="low")
    await reporting.deliver(created)

    updated = await reporting.deliver(
        lead_updated(created.lead_id, priority_code="high", expected_revenue="3000.00", expected_close="2026-12-31")
    )
    await reporting.redeliver(updated, LEAD)
    await reporting.deliver(lead_assigned(created.lead_id, "piotr"))

    cells = await pivot(reporting, (Dimension.SALESPERSON, Dimension.PRIORITY), (Dimension.CLOSE_WEEK,))
    assert [(c.row, c.column, c.count, c.expected_revenue) for c in cells] == [
        (("piotr", "high"), ("2026-W53",), 1, {"PLN": Decimal("3000.00")})
    ]


async def test_deleted_and_merged_leads_leave_the_report_and_the_funnel(reporting: Reporting) -> None:
    survivor, merged, deleted = lead_created(), lead_created(), lead_created()
    for created in (survivor, merged, deleted):
        await reporting.deliver(created)
    await reporting.deliver(status_changed(deleted.lead_id, "new", "proposal"))

    await reporting.deliver(leads_merged(survivor.lead_id, merged.lead_id))
    await reporting.deliver(lead_deleted(deleted.lead_id))

    assert [(c.row, c.count) for c in await pivot(reporting, (Dimension.STATUS,))] == [(("new",), 1)]
    assert (await funnel(reporting)).entries == [reports.Entries("2026-03", "new", 1)]


async def test_the_funnel_follows_each_leads_status_history(reporting: Reporting) -> None:
    hour = timedelta(hours=1)
    won, lost, waiting = lead_created(), lead_created(), lead_created()
    for created in (won, lost, waiting):
        await reporting.deliver(created)
    await reporting.deliver(status_changed(won.lead_id, "new", "proposal", at=AT + hour))
    await reporting.deliver(status_changed(won.lead_id, "proposal", "won", closed=True, at=AT + 4 * hour))
    await reporting.deliver(status_changed(lost.lead_id, "new", "proposal", at=AT + 3 * hour))
    # The leads service announces a loss, then the lead's move to the lost status.
    await reporting.deliver(lead_lost(lost.lead_id, "price", at=AT + 5 * hour))
    await reporting.deliver(status_changed(lost.lead_id, "proposal", "lost", closed=True, at=AT + 5 * hour))

    found = await funnel(reporting, "day")

    assert found.entries == [
        reports.Entries("2026-03-02", "lost", 1),
        reports.Entries("2026-03-02", "new", 3),
        reports.Entries("2026-03-02", "proposal", 2),
        reports.Entries("2026-03-02", "won", 1),
    ]
    assert found.conversions == [
        reports.Conversion("new", "proposal", 2, 0.6667),
        reports.Conversion("proposal", "lost", 1, 0.5),
        reports.Conversion("proposal", "won", 1, 0.5),
    ]
    assert (found.won, found.lost, found.lost_reasons) == (1, 1, [reports.LostReason("price", 1)])
    assert found.time_in_status == [
        reports.TimeInStatus("new", 2, 2 * 3600.0),  # 1 h and 3 h
        reports.TimeInStatus("proposal", 2, 2.5 * 3600),  # 3 h and 2 h
    ]


async def test_a_lost_lead_reopened_is_open_again_and_not_lost(reporting: Reporting) -> None:
    created = lead_created()
    await reporting.deliver(created)
    await reporting.deliver(lead_lost(created.lead_id, "price"))
    await reporting.deliver(status_changed(created.lead_id, "new", "lost", closed=True))

    await reporting.deliver(status_changed(created.lead_id, "lost", "qualification"))

    found = await funnel(reporting)
    assert (found.won, found.lost) == (0, 0)
    async with reporting.runtime.unit_of_work() as uow:
        [workload] = await reports.workload(uow)
    assert (workload.salesperson_id, workload.open_leads) == ("anna", 1)


async def test_stuck_leads_are_open_leads_in_their_status_longer_than_asked(reporting: Reporting) -> None:
    now = datetime.now(UTC)
    stuck, fresh, closed = (lead_created(created_at=now - timedelta(days=d)) for d in (20, 2, 30))
    for created in (stuck, fresh, closed):
        await reporting.deliver(created)
    await reporting.deliver(status_changed(closed.lead_id, "new", "won", closed=True, at=now - timedelta(days=25)))

    async with reporting.runtime.unit_of_work() as uow:
        found = await reports.stuck_leads(uow, days=14, now=now, limit=10)

    assert [(lead.lead_id, lead.status_code, lead.days_in_status) for lead in found] == [(stuck.lead_id, "new", 20)]


async def test_workload_counts_open_leads_and_their_money_per_person_and_currency(reporting: Reporting) -> None:
    await reporting.deliver(lead_created(**revenue("100.00")))
    await reporting.deliver(lead_created(**revenue("50.00", "EUR")))
    await reporting.deliver(lead_created(salesperson_id=None, **revenue("10.00")))
    won = lead_created(**revenue("999.00"))
    await reporting.deliver(won)
    await reporting.deliver(status_changed(won.lead_id, "new", "won", closed=True))

    async with reporting.runtime.unit_of_work() as uow:
        found = await reports.workload(uow)

    assert found == [
        reports.Workload("anna", 2, {"PLN": Decimal("100.00"), "EUR": Decimal("50.00")}),
        reports.Workload(None, 1, {"PLN": Decimal("10.00")}),
    ]


async def test_events_of_a_lead_reporting_never_saw_created_are_left_out(reporting: Reporting) -> None:
    unknown = uuid.uuid4()
    await reporting.deliver(lead_updated(unknown, priority_code="high"))
    await reporting.deliver(lead_lost(unknown, "price"))
    await reporting.deliver(lead_assigned(unknown, "piotr"))

    assert await pivot(reporting, (Dimension.STATUS,)) == []


async def test_a_batch_of_many_events_folds_as_the_same_events_one_at_a_time(tmp_path: Path) -> None:
    """Replays hand the consumer thousands of events at once; the live service often one. Same result."""
    events = lead_histories(40, seed=3)
    async with (
        service_named("reporting", tmp_path / "single") as single,
        service_named("reporting", tmp_path / "batched") as batched,
    ):
        for event in events:
            await single.deliver(event)
        records = [lead_record(event, offset) for offset, event in enumerate(events)]
        await batched.runtime.consumers[0].consume(records[:70])
        await batched.runtime.consumers[0].consume(records[70:])

        expected = await all_reports(single.runtime)
        assert expected["by_status"]  # the history is not empty
        assert await all_reports(batched.runtime) == expected
        assert [row.event for row in await batched.outbox()] != []  # counts are still published


def lead_record(event: Event, offset: int) -> FakeRecord:
    return record_of(Envelope.wrap(event, source="leadline/leads"), event.topic.name, offset)


async def funnel_months(service: Reporting) -> dict[str, tuple[int, int, float | None]]:
    """The latest FunnelMonthV1 per key in the outbox, as the compacted topic keeps it."""
    latest: dict[str, tuple[int, int, float | None]] = {}
    for row in await service.outbox():
        if isinstance(row.event, FunnelMonthV1):
            assert (row.topic, row.key) == (FUNNEL.name, f"{row.event.month}/{row.event.status_code}")
            latest[row.key] = (row.event.entered, row.event.left, row.event.average_seconds_in_status)
    return latest


async def test_the_funnel_per_month_and_status_is_published_keyed_by_both(reporting: Reporting) -> None:
    created = lead_created()
    await reporting.deliver(created)
    moved = await reporting.deliver(status_changed(created.lead_id, "new", "proposal", at=AT + timedelta(hours=2)))

    assert await funnel_months(reporting) == {"2026-03/new": (1, 1, 7200.0), "2026-03/proposal": (1, 0, None)}
    last = (await reporting.outbox())[-1]
    assert (last.envelope.causation_id, last.event.as_of) == (moved.id, moved.time)  # type: ignore[attr-defined]

    await reporting.deliver(lead_deleted(created.lead_id))

    assert await funnel_months(reporting) == {"2026-03/new": (0, 0, None), "2026-03/proposal": (0, 0, None)}
