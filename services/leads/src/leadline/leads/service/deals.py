"""Use cases of a lead's deals and of the pipeline board. Each runs inside the caller's unit of work and records the
change in the lead's history; the caller commits."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import NotFound, StaleVersion
from leadline.leads.domain.deals import Deal, history_mentions, new_deal, pipeline_of
from leadline.leads.domain.model import HistoryEntry, Lead, ensure_may_change
from leadline.leads.service.card_order import Drop, place_card
from leadline.leads.service.commands import AddDeal, EditDeal, MoveDeal, RemoveDeal
from leadline.leads.service.deal_events import announce_deal
from leadline.leads.service.unit_of_work import AbstractUnitOfWork
from leadline.leads.service.use_cases import get_lead


async def deals_of(uow: AbstractUnitOfWork, lead_id: UUID) -> list[Deal]:
    await get_lead(uow, lead_id)
    return await uow.deals.of(lead_id)


async def add_deal(uow: AbstractUnitOfWork, command: AddDeal, user: Principal) -> Deal:
    lead = await _changeable_lead(uow, command.lead_id, user)
    now = datetime.now(UTC)
    deal = new_deal(await uow.reference.load(), lead, **vars(command.deal), at=now)
    await uow.deals.add(deal, lead)
    await uow.history.record(lead.id, action="deal_added", by=user.user_id, at=now, changes=deal.history_changes(None))
    await announce_deal(uow, None, deal, user, now)
    return deal


async def edit_deal(uow: AbstractUnitOfWork, command: EditDeal, user: Principal) -> Deal:
    deal = await _changeable_deal(uow, command.lead_id, command.deal_id, user, command.expected_version)
    now = datetime.now(UTC)
    return await _changed(uow, deal, deal.edited(command.changes, await uow.reference.load(), now), user, now)


async def remove_deal(uow: AbstractUnitOfWork, command: RemoveDeal, user: Principal) -> None:
    deal = await _changeable_deal(uow, command.lead_id, command.deal_id, user, command.expected_version)
    await uow.deals.remove(deal)
    now = datetime.now(UTC)
    await uow.history.record(
        deal.lead_id, action="deal_removed", by=user.user_id, at=now, changes=deal.removal_changes()
    )
    await announce_deal(uow, deal, deal, user, now, removed=True)


async def deal_history(uow: AbstractUnitOfWork, lead_id: UUID, deal_id: UUID) -> list[HistoryEntry]:
    """The entries of the lead's history about the deal (a removed deal's too: history outlives it)."""
    await get_lead(uow, lead_id)
    entries = [entry for entry in await uow.history.of(lead_id) if history_mentions(entry, deal_id)]
    if not entries:
        raise NotFound(f"lead {lead_id} has no deal {deal_id}", rule="deal_not_found")
    return entries


async def move_deal(uow: AbstractUnitOfWork, command: MoveDeal, user: Principal) -> Deal:
    """A card dropped on the pipeline board: into another stage (with every rule of a move: a stage of the deal's
    pipeline, not archived; permitted for the user), then kept where it was dropped in the user's order.
    Reordering inside a stage changes no deal, only the user's own view, so it needs no permission."""
    drop = Drop(
        card_id=command.deal_id,
        column=command.stage_code,
        before_id=command.before_deal_id,
        after_id=command.after_deal_id,
        fields=("before_deal_id", "after_deal_id"),
    )
    drop.ensure_one_neighbour()
    await uow.deal_card_positions.lock_order_of(user.user_id)
    reference = await uow.reference.load()
    pipeline_of(reference, command.pipeline_code)
    deal = await _current_deal(uow, command.deal_id, command.expected_version)
    if deal.pipeline_code != command.pipeline_code:
        raise NotFound(
            f"deal {deal.id} is in pipeline {deal.pipeline_code!r}, not on the board of {command.pipeline_code!r}",
            rule="deal_not_on_board",
        )
    if command.stage_code != deal.stage_code:
        await _changeable_lead(uow, deal.lead_id, user)
        now = datetime.now(UTC)
        deal = await _changed(uow, deal, deal.moved_to(command.stage_code, reference, now), user, now)
    column = uow.deal_queries.stage_order(user.user_id, command.stage_code)
    await place_card(uow.deal_card_positions, user.user_id, column, drop)
    return deal


async def _changed(uow: AbstractUnitOfWork, deal: Deal, edited: Deal, user: Principal, at: datetime) -> Deal:
    changes = edited.history_changes(deal)
    if not changes:
        return deal
    await uow.deals.save(edited)
    action = "deal_stage_changed" if edited.stage_code != deal.stage_code else "deal_changed"
    await uow.history.record(deal.lead_id, action=action, by=user.user_id, at=at, changes=changes)
    await announce_deal(uow, deal, edited, user, at)
    return edited


async def _changeable_lead(uow: AbstractUnitOfWork, lead_id: UUID, user: Principal) -> Lead:
    lead = await get_lead(uow, lead_id)
    ensure_may_change(lead, user)
    return lead


async def _current_deal(uow: AbstractUnitOfWork, deal_id: UUID, expected_version: int | None) -> Deal:
    found = await uow.deals.by_ids([deal_id])
    if not found:
        raise NotFound(f"there is no deal {deal_id}", rule="deal_not_found")
    deal = found[0]
    if expected_version is not None and expected_version != deal.version:
        raise StaleVersion(f"deal {deal.id} is at version {deal.version}, not {expected_version}", rule="stale_version")
    return deal


async def _changeable_deal(
    uow: AbstractUnitOfWork, lead_id: UUID, deal_id: UUID, user: Principal, expected_version: int | None
) -> Deal:
    await _changeable_lead(uow, lead_id, user)
    deal = await uow.deals.get(lead_id, deal_id)
    if deal is None:
        raise NotFound(f"lead {lead_id} has no deal {deal_id}", rule="deal_not_found")
    if expected_version is not None and expected_version != deal.version:
        raise StaleVersion(f"deal {deal.id} is at version {deal.version}, not {expected_version}", rule="stale_version")
    return deal
