"""Use cases of the leads service. Each runs inside the caller's unit of work and writes its
events to the outbox in the same transaction; the caller commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.platform.contacts import checked_e164, normalised_email
from leadline.contracts.platform.errors import DomainError, NotFound, RuleViolation, StaleVersion
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallLeadRequestedV1,
    EmailLeadRequestedV1,
    LeadAssignedV1,
    LeadCreatedFrom,
    LeadCreatedV1,
    LeadFieldChange,
    LeadOrigin,
    LeadRequestRefusedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
)
from leadline.leads.domain.contacts import ensure_contact_of
from leadline.leads.domain.deals import Deal, new_deal
from leadline.leads.domain.model import (
    FieldChange,
    HistoryEntry,
    Lead,
    ReferenceData,
    ensure_may_assign,
    ensure_may_change,
    ensure_may_reassign,
    status_move_changes,
)
from leadline.leads.domain.reference import SettingKey
from leadline.leads.service.commands import ChangeStatus, CreateLead, EditLead, NewDeal
from leadline.leads.service.deal_events import announce_deal
from leadline.leads.service.reference import ensure_on_the_team
from leadline.leads.service.unit_of_work import AbstractUnitOfWork

DEFAULT_LEAD_TYPE = "sale"
DEFAULT_CURRENCY = "PLN"


async def create_lead(
    uow: AbstractUnitOfWork,
    command: CreateLead,
    user: Principal,
    *,
    phone_region: str,
    lead_id: UUID | None = None,
    origin: LeadCreatedFrom | None = None,
    causation: Envelope | None = None,
    salesperson_on_the_team: bool = True,
) -> Lead:
    """``salesperson_on_the_team`` False: the salesperson is not checked against the directory (a request
    another service made for an authenticated user, which must not be refused for the directory's state)."""
    fields = _normalised(command.fields, phone_region)
    fields.setdefault("salesperson_id", user.user_id)
    ensure_may_assign(fields["salesperson_id"], user)
    if salesperson_on_the_team and fields["salesperson_id"] is not None:
        await ensure_on_the_team(uow, fields["salesperson_id"], field="salesperson_id")
    await _check_partner(uow, fields)
    reference = await uow.reference.load()
    lead_type = reference.lead_type(fields.get("type_code") or DEFAULT_LEAD_TYPE)
    status = (
        reference.entered_status(lead_type, reference.status(fields["status_code"]))
        if fields.get("status_code")
        else reference.initial_status(lead_type)
    )
    now = datetime.now(UTC)
    blank = Lead(
        id=lead_id or uuid.uuid4(),
        name="",
        type_code=lead_type.code,
        status_code=status.code,
        closed=status.closed,
        salesperson_id=None,
        phone=None,
        email=None,
        created_by=user.user_id,
        created_at=now,
        updated_by=user.user_id,
        updated_at=now,
        status_since=now,
        lead_date=now,
        currency=(await uow.settings.all()).get(SettingKey.DEFAULT_CURRENCY) or DEFAULT_CURRENCY,
        version=0,
        origin_kind=origin.kind if origin else None,
        origin_id=origin.id if origin else None,
    )
    # A new lead is a blank one with the given fields applied: one set of rules for create and edit.
    lead, changes = blank.edited(
        {k: v for k, v in fields.items() if k not in ("type_code", "status_code")}, reference, by=user.user_id, at=now
    )
    await _check_contact(uow, lead)
    deal = _first_deal(reference, lead, command.first_deal, now) if command.first_deal else None
    await uow.leads.add(lead)
    if deal is not None:
        await uow.deals.add(deal, lead)
        changes += deal.history_changes(None)
    await uow.history.record(lead.id, action="created", by=user.user_id, at=now, changes=changes)
    await uow.outbox.add(
        LeadCreatedV1(
            lead_id=lead.id,
            name=lead.name,
            type_code=lead.type_code,
            status_code=lead.status_code,
            closed=lead.closed,
            salesperson_id=lead.salesperson_id,
            phone=lead.phone,
            email=lead.email,
            created_by=lead.created_by,
            created_at=lead.created_at,
            # ``origin`` admits calls only (its consumers would refuse another kind); ``created_from`` every kind.
            origin=LeadOrigin(kind="call", id=origin.id) if origin and origin.kind == "call" else None,
            created_from=origin,
            partner_id=lead.partner_id,
            product_code=lead.product_code,
            priority_code=lead.priority_code,
            source_code=lead.source_code,
            campaign_code=lead.campaign_code,
            channel_code=lead.channel_code,
            tags=sorted(lead.tags),
            expected_revenue=lead.expected_revenue,
            currency=lead.currency,
            probability=lead.probability,
            expected_close=lead.expected_close,
            lead_date=lead.lead_date,
            street=lead.street,
            city=lead.city,
            postal_code=lead.postal_code,
            country=lead.country,
            next_step=lead.next_step,
            next_step_at=lead.next_step_at,
            contact_id=lead.contact_id,
        ),
        caused_by=causation,
    )
    if deal is not None:
        await announce_deal(uow, None, deal, user, now)
    return lead


def _first_deal(reference: ReferenceData, lead: Lead, new: NewDeal, at: datetime) -> Deal:
    """The deal entered with a new lead; a refusal names its field as the request does (``deal.<field>``)."""
    try:
        return new_deal(reference, lead, **vars(new), at=at)
    except DomainError as refusal:
        refusal.field = f"deal.{refusal.field}" if refusal.field else "deal"
        raise


async def edit_lead(uow: AbstractUnitOfWork, command: EditLead, user: Principal, *, phone_region: str) -> Lead:
    lead = await current_lead(uow, command.lead_id, command.expected_version)
    ensure_may_change(lead, user)
    changes = _normalised(command.changes, phone_region)
    if "salesperson_id" in changes and changes["salesperson_id"] != lead.salesperson_id:
        ensure_may_reassign(user)
        if changes["salesperson_id"] is not None:
            await ensure_on_the_team(uow, changes["salesperson_id"], field="salesperson_id")
    if "partner_id" in changes and changes["partner_id"] != lead.partner_id:
        await _check_partner(uow, changes)
    edited, diff = lead.edited(changes, await uow.reference.load(), by=user.user_id, at=datetime.now(UTC))
    if not diff:
        return lead
    if edited.contact_id is not None and (edited.contact_id, edited.partner_id) != (lead.contact_id, lead.partner_id):
        await _check_contact(uow, edited)
    await uow.leads.save(edited, lead)
    await uow.history.record(lead.id, action="updated", by=user.user_id, at=edited.updated_at, changes=diff)
    await announce_update(uow, edited, diff)
    if edited.status_code != lead.status_code:
        await announce_move(uow, lead, edited, user)
    if edited.salesperson_id != lead.salesperson_id:
        await uow.outbox.add(
            LeadAssignedV1(
                lead_id=lead.id,
                from_salesperson_id=lead.salesperson_id,
                to_salesperson_id=edited.salesperson_id,
                assigned_by=user.user_id,
                assigned_at=edited.updated_at,
            )
        )
    return edited


async def announce_update(uow: AbstractUnitOfWork, edited: Lead, diff: list[FieldChange]) -> None:
    await uow.outbox.add(
        LeadUpdatedV1(
            lead_id=edited.id,
            changes=[LeadFieldChange(field=c.field, old=c.old, new=c.new) for c in diff],
            version=edited.version,
            updated_by=edited.updated_by,
            updated_at=edited.updated_at,
        )
    )


async def change_status(uow: AbstractUnitOfWork, command: ChangeStatus, user: Principal) -> Lead:
    lead = await current_lead(uow, command.lead_id, command.expected_version)
    ensure_may_change(lead, user)
    reference = await uow.reference.load()
    moved = lead.moved_to(
        reference.status(command.status_code),
        reference.lead_type(lead.type_code),
        reference,
        by=user.user_id,
        at=datetime.now(UTC),
    )
    if moved.status_code == lead.status_code:
        return lead
    await uow.leads.save(moved, lead)
    await uow.history.record(
        lead.id,
        action="status_changed",
        by=user.user_id,
        at=moved.updated_at,
        changes=status_move_changes(lead, moved),
    )
    await announce_move(uow, lead, moved, user)
    return moved


async def announce_move(uow: AbstractUnitOfWork, before: Lead, after: Lead, user: Principal) -> None:
    await uow.outbox.add(
        LeadStatusChangedV1(
            lead_id=after.id,
            from_status_code=before.status_code,
            to_status_code=after.status_code,
            closed=after.closed,
            changed_by=user.user_id,
            changed_at=after.updated_at,
        )
    )


async def current_lead(
    uow: AbstractUnitOfWork, lead_id: UUID, expected_version: int | None, *, for_update: bool = False
) -> Lead:
    lead = await get_lead(uow, lead_id, for_update=for_update)
    if expected_version is not None and expected_version != lead.version:
        raise StaleVersion(f"lead {lead.id} is at version {lead.version}, not {expected_version}", rule="stale_version")
    return lead


async def get_lead(uow: AbstractUnitOfWork, lead_id: UUID, *, for_update: bool = False) -> Lead:
    lead = await uow.leads.get(lead_id, for_update=for_update)
    if lead is None:
        raise NotFound(f"there is no lead {lead_id}", rule="lead_not_found")
    return lead


async def lead_history(uow: AbstractUnitOfWork, lead_id: UUID) -> list[HistoryEntry]:
    """Who changed what of the lead, oldest first."""
    await get_lead(uow, lead_id)
    return await uow.history.of(lead_id)


async def create_lead_on_request(
    uow: AbstractUnitOfWork,
    event: CallLeadRequestedV1 | EmailLeadRequestedV1,
    envelope: Envelope,
    *,
    phone_region: str,
) -> None:
    """Communications asked for a lead for a call or an e-mail in triage. The lead id came with the request, so a
    request seen twice, or retried, finds its lead already there (or its history, once deleted or merged away:
    never made twice). A request that breaks a rule is refused, announced for communications to put the item back
    in triage with the reason, rather than dead-lettered where nobody waiting for the lead would hear of it."""
    if await uow.leads.get(event.lead_id) is not None or await uow.history.knows(event.lead_id):
        return
    requester = Principal(
        user_id=event.requested_by,
        name=event.requested_by,
        roles=frozenset({Role.SALESPERSON}),
    )
    fields: dict[str, Any] = {"name": event.name, "salesperson_id": event.salesperson_id}
    origin: LeadCreatedFrom
    if isinstance(event, CallLeadRequestedV1):
        fields["phone"], origin = event.phone, LeadCreatedFrom(kind="call", id=event.call_id)
    else:
        fields["email"], origin = event.email, LeadCreatedFrom(kind="email", id=event.email_id)
    try:
        async with uow.savepoint():  # a refusal leaves nothing of the attempt behind
            await create_lead(
                uow,
                CreateLead(fields),
                requester,
                phone_region=phone_region,
                lead_id=event.lead_id,
                origin=origin,
                causation=envelope,
                salesperson_on_the_team=False,
            )
    except DomainError as refusal:
        await uow.outbox.add(
            LeadRequestRefusedV1(
                lead_id=event.lead_id,
                item_kind="call" if isinstance(event, CallLeadRequestedV1) else "email",
                item_id=event.call_id if isinstance(event, CallLeadRequestedV1) else event.email_id,
                rule=refusal.rule,
                reason=refusal.message,
                refused_at=datetime.now(UTC),
            ),
            caused_by=envelope,
        )


async def _check_partner(uow: AbstractUnitOfWork, fields: Mapping[str, Any]) -> None:
    """A lead's partner must exist, and an archived one is not chosen for a lead any more."""
    partner_id = fields.get("partner_id")
    if partner_id is None:
        return
    partner = await uow.partners.get(partner_id)
    if partner is None:
        raise RuleViolation(f"there is no partner {partner_id}", rule="unknown_partner", field="partner_id")
    if partner.archived:
        raise RuleViolation(
            f"partner {partner.name!r} is archived and cannot be chosen any more",
            rule="archived_partner",
            field="partner_id",
        )


async def _check_contact(uow: AbstractUnitOfWork, lead: Lead) -> None:
    """The contact person a lead names is one of its partner's."""
    if lead.contact_id is not None:
        ensure_contact_of(await uow.contacts.get(lead.contact_id), lead.contact_id, lead.partner_id)


def _normalised(fields: Mapping[str, Any], phone_region: str) -> dict[str, Any]:
    """Phones in E.164 (calls are matched on them), e-mails in lower case, moments in UTC (as stored, so history
    and the answer say what a later read says)."""
    normalised = dict(fields)
    for moment in ("lead_date", "next_step_at"):
        if normalised.get(moment):
            normalised[moment] = normalised[moment].astimezone(UTC)
    if normalised.get("phone"):
        normalised["phone"] = checked_e164(normalised["phone"], phone_region)
    if normalised.get("email"):
        normalised["email"] = normalised_email(str(normalised["email"]))
    if "tags" in normalised:
        normalised["tags"] = frozenset(normalised["tags"] or ())
    return normalised
