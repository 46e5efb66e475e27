"""The documents service's Kafka intake: its copy of each lead, kept current from lead events."""

from __future__ import annotations

import uuid

from leadline.contracts.wire.topics import LEAD
from leadline.documents.domain.lead_copy import LeadCopy
from tests.support.builders import lead_created, status_changed
from tests.support.component.documents import Documents, copy_of, number_of_copies


async def test_a_created_lead_is_copied_and_its_status_changes_follow(documents: Documents) -> None:
    created = lead_created(name="Office fit-out", salesperson_id="piotr", email="jan@example.com")
    await documents.deliver(created)
    await documents.deliver(status_changed(created.lead_id, "new", "proposal"))

    await documents.deliver(status_changed(created.lead_id, "proposal", "won", closed=True))

    assert await copy_of(documents, created.lead_id) == LeadCopy(
        lead_id=created.lead_id,
        name="Office fit-out",
        status_code="won",
        closed=True,
        salesperson_id="piotr",
        phone=created.phone,
        email="jan@example.com",
    )


async def test_a_lead_created_event_seen_again_does_not_undo_later_changes(documents: Documents) -> None:
    created = lead_created()
    envelope = await documents.deliver(created)
    await documents.deliver(status_changed(created.lead_id, "new", "won", closed=True))

    await documents.redeliver(envelope, LEAD)
    await documents.deliver(created)  # and under a new ce_id

    copy = await copy_of(documents, created.lead_id)
    assert copy is not None
    assert (copy.status_code, copy.closed) == ("won", True)
    assert await number_of_copies(documents) == 1


async def test_a_status_change_of_an_unknown_lead_copies_nothing_and_is_not_a_dead_letter(documents: Documents) -> None:
    envelope = await documents.deliver(status_changed(uuid.uuid4(), "new", "won", closed=True))

    assert await number_of_copies(documents) == 0
    assert documents.dead_letters(LEAD) == []
    assert await documents.inbox() == [envelope.id]


async def test_a_malformed_lead_event_is_dead_lettered_and_the_copy_goes_on(documents: Documents) -> None:
    await documents.deliver_raw(LEAD, b'{"lead_id": 1}', {"ce_specversion": "1.0"})
    created = lead_created()

    await documents.deliver(created)

    [dead] = documents.dead_letters(LEAD)
    assert (dead.headers["dlq_error_class"], dead.headers["dlq_consumer"]) == ("InvalidEnvelope", "leadline.documents")
    assert await copy_of(documents, created.lead_id) is not None
