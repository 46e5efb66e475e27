"""The reporting service's intake of leads that are gone: a deleted or merged lead leaves its status's count."""

from __future__ import annotations

import uuid

from leadline.contracts.wire.events import LeadsByStatusV1
from leadline.contracts.wire.topics import LEAD
from tests.support.builders import lead_created, lead_deleted, leads_merged, status_changed
from tests.support.component.reporting import Reporting, count_rows, counts, reports


async def test_a_deleted_lead_is_taken_from_its_status_and_the_changed_count_is_reported(reporting: Reporting) -> None:
    kept, deleted = lead_created(), lead_created()
    await reporting.deliver(kept)
    await reporting.deliver(deleted)
    await reporting.deliver(status_changed(deleted.lead_id, "new", "proposal"))

    envelope = await reporting.deliver(lead_deleted(deleted.lead_id))

    assert await counts(reporting) == {"new": 1, "proposal": 0}
    assert (await reports(reporting))[-1] == ("proposal", 0)
    last = (await count_rows(reporting))[-1]
    assert isinstance(last.event, LeadsByStatusV1)
    assert (last.envelope.causation_id, last.event.as_of) == (envelope.id, envelope.time)


async def test_a_delete_seen_again_or_of_an_unknown_lead_changes_nothing(reporting: Reporting) -> None:
    created = lead_created()
    await reporting.deliver(created)
    envelope = await reporting.deliver(lead_deleted(created.lead_id))
    reported = await reports(reporting)

    await reporting.redeliver(envelope, LEAD)
    await reporting.deliver(lead_deleted(created.lead_id))  # the same delete under a new ce_id
    await reporting.deliver(lead_deleted(uuid.uuid4()))

    assert await counts(reporting) == {"new": 0}
    assert await reports(reporting) == reported


async def test_a_merged_lead_is_taken_from_its_status_and_the_survivor_stays_where_it_is(reporting: Reporting) -> None:
    survivor, merged = lead_created(), lead_created(status_code="qualification")
    await reporting.deliver(survivor)
    await reporting.deliver(merged)

    await reporting.deliver(leads_merged(survivor.lead_id, merged.lead_id))

    assert await counts(reporting) == {"new": 1, "qualification": 0}
    assert (await reports(reporting))[-1] == ("qualification", 0)
