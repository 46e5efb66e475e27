"""Kanban commands: move a card (its status, and its place in the user's order), add a lead in a column."""

from __future__ import annotations

import contextlib
from uuid import UUID

from leadline.contracts.auth import Principal
from leadline.contracts.errors import RuleViolation
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.board import placement
from leadline.leads.domain.model import Lead
from leadline.leads.service import use_cases
from leadline.leads.service.commands import ChangeStatus, CreateLead, MoveCard

Card = tuple[UUID, float | None]


async def move_card(uow: LeadsUnitOfWork, command: MoveCard, user: Principal) -> Lead:
    """Changes the status when the column is another (with every rule of a status change: allowed for
    the type, permitted for the user), then keeps the card where it was dropped in the user's order.

    Reordering inside a column changes no lead, only the user's own view, so it needs no permission."""
    if command.before_lead_id and command.after_lead_id:
        raise RuleViolation(
            "give the card to drop above (before_lead_id) or the one to drop below (after_lead_id), not both",
            rule="one_neighbour",
            field="after_lead_id",
        )
    lead = await use_cases.current_lead(uow, command.lead_id, command.expected_version)
    if command.status_code != lead.status_code:
        lead = await use_cases.change_status(uow, ChangeStatus(lead.id, command.status_code), user)
    if not lead.closed:  # a closed lead leaves the board: there is no column to keep its place in
        above, below = await _around_drop_point(uow, user.user_id, command)
        position, moved_above = placement(above, below)
        await uow.card_positions.put(user.user_id, {**moved_above, lead.id: position})
    return lead


async def _around_drop_point(uow: LeadsUnitOfWork, user_id: str, command: MoveCard) -> tuple[list[Card], float | None]:
    """The cards over the drop point (top down) and the position of the card right under it."""
    neighbour, field = (command.after_lead_id, "after_lead_id")
    if neighbour is None:
        neighbour, field = (command.before_lead_id, "before_lead_id")
    if neighbour == command.lead_id:
        raise RuleViolation("a card cannot be dropped next to itself", rule="neighbour_is_the_card", field=field)
    above: list[Card] = []
    column = uow.queries.column_order(user_id, command.status_code)
    async with contextlib.aclosing(column):
        async for card_id, position in column:
            if card_id == command.lead_id:
                continue
            if neighbour is None or card_id == command.before_lead_id or _ends_with(above, command.after_lead_id):
                return above, position
            above.append((card_id, position))
    if neighbour is None or _ends_with(above, command.after_lead_id):
        return above, None  # an empty column, or dropped below its last card
    raise RuleViolation(
        f"lead {neighbour} is not a card of the column {command.status_code!r}", rule="not_in_column", field=field
    )


def _ends_with(cards: list[Card], lead_id: UUID | None) -> bool:
    return bool(cards) and cards[-1][0] == lead_id


async def create_in_column(
    uow: LeadsUnitOfWork, status_code: str, command: CreateLead, user: Principal, *, phone_region: str
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
        uow, CreateLead({**command.fields, "status_code": status_code}), user, phone_region=phone_region
    )
