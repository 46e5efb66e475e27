"""Kanban commands: move a card (its status, and its place in the user's order), add a lead in a column; keep the
boards' totals folded."""

from __future__ import annotations

from dataclasses import dataclass

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import RuleViolation
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.model import Lead
from leadline.leads.service import use_cases
from leadline.leads.service.card_order import Drop, place_card
from leadline.leads.service.commands import ChangeStatus, CreateLead, MoveCard
from leadline.leads.service.unit_of_work import AbstractUnitOfWork


@dataclass(frozen=True)
class TotalsChanged:
    """Which boards' kept totals have changes lead and deal writes left, not taken in yet."""

    kanban: bool
    pipeline: bool


async def board_totals_changed(uow: LeadsUnitOfWork) -> TotalsChanged:
    return TotalsChanged(kanban=await uow.board_totals.have_changes(), pipeline=await uow.deal_totals.have_changes())


async def fold_board_totals(uow: LeadsUnitOfWork, changed: TotalsChanged) -> None:
    """The boards' kept totals take in the changes writes left (see adapters/board_totals.py)."""
    if changed.kanban:
        await uow.board_totals.fold()
    if changed.pipeline:
        await uow.deal_totals.fold()


async def move_card(uow: AbstractUnitOfWork, command: MoveCard, user: Principal) -> Lead:
    """Changes the status when the column is another (with every rule of a status change: allowed for
    the type, permitted for the user), then keeps the card where it was dropped in the user's order.

    Reordering inside a column changes no lead, only the user's own view, so it needs no permission."""
    drop = Drop(
        card_id=command.lead_id,
        column=command.status_code,
        before_id=command.before_lead_id,
        after_id=command.after_lead_id,
        fields=("before_lead_id", "after_lead_id"),
    )
    drop.ensure_one_neighbour()
    await uow.card_positions.lock_order_of(user.user_id)
    lead = await use_cases.current_lead(uow, command.lead_id, command.expected_version)
    if command.status_code != lead.status_code:
        lead = await use_cases.change_status(uow, ChangeStatus(lead.id, command.status_code), user)
    if not lead.closed:  # a closed lead leaves the board: there is no column to keep its place in
        column = uow.queries.column_order(user.user_id, command.status_code)
        await place_card(uow.card_positions, user.user_id, column, drop)
    return lead


async def create_in_column(
    uow: AbstractUnitOfWork, status_code: str, command: CreateLead, user: Principal, *, phone_region: str
) -> Lead:
    """ "+" on a column: a new lead in that column's status (and every rule of creating a lead)."""
    if command.fields.get("status_code") not in (None, status_code):
        raise RuleViolation(
            f"the column sets the status to {status_code!r}; leave status_code out",
            rule="status_differs_from_column",
            field="status_code",
        )
    if (await uow.reference.load()).status(status_code).closed:
        raise RuleViolation(
            f"status {status_code!r} is closed, so it is no column of the board",
            rule="not_a_column",
            field="status_code",
        )
    return await use_cases.create_lead(
        uow,
        CreateLead({**command.fields, "status_code": status_code}, command.first_deal),
        user,
        phone_region=phone_region,
    )
