"""The documents service's copy of leads that are gone: deleted, or merged into another lead."""

from __future__ import annotations

import uuid

from tests.component.builders import lead_created, lead_deleted, leads_merged
from tests.component.test_documents import Documents, copy_of, number_of_copies


async def test_a_deleted_leads_copy_is_dropped(documents: Documents) -> None:
    created = lead_created()
    await documents.deliver(created)

    await documents.deliver(lead_deleted(created.lead_id))
    await documents.deliver(lead_deleted(uuid.uuid4()))  # never copied: nothing to drop

    assert await number_of_copies(documents) == 0


async def test_a_merged_leads_copy_is_dropped_and_the_survivors_kept(documents: Documents) -> None:
    survivor, merged = lead_created(), lead_created()
    await documents.deliver(survivor)
    await documents.deliver(merged)

    await documents.deliver(leads_merged(survivor.lead_id, merged.lead_id))

    assert await copy_of(documents, merged.lead_id) is None
    assert await copy_of(documents, survivor.lead_id) is not None
