"""Reading the pipeline board: each stage's totals under the board's filters, its cards in the user's order, and
what a card shows of the deal's lead. The filters are all on the deal's own row (see deals_repository.py), so
a stage's cards come from one index, and its totals from those kept as deals change (board_totals.py) or, under
a partner or value filter, from another index."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import fields
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.leads.adapters.board_totals import DealTotals
from leadline.leads.adapters.card_positions import DEAL_CARDS, CardPositions
from leadline.leads.adapters.queries import names_of
from leadline.leads.adapters.tables import deals, employees, leads, partners
from leadline.leads.domain.deal_filters import DealFilter
from leadline.leads.domain.deals import Deal, DealWithNames, StageTotal

_DEAL_COLUMNS = [deals.c[field.name] for field in fields(Deal)]


class DealQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def stage_totals(self, pipeline_code: str, where: DealFilter) -> list[StageTotal]:
        if where.partner_id is None and where.value_from is None and where.value_to is None:
            return await DealTotals(self._session).per_stage_and_currency(
                pipeline_code, where.state, salesperson_id=where.salesperson_id, lead_type_code=where.lead_type_code
            )
        # A partner's deals are few (its index finds them); a value range is counted on ix_deals_value_totals.
        query = (
            select(deals.c.stage_code, deals.c.currency, func.count(), func.sum(deals.c.value))
            .where(deals.c.pipeline_code == pipeline_code, *_conditions(where))
            .group_by(deals.c.stage_code, deals.c.currency)
        )
        return [StageTotal(*row) for row in (await self._session.execute(query)).all()]

    async def stage_page(
        self, user_id: str, stage_code: str, where: DealFilter, *, limit: int, cursor: str | None
    ) -> tuple[list[UUID], str | None]:
        """Ids of one page of a stage's column as ``user_id`` sees it: the cards the user placed, by their position,
        then the rest newest first."""
        return await CardPositions(self._session, DEAL_CARDS).page(
            user_id,
            [deals.c.stage_code == stage_code, *_conditions(where)],
            listing=f"stage:{stage_code}",
            limit=limit,
            cursor=cursor,
        )

    def stage_order(self, user_id: str, stage_code: str) -> AsyncGenerator[tuple[UUID, float | None]]:
        """A stage's column as ``user_id`` sees it, unfiltered, top down: each card's id and the user's position."""
        return CardPositions(self._session, DEAL_CARDS).column(user_id, [deals.c.stage_code == stage_code])

    async def cards(self, ids: Sequence[UUID]) -> list[DealWithNames]:
        """The deals with these ids (in that order) as cards."""
        if not ids:
            return []
        query = (
            select(
                *_DEAL_COLUMNS,
                deals.c.partner_id,
                deals.c.salesperson_id,
                leads.c.name.label("lead_name"),
                leads.c.priority_code,
            )
            .select_from(deals.join(leads, leads.c.id == deals.c.lead_id))
            .where(deals.c.id.in_(list(ids)))
        )
        rows = {row["id"]: row for row in (await self._session.execute(query)).mappings()}
        partner_names = await names_of(self._session, partners, {row["partner_id"] for row in rows.values()})
        employee_names = await names_of(self._session, employees, {row["salesperson_id"] for row in rows.values()})
        return [_card(rows[i], partner_names, employee_names) for i in ids if i in rows]


def _card(row: Any, partner_names: dict[Any, str], employee_names: dict[Any, str]) -> DealWithNames:
    return DealWithNames(
        deal=Deal(**{field.name: row[field.name] for field in fields(Deal)}),
        lead_name=row["lead_name"],
        priority_code=row["priority_code"],
        partner_id=row["partner_id"],
        partner_name=partner_names.get(row["partner_id"]),
        salesperson_id=row["salesperson_id"],
        salesperson_name=employee_names.get(row["salesperson_id"]),
    )


def _conditions(where: DealFilter) -> list[ColumnElement[bool]]:
    found = [deals.c.outcome.is_(None) if where.state == "open" else deals.c.outcome == where.state]
    for name in ("salesperson_id", "lead_type_code", "partner_id"):
        if (value := getattr(where, name)) is not None:
            found.append(deals.c[name] == value)
    if where.value_from is not None:
        found.append(deals.c.value >= where.value_from)
    if where.value_to is not None:
        found.append(deals.c.value <= where.value_to)
    return found
