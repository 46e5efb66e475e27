"""Use cases of the leads service. Each runs inside the caller's unit of work and writes its
events to the outbox in the same transaction; the caller commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

from leadline.contracts.auth import Principal, Role
from leadline.contracts.envelope import Envelope
from leadline.contracts.errors import NotFound, RuleViolation, StaleVersion
from leadline.contracts.events import (
    CallLeadRequestedV1,
    LeadCreatedV1,
    LeadOrigin,
    LeadStatusChangedV1,
)
from leadline.contracts.phone import InvalidPhoneNumber, to_e164
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.model import Lead, ensure_may_assign, ensure_may_change
from leadline.leads.service.commands import ChangeStatus, CreateLead

DEFAULT_LEAD_TYPE = "sale"


async def create_lead(
    uow: LeadsUnitOfWork,
    command: CreateLead,
    user: Principal,
    *,
    phone_region: str,
    lead_id: UUID | None = None,
    origin: LeadOrigin | None = None,
    causation: Envelope | None = None,
) -> Lead:
    salesperson_id = command.salesperson_id if command.salesperson_id is not None else user.user_id
    ensure_may_assign(salesperson_id, user)
    reference = await uow.reference.load()
    lead_type = reference.lead_type(command.type_code)
    status = (
        reference.checked_status(lead_type, reference.status(command.status_code))
        if command.status_code
        else reference.initial_status(lead_type)
    )
    now = datetime.now(UTC)
    lead = Lead(
        id=lead_id or uuid.uuid4(),
        name=command.name,
        type_code=lead_type.code,
        status_code=status.code,
        closed=status.closed,
        salesperson_id=salesperson_id,
        phone=_normalised_phone(command.phone, phone_region),
        email=command.email.lower() if command.email else None,
        created_by=user.user_id,
        created_at=now,
        updated_by=user.user_id,
        updated_at=now,
        origin_kind=origin.kind if origin else None,
        origin_id=origin.id if origin else None,
    )
    await uow.leads.add(lead)
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
            origin=origin,
        ),
        correlation_id=causation.correlation_id or causation.id if causation else None,
        causation_id=causation.id if causation else None,
    )
    return lead


async def change_status(uow: LeadsUnitOfWork, command: ChangeStatus, user: Principal) -> Lead:
    lead = await get_lead(uow, command.lead_id)
    if command.expected_version is not None and command.expected_version != lead.version:
        raise StaleVersion(
            f"lead {lead.id} is at version {lead.version}, not {command.expected_version}",
            rule="stale_version",
        )
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
    await uow.leads.save(moved)
    await uow.outbox.add(
        LeadStatusChangedV1(
            lead_id=moved.id,
            from_status_code=lead.status_code,
            to_status_code=moved.status_code,
            closed=moved.closed,
            changed_by=user.user_id,
            changed_at=moved.updated_at,
        )
    )
    return moved


async def get_lead(uow: LeadsUnitOfWork, lead_id: UUID) -> Lead:
    lead = await uow.leads.get(lead_id)
    if lead is None:
        raise NotFound(f"there is no lead {lead_id}", rule="lead_not_found")
    return lead


async def create_lead_from_call(
    uow: LeadsUnitOfWork,
    event: CallLeadRequestedV1,
    envelope: Envelope,
    *,
    phone_region: str,
) -> None:
    """Communications asked for a lead for a call in triage. The lead id came with the request,
    so a request seen twice finds its lead already there."""
    if await uow.leads.get(event.lead_id) is not None:
        return
    requester = Principal(
        user_id=event.requested_by,
        name=event.requested_by,
        roles=frozenset({Role.SALESPERSON}),
    )
    await create_lead(
        uow,
        CreateLead(
            name=event.name,
            type_code=DEFAULT_LEAD_TYPE,
            phone=event.phone,
            salesperson_id=event.salesperson_id,
        ),
        requester,
        phone_region=phone_region,
        lead_id=event.lead_id,
        origin=LeadOrigin(kind="call", id=event.call_id),
        causation=envelope,
    )


def _normalised_phone(phone: str | None, region: str) -> str | None:
    if not phone:
        return None
    try:
        return to_e164(phone, region)
    except InvalidPhoneNumber as error:
        raise RuleViolation(str(error), rule="invalid_phone", field="phone") from None
