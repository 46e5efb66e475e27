"""Each user's order of the cards in a board's column, for both boards (leads by status, deals by stage): a position
per (user, card), smaller first; the cards a user never placed follow, newest first."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Column, ColumnElement, Table, and_, delete, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.locks import KANBAN_ORDER, take_turn
from leadline.contracts.platform.pagination import Keyset, Segment, keyset_page
from leadline.leads.adapters.tables import card_positions, deal_card_positions, deals, leads


@dataclass(frozen=True)
class CardOrder:
    """Where a board's cards and each user's positions of them are: ``cards`` (with ``id`` and ``created_at``
    columns) and ``positions`` (``user_id``, ``card``: the card's id, ``position``)."""

    cards: Table
    positions: Table
    card: Column[Any]

    def segments(self, user_id: str, in_column: Sequence[ColumnElement[bool]]) -> list[Segment]:
        """A column as ``user_id`` sees it: the cards the user placed, by position, then the rest newest first."""
        # The user's placed cards (a few hundred at most) are read first and each looked up by id. Joined instead,
        # PostgreSQL's planner guesses that few of them are in any one column and reads every card of the column
        # into a hash (14 ms for a kanban column of 19,000 at a million leads, growing with it); a scalar subquery
        # is never turned into a join, so the work stays that of the user's cards.
        in_this_column = select(self.cards.c.id).where(self.cards.c.id == self.card, *in_column).scalar_subquery()
        placed_id = self.card.label("id")
        placed = select(placed_id, self.positions.c.position).where(
            self.positions.c.user_id == user_id, in_this_column.is_not(None)
        )
        placed_by_user = and_(self.positions.c.user_id == user_id, self.card == self.cards.c.id)
        not_placed = select(self.cards.c.id, self.cards.c.created_at).where(*in_column, ~exists().where(placed_by_user))
        by_position = Keyset([self.positions.c.position, placed_id])
        newest_first = Keyset([self.cards.c.created_at, self.cards.c.id], descending=True)
        return [Segment(placed, by_position), Segment(not_placed, newest_first)]


LEAD_CARDS = CardOrder(leads, card_positions, card_positions.c.lead_id)
DEAL_CARDS = CardOrder(deals, deal_card_positions, deal_card_positions.c.deal_id)


class CardPositions:
    def __init__(self, session: AsyncSession, order: CardOrder) -> None:
        self._session = session
        self._order = order

    async def page(
        self, user_id: str, in_column: Sequence[ColumnElement[bool]], *, listing: str, limit: int, cursor: str | None
    ) -> tuple[list[UUID], str | None]:
        """Ids of one page of a column as ``user_id`` sees it."""
        rows, next_cursor = await keyset_page(
            self._session, self._order.segments(user_id, in_column), listing=listing, limit=limit, cursor=cursor
        )
        return [row["id"] for row in rows], next_cursor

    async def column(
        self, user_id: str, in_column: Sequence[ColumnElement[bool]]
    ) -> AsyncGenerator[tuple[UUID, float | None]]:
        """A column as ``user_id`` sees it, top down: each card's id and the user's position for it (None: never
        placed). Streamed, so a caller looking for a card stops there."""
        for segment in self._order.segments(user_id, in_column):
            result = await self._session.stream(segment.query.order_by(*segment.keyset.order_by()))
            try:
                async for row in result.mappings():
                    yield row["id"], row.get("position")  # the cards never placed have none
            finally:
                await result.close()

    async def lock_order_of(self, user_id: str) -> None:
        """Until the transaction ends, ``user_id``'s other moves wait, whichever replica takes them: a move reads
        the column, then places cards by what it read, so two at once would place on the same stale order
        (and both insert the positions of cards placed for the first time)."""
        await take_turn(self._session, KANBAN_ORDER, user_id)

    async def put(self, user_id: str, positions: Mapping[UUID, float]) -> None:
        """Sets these cards' positions for ``user_id``, replacing any they had."""
        if not positions:
            return
        table, card = self._order.positions, self._order.card
        # Delete then insert: one portable statement pair instead of a dialect's upsert.
        await self._session.execute(delete(table).where(table.c.user_id == user_id, card.in_(list(positions))))
        await self._session.execute(
            insert(table),
            [{"user_id": user_id, card.key: card_id, "position": at} for card_id, at in positions.items()],
        )
