"""Each user's order of the cards in a kanban column: a position per (user, lead), smaller first."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.locks import KANBAN_ORDER, take_turn
from leadline.leads.adapters.tables import card_positions


class CardPositions:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_order_of(self, user_id: str) -> None:
        """Until the transaction ends, ``user_id``'s other moves wait, whichever replica takes them: a move reads
        the column, then places cards by what it read, so two at once would place on the same stale order
        (and both insert the positions of cards placed for the first time)."""
        await take_turn(self._session, KANBAN_ORDER, user_id)

    async def put(self, user_id: str, positions: Mapping[UUID, float]) -> None:
        """Sets these cards' positions for ``user_id``, replacing any they had."""
        if not positions:
            return
        # Delete then insert: one portable statement pair instead of a dialect's upsert.
        await self._session.execute(
            delete(card_positions).where(
                card_positions.c.user_id == user_id, card_positions.c.lead_id.in_(list(positions))
            )
        )
        await self._session.execute(
            insert(card_positions),
            [{"user_id": user_id, "lead_id": lead_id, "position": at} for lead_id, at in positions.items()],
        )
