"""The documents service's copy of leads that are gone: deleted, or merged into another lead."""

from __future__ import annotations

import uuid

import pytest

from leadline.contracts.platform.errors import Conflict
from leadline.contracts.wire.events import InvoiceStatusChangedV1, OrderStatusChangedV1
from leadline.documents.domain.documents import DocumentKind
from leadline.documents.service import documents as use_cases
from tests.support.builders import lead_created, lead_deleted, leads_merged
from tests.support.component.documents import (
    ANNA,
    WARSAW,
    Documents,
    a_lead,
    configured,
    confirmed,
    copy_of,
    make,
    number_of_copies,
)


async def test_a_deleted_leads_copy_is_kept_marked_deleted(documents: Documents) -> None:
    created = lead_created()
    await documents.deliver(created)

    await documents.deliver(lead_deleted(created.lead_id))
    await documents.deliver(lead_deleted(uuid.uuid4()))  # never copied: nothing to mark

    copy = await copy_of(documents, created.lead_id)
    assert copy is not None
    assert (copy.name, copy.deleted) == (created.name, True)
    assert await number_of_copies(documents) == 1


async def test_a_merged_leads_copy_is_dropped_and_the_survivors_kept(documents: Documents) -> None:
    survivor, merged = lead_created(), lead_created()
    await documents.deliver(survivor)
    await documents.deliver(merged)

    await documents.deliver(leads_merged(survivor.lead_id, merged.lead_id))

    assert await copy_of(documents, merged.lead_id) is None
    assert await copy_of(documents, survivor.lead_id) is not None


async def test_a_deleted_leads_drafts_are_cancelled_the_rest_kept_and_nothing_new_made_for_it(
    documents: Documents,
) -> None:
    await configured(documents)
    lead_id = await a_lead(documents)
    draft_order = await make(documents, "order", lead_id)
    confirmed_order = await confirmed(documents, await make(documents, "order", lead_id))
    draft_invoice = await make(documents, "invoice", lead_id)

    deletion = await documents.deliver(lead_deleted(lead_id))

    async with documents.runtime.unit_of_work() as uow:
        statuses = {document.id: document.status for document in await uow.documents.of_lead(lead_id)}
        assert statuses == {draft_order.id: "cancelled", confirmed_order.id: "confirmed", draft_invoice.id: "cancelled"}
        kinds: list[DocumentKind] = ["order", "invoice"]
        for kind in kinds:
            with pytest.raises(Conflict) as refused:
                await use_cases.make_from_lead(uow, kind, lead_id, ANNA, time_zone=WARSAW)
            assert (refused.value.rule, refused.value.field) == ("lead_deleted", "lead_id")
        with pytest.raises(Conflict) as no_invoice:
            await use_cases.invoice_order(uow, confirmed_order.id, ANNA, time_zone=WARSAW)
        assert no_invoice.value.rule == "lead_deleted"
    cancelled = [row for row in await documents.outbox() if row.envelope.causation_id == deletion.id]
    assert [(row.event.type, getattr(row.event, "changed_by", None)) for row in cancelled] == [
        (InvoiceStatusChangedV1.type, "leadline/documents"),
        (OrderStatusChangedV1.type, "leadline/documents"),
    ]


async def test_documents_following_a_merged_lead_to_a_survivor_deleted_first_are_settled_like_its_own(
    documents: Documents,
) -> None:
    await configured(documents)
    survivor, merged = await a_lead(documents), await a_lead(documents)
    draft = await make(documents, "order", merged)

    # The survivor's deletion and the merge travel under different keys: here the deletion comes first.
    await documents.deliver(lead_deleted(survivor))
    await documents.deliver(leads_merged(survivor, merged))

    async with documents.runtime.unit_of_work() as uow:
        [moved] = await uow.documents.of_lead(survivor)
    assert (moved.id, moved.status) == (draft.id, "cancelled")
