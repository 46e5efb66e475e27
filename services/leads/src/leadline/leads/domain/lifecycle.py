"""How a lead ends: lost with a reason, or merged into another lead. Pure rules: no I/O here."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Forbidden, RuleViolation
from leadline.leads.domain.model import ContactPoint, FieldChange, Lead, ReferenceData, Status


def lost_status_for(lead: Lead, reference: ReferenceData) -> Status:
    """The status a lead moves to when it is lost; refused, saying why, when the lead cannot be lost."""
    if lead.closed:
        raise RuleViolation(
            f"lead {lead.name!r} is already closed (status {lead.status_code!r}); only an open lead can be lost",
            rule="lead_already_closed",
            field="status_code",
        )
    lost = reference.lost_status
    if lost is None:
        raise RuleViolation(
            "no status is flagged lost; a manager has to configure one first",
            rule="no_lost_status",
            field="status_code",
        )
    return reference.checked_status(reference.lead_type(lead.type_code), lost)


def marked_lost(
    lead: Lead, lost_reason_code: str, reference: ReferenceData, by: str, at: datetime
) -> tuple[Lead, list[FieldChange]]:
    """The lead in the lost status with its reason, and what changed (for history)."""
    lost = lost_status_for(lead, reference)
    reference.item("lost_reason", lost_reason_code, field="lost_reason_code")
    marked = replace(
        lead.moved_to(lost, reference.lead_type(lead.type_code), reference, by=by, at=at, losing=True),
        lost_reason_code=lost_reason_code,
    )
    return marked, [
        FieldChange("status_code", lead.status_code, marked.status_code),
        FieldChange("closed", lead.closed, marked.closed),
        FieldChange("lost_reason_code", lead.lost_reason_code, marked.lost_reason_code),
    ]


def ensure_may_merge(user: Principal) -> None:
    if not user.is_manager:
        raise Forbidden("only a manager merges leads", rule="merge_requires_manager")


def ensure_not_the_same(survivor_id: UUID, merged_id: UUID) -> None:
    if survivor_id == merged_id:
        raise RuleViolation("a lead cannot be merged into itself", rule="merge_into_itself", field="merged_lead_id")


def survivor_of_merge(survivor: Lead, merged: Lead, by: str, at: datetime) -> tuple[Lead, list[FieldChange]]:
    """The survivor keeps its own values and gains the merged lead's tags, and its phone and e-mail (and the contact
    points it had gained) as extra contact points; the fields that changed."""
    tags = survivor.tags | merged.tags
    contacts = survivor.extra_contacts + contacts_gained(survivor, merged)
    after = replace(
        survivor, tags=tags, extra_contacts=contacts, updated_by=by, updated_at=at, version=survivor.version + 1
    )
    changes = []
    if tags != survivor.tags:
        changes.append(FieldChange("tags", sorted(survivor.tags), sorted(tags)))
    if contacts != survivor.extra_contacts:
        changes.append(
            FieldChange("extra_contacts", [c.plain() for c in survivor.extra_contacts], [c.plain() for c in contacts])
        )
    return after, changes


def contacts_gained(survivor: Lead, merged: Lead) -> tuple[ContactPoint, ...]:
    """What the merged lead was known by and the survivor is not yet."""
    offered: list[ContactPoint] = []
    if merged.phone:
        offered.append(ContactPoint("phone", merged.phone, merged.id))
    if merged.email:
        offered.append(ContactPoint("email", merged.email, merged.id))
    known = set(survivor.contact_keys)
    gained = []
    for contact in (*offered, *merged.extra_contacts):
        if contact.key not in known:
            known.add(contact.key)
            gained.append(contact)
    return tuple(gained)
