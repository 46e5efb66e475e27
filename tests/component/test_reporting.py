"""The reporting service's Kafka intake: lead events folded into counts per status, each touched count published."""

from __future__ import annotations

import uuid

from leadline.contracts.wire.events import LeadsByStatusV1
from leadline.contracts.wire.topics import LEAD, LEADS_BY_STATUS
from tests.support.builders import lead_created, status_changed
from tests.support.component.reporting import Reporting, count_rows, counts, reports


async def test_created_and_moved_leads_are_counted_and_each_touched_status_is_reported(reporting: Reporting) -> None:
    first, second = lead_created(), lead_created()
    await reporting.deliver(first)
    await reporting.deliver(second)

    moved = await reporting.deliver(status_changed(first.lead_id, "new", "qualification"))

    assert await counts(reporting) == {"new": 1, "qualification": 1}
    assert await reports(reporting) == [("new", 1), ("new", 2), ("qualification", 1), ("new", 1)]
    last = (await count_rows(reporting))[-1]
    assert last.event == LeadsByStatusV1(status_code="new", lead_count=1, as_of=moved.time)
    assert (last.envelope.causation_id, last.envelope.correlation_id) == (moved.id, moved.id)


async def test_every_event_is_counted_once_however_often_it_arrives(reporting: Reporting) -> None:
    created = lead_created()
    envelope = await reporting.deliver(created)
    moved = status_changed(created.lead_id, "new", "won", closed=True)
    moved_envelope = await reporting.deliver(moved)

    await reporting.redeliver(envelope, LEAD)
    await reporting.redeliver(moved_envelope, LEAD)
    await reporting.deliver(moved)  # the same move under a new ce_id: the lead is already there

    assert await counts(reporting) == {"new": 0, "won": 1}
    assert await reports(reporting) == [("new", 1), ("won", 1), ("new", 0)]


async def test_a_move_is_counted_from_where_reporting_last_saw_the_lead(reporting: Reporting) -> None:
    created = lead_created()
    await reporting.deliver(created)

    # The event claims the lead left "qualification"; reporting only ever saw it in "new".
    await reporting.deliver(status_changed(created.lead_id, "qualification", "proposal"))

    assert await counts(reporting) == {"new": 0, "proposal": 1}
    assert sum((await counts(reporting)).values()) == 1


async def test_a_status_change_of_a_lead_not_seen_before_counts_it_in_its_new_status(reporting: Reporting) -> None:
    await reporting.deliver(status_changed(uuid.uuid4(), "new", "won", closed=True))

    assert await counts(reporting) == {"won": 1}
    assert await reports(reporting) == [("won", 1)]


async def test_published_reports_are_keyed_by_status_for_compaction(reporting: Reporting) -> None:
    await reporting.deliver(lead_created(status_code="proposal"))

    assert await reporting.runtime.relay.publish_pending() == 2  # the count, and the funnel of its month

    [published] = reporting.published(LEADS_BY_STATUS)
    report = published.envelope().open()
    assert isinstance(report, LeadsByStatusV1)
    assert (published.key, report.status_code, report.lead_count) == (b"proposal", "proposal", 1)
    assert published.headers["ce_source"] == "leadline/reporting"
