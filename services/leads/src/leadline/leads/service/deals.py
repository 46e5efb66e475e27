"""Use cases of a lead's deals. Each runs inside the caller's unit of work and records the change in the
lead's history; the caller commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from leadline.contracts.auth import Principal
from leadline.contracts.errors import NotFound, StaleVersion
from leadline.contracts.events import LeadDealChangedV1
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.model import Lead, ensure_may_change
from leadline.leads.service.commands import AddDeal, EditDeal, RemoveDeal
from leadline.leads.service.use_cases import get_lead


async def deals_of(uow: LeadsUnitOfWork, lead_id: UUID) -> list[Deal]:
    await get_lead(uow, lead_id)
    return await uow.deals.of(lead_id)


async def add_deal(uow: LeadsUnitOfWork, command: AddDeal, user: Principal) -> Deal:
    lead = await _changeable_lead(uow, command.lead_id, user)
    deal = Deal(
        id=uuid.uuid4(),
        lead_id=lead.id,
        name=command.name,
        pipeline_code=command.pipeline_code,
        stage_code=command.stage_code,
        value=command.value,
        currency=command.currency or lead.currency,
    ).checked(await uow.reference.load())
    await uow.deals.add(deal)
    now = datetime.now(UTC)
    await uow.history.record(lead.id, action="deal_added", by=user.user_id, at=now, changes=deal.history_changes(None))
    await _announce(uow, deal, "added", user, now)
    return deal


async def edit_deal(uow: LeadsUnitOfWork, command: EditDeal, user: Principal) -> Deal:
    deal = await _changeable_deal(uow, command.lead_id, command.deal_id, user, command.expected_version)
    edited = deal.edited(command.changes, await uow.reference.load())
    changes = edited.history_changes(deal)
    if not changes:
        return deal
    await uow.deals.save(edited)
    now = datetime.now(UTC)
    await uow.history.record(deal.lead_id, action="deal_changed", by=user.user_id, at=now, changes=changes)
    await _announce(uow, edited, "changed", user, now)
    return edited


async def remove_deal(uow: LeadsUnitOfWork, command: RemoveDeal, user: Principal) -> None:
    deal = await _changeable_deal(uow, command.lead_id, command.deal_id, user, command.expected_version)
    await uow.deals.remove(deal)
    now = datetime.now(UTC)
    await uow.history.record(
        deal.lead_id, action="deal_removed", by=user.user_id, at=now, changes=deal.removal_changes()
    )
    await _announce(uow, deal, "removed", user, now)


async def _announce(
    uow: LeadsUnitOfWork, deal: Deal, change: Literal["added", "changed", "removed"], user: Principal, at: datetime
) -> None:
    await uow.outbox.add(
        LeadDealChangedV1(
            lead_id=deal.lead_id,
            deal_id=deal.id,
            change=change,
            name=deal.name,
            pipeline_code=deal.pipeline_code,
            stage_code=deal.stage_code,
            value=deal.value,
            currency=deal.currency,
            changed_by=user.user_id,
            changed_at=at,
        )
    )


async def _changeable_lead(uow: LeadsUnitOfWork, lead_id: UUID, user: Principal) -> Lead:
    lead = await get_lead(uow, lead_id)
    ensure_may_change(lead, user)
    return lead


async def _changeable_deal(
    uow: LeadsUnitOfWork, lead_id: UUID, deal_id: UUID, user: Principal, expected_version: int | None
) -> Deal:
    await _changeable_lead(uow, lead_id, user)
    deal = await uow.deals.get(lead_id, deal_id)
    if deal is None:
        raise NotFound(f"lead {lead_id} has no deal {deal_id}", rule="deal_not_found")
    if expected_version is not None and expected_version != deal.version:
        raise StaleVersion(f"deal {deal.id} is at version {deal.version}, not {expected_version}", rule="stale_version")
    return deal
