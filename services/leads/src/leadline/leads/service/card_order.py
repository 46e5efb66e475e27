"""Dropping a card into a board's column at a place in the user's order: shared by both boards (leads by status,
deals by stage)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from uuid import UUID

from leadline.contracts.platform.errors import RuleViolation
from leadline.leads.domain.board import placement
from leadline.leads.service.unit_of_work import AbstractCardPositions

Card = tuple[UUID, float | None]


@dataclass(frozen=True)
class Drop:
    """``card_id`` dropped into ``column``: right above ``before_id`` or right below ``after_id`` (neither: at the
    top). ``fields``: how the request names the two neighbours, for refusals."""

    card_id: UUID
    column: str
    before_id: UUID | None
    after_id: UUID | None
    fields: tuple[str, str]

    def ensure_one_neighbour(self) -> None:
        before, after = self.fields
        if self.before_id and self.after_id:
            raise RuleViolation(
                f"give the card to drop above ({before}) or the one to drop below ({after}), not both",
                rule="one_neighbour",
                field=after,
            )


async def place_card(positions: AbstractCardPositions, user_id: str, column: AsyncGenerator[Card], drop: Drop) -> None:
    """Keeps the card where it was dropped in ``column`` (the column as the user sees it, top down)."""
    async with contextlib.aclosing(column):
        above, below = await _around_drop_point(column, drop)
    position, moved_above = placement(above, below)
    await positions.put(user_id, {**moved_above, drop.card_id: position})


async def _around_drop_point(column: AsyncGenerator[Card], drop: Drop) -> tuple[list[Card], float | None]:
    """The cards over the drop point (top down) and the position of the card right under it."""
    neighbour, field = (drop.after_id, drop.fields[1])
    if neighbour is None:
        neighbour, field = (drop.before_id, drop.fields[0])
    if neighbour == drop.card_id:
        raise RuleViolation("a card cannot be dropped next to itself", rule="neighbour_is_the_card", field=field)
    above: list[Card] = []
    async for card_id, position in column:
        if card_id == drop.card_id:
            continue
        if neighbour is None or card_id == drop.before_id or _ends_with(above, drop.after_id):
            return above, position
        above.append((card_id, position))
    if neighbour is None or _ends_with(above, drop.after_id):
        return above, None  # an empty column, or dropped below its last card
    raise RuleViolation(f"{neighbour} is not a card of the column {drop.column!r}", rule="not_in_column", field=field)


def _ends_with(cards: list[Card], card_id: UUID | None) -> bool:
    return bool(cards) and cards[-1][0] == card_id
