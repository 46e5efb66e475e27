"""Reporting's funnel use cases on an in-memory unit of work: leads counted per status from the lead events, each
changed count and funnel month announced once per batch at its latest value (tests/component/test_reporting.py runs
the same on SQLite and the in-memory broker)."""

from __future__ import annotations

import uuid

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import Event, FunnelMonthV1, LeadsByStatusV1
from leadline.reporting.service import use_cases
from tests.support.builders import lead_created, lead_deleted, leads_merged, status_changed
from tests.support.fake_reporting import FakeFunnelUnitOfWork


def delivered(event: Event) -> Envelope:
    return Envelope.wrap(event, source="leadline/leads")


async def created(uow: FakeFunnelUnitOfWork, status_code: str = "new") -> uuid.UUID:
    event = lead_created(status_code=status_code)
    await use_cases.lead_created(uow, event, delivered(event))
    return event.lead_id


async def moved(uow: FakeFunnelUnitOfWork, lead_id: uuid.UUID, from_status: str, to_status: str) -> Envelope:
    event = status_changed(lead_id, from_status, to_status)
    envelope = delivered(event)
    await use_cases.lead_status_changed(uow, event, envelope)
    return envelope


async def reported(uow: FakeFunnelUnitOfWork) -> list[tuple[str, int]]:
    """What the end of the batch announces, as (status, count)."""
    before = len(uow.outbox.events)
    await use_cases.report_counts(uow)
    return [
        (event.status_code, event.lead_count)
        for event, _ in uow.outbox.events[before:]
        if isinstance(event, LeadsByStatusV1)
    ]


async def test_new_leads_are_counted_in_their_status_and_announced_once_at_the_batchs_end() -> None:
    uow = FakeFunnelUnitOfWork()

    for status_code in ("new", "new", "qualification"):
        await created(uow, status_code)

    assert await use_cases.leads_by_status(uow) == {"new": 2, "qualification": 1}
    assert await reported(uow) == [("new", 2), ("qualification", 1)]
    assert await reported(uow) == []  # announced: nothing changed since


async def test_a_move_takes_one_from_the_status_reporting_last_saw_not_the_one_the_event_names() -> None:
    uow = FakeFunnelUnitOfWork()
    lead_id = await created(uow, "new")
    await reported(uow)

    await moved(uow, lead_id, "qualification", "proposal")  # its "from" is wrong: an event went missing

    assert await use_cases.leads_by_status(uow) == {"new": 0, "proposal": 1}
    assert sorted(await reported(uow)) == [("new", 0), ("proposal", 1)]


async def test_an_event_seen_again_changes_no_count_and_announces_nothing() -> None:
    uow = FakeFunnelUnitOfWork()
    lead_id = await created(uow)
    await moved(uow, lead_id, "new", "won")
    await reported(uow)

    await moved(uow, lead_id, "new", "won")

    assert await use_cases.leads_by_status(uow) == {"new": 0, "won": 1}
    assert await reported(uow) == []


async def test_a_deleted_or_merged_away_lead_is_one_fewer_and_an_unknown_one_changes_nothing() -> None:
    uow = FakeFunnelUnitOfWork()
    deleted, merged, survivor = await created(uow), await created(uow), await created(uow, "won")
    for event in (lead_deleted(deleted), lead_deleted(uuid.uuid4())):
        await use_cases.lead_deleted(uow, event, delivered(event))
    merge = leads_merged(survivor, merged)
    await use_cases.lead_merged(uow, merge, delivered(merge))

    assert await use_cases.leads_by_status(uow) == {"new": 0, "won": 1}


async def test_each_changed_count_is_announced_at_its_latest_value_in_the_order_of_its_last_change() -> None:
    uow = FakeFunnelUnitOfWork()
    first, second = await created(uow), await created(uow)
    await moved(uow, first, "new", "proposal")
    last_change = await moved(uow, second, "new", "won")

    await use_cases.report_counts(uow)

    announced = [(event, cause) for event, cause in uow.outbox.events if isinstance(event, LeadsByStatusV1)]
    assert [(e.status_code, e.lead_count) for e, _ in announced] == [("proposal", 1), ("won", 1), ("new", 0)]
    new_count, new_cause = announced[2]
    assert (new_cause, new_count.as_of) == (last_change, last_change.time)


async def test_the_funnel_of_each_month_a_batch_changed_is_announced_from_the_stays_found() -> None:
    uow = FakeFunnelUnitOfWork()
    uow.facts.changed_months.update({("2026-03", "new"), ("2026-02", "new"), ("2026-03", "won")})
    uow.reports.found = {("2026-02", "new"): (4, 2, 7200), ("2026-03", "new"): (3, 0, 0)}
    batch_end = delivered(lead_created())

    await use_cases.report_funnel_months(uow, caused_by=batch_end)

    months = [(event, cause) for event, cause in uow.outbox.events if isinstance(event, FunnelMonthV1)]
    assert [(e.month, e.status_code, e.entered, e.left, e.average_seconds_in_status) for e, _ in months] == [
        ("2026-02", "new", 4, 2, 3600.0),
        ("2026-03", "new", 3, 0, None),
        ("2026-03", "won", 0, 0, None),  # its last stay deleted: the month is announced empty
    ]
    assert {(cause, e.as_of) for e, cause in months} == {(batch_end, batch_end.time)}
