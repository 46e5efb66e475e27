"""Use cases that end a lead or fold it into another (lost, delete, merge), and the likely duplicates
of a new lead. Each runs inside the caller's unit of work and writes its events to the outbox in the
same transaction; the caller commits."""

from __future__ import annotations

from datetime import UTC, datetime

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import NotFound, StaleVersion
from leadline.contracts.wire.events import LeadDeletedV1, LeadLostV1, LeadMergedV1
from leadline.leads.domain.lifecycle import ensure_may_merge, ensure_not_the_same, marked_lost, survivor_of_merge
from leadline.leads.domain.links import MERGED_LEAD, LeadLink, ensure_deletable
from leadline.leads.domain.model import FieldChange, Lead, ensure_may_change
from leadline.leads.service.commands import DeleteLead, MarkLost, MergeLeads
from leadline.leads.service.unit_of_work import AbstractUnitOfWork
from leadline.leads.service.use_cases import announce_move, announce_update, current_lead

# Enough for a person to recognise the duplicate; more would be a search, not a warning.
MAX_LIKELY_DUPLICATES = 20


async def mark_lost(uow: AbstractUnitOfWork, command: MarkLost, user: Principal) -> Lead:
    lead = await current_lead(uow, command.lead_id, command.expected_version)
    ensure_may_change(lead, user)
    reference = await uow.reference.load()
    lost, changes = marked_lost(lead, command.lost_reason_code, reference, by=user.user_id, at=datetime.now(UTC))
    await uow.leads.save(lost, lead)
    await uow.history.record(lead.id, action="lost", by=user.user_id, at=lost.updated_at, changes=changes)
    await uow.outbox.add(
        LeadLostV1(
            lead_id=lead.id,
            lost_reason_code=command.lost_reason_code,
            status_code=lost.status_code,
            lost_by=user.user_id,
            lost_at=lost.updated_at,
        )
    )
    await announce_move(uow, lead, lost, user)
    return lost


async def delete_lead(uow: AbstractUnitOfWork, command: DeleteLead, user: Principal) -> None:
    """Only a lead created by mistake is deleted: one with calls, e-mails, orders or invoices is refused.
    Its history stays, ending with who deleted it. The lead is locked first: a link being written waits, or is
    seen (service/links.py says why no item is left linked to a deleted lead)."""
    lead = await current_lead(uow, command.lead_id, command.expected_version, for_update=True)
    ensure_may_change(lead, user)
    ensure_deletable(lead.id, await uow.links.of(lead.id))
    await uow.links.remove_of(lead.id)  # what is left are the leads once merged into this one
    await uow.leads.remove(lead.id)
    now = datetime.now(UTC)
    await uow.history.record(lead.id, action="deleted", by=user.user_id, at=now, changes=[])
    await uow.outbox.add(LeadDeletedV1(lead_id=lead.id, deleted_by=user.user_id, deleted_at=now))


async def merge_leads(uow: AbstractUnitOfWork, command: MergeLeads, user: Principal) -> Lead:
    """The survivor keeps its own values; the merged lead's links, deals, tags and history move to it,
    and the merged lead is removed."""
    ensure_may_merge(user)
    ensure_not_the_same(command.survivor_id, command.merged_lead_id)
    # Both locked, like a delete: links being written to either wait, then follow the merge.
    survivor = await current_lead(uow, command.survivor_id, command.expected_version, for_update=True)
    merged = await uow.leads.get(command.merged_lead_id, for_update=True)
    if merged is None:
        raise NotFound(f"there is no lead {command.merged_lead_id}", rule="lead_not_found", field="merged_lead_id")
    expected = command.merged_lead_expected_version
    if expected is not None and expected != merged.version:
        raise StaleVersion(
            f"lead {merged.id} is at version {merged.version}, not {expected}",
            rule="stale_version",
            field="merged_lead_version",
        )
    now = datetime.now(UTC)
    after, changed_fields = survivor_of_merge(survivor, merged, by=user.user_id, at=now)
    await uow.links.move(merged.id, survivor.id)
    await uow.deals.move(merged.id, after)
    await uow.history.move(merged.id, survivor.id)
    await uow.links.put(
        LeadLink(kind=MERGED_LEAD, item_id=str(merged.id), lead_id=survivor.id, label=merged.name, linked_at=now)
    )
    await uow.leads.remove(merged.id)
    await uow.leads.save(after, survivor)
    merged_entry = FieldChange("merged_lead", None, {"id": str(merged.id), "name": merged.name})
    await uow.history.record(
        survivor.id, action="merged", by=user.user_id, at=now, changes=[merged_entry, *changed_fields]
    )
    if changed_fields:
        await announce_update(uow, after, changed_fields)
    await uow.outbox.add(
        LeadMergedV1(survivor_id=survivor.id, merged_id=merged.id, merged_by=user.user_id, merged_at=now)
    )
    return after


async def likely_duplicates(uow: AbstractUnitOfWork, lead: Lead) -> list[Lead]:
    """Other open leads with the lead's phone or e-mail: the caller decides whether to merge them."""
    return await uow.leads.open_sharing_contacts(lead, limit=MAX_LIKELY_DUPLICATES)
