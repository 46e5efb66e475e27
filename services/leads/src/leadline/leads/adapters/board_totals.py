"""The kanban board's column totals: open leads per status and currency, how many and their expected revenue,
of every type or of one.

Counted per request they cost a pass over every open lead (133 ms p99 at a million leads). So they are kept
as leads change, by triggers on the leads table (migration 0014): any write of a lead — create, edit, status
change, lost, reopen, merge, delete, or an UPDATE by hand — that moves an open lead into, out of or between
totals inserts a change row per side (-1 lead and its revenue where it was, +1 where it is now) into
``open_lead_total_changes`` in the writer's own transaction, so the change commits or rolls back with the
lead. A lead counts while its own ``closed`` is false, in the status, type and currency it has.

Why change rows and not a counter row updated by each write: on PostgreSQL concurrent creates in the same
column would then queue on that row's lock until each commits. Inserting rows takes no lock another writer
waits for. Every second or so ``fold`` moves the changes into ``open_lead_totals`` (one row per status, type
and currency) in one statement, and a read adds the few changes not folded yet to the totals, also in one
statement, so it sees one snapshot: a change either still pending or already folded, never both or neither.
Concurrent folds (replicas) are safe: PostgreSQL's DELETE ... RETURNING hands each change row to one of them.

Revenue is summed in whole hundredths (integers), exact on SQLite too, whose NUMERIC is a float.

The pipeline board's totals (``DealTotals``: deals per pipeline stage, state, currency, salesperson and lead type,
and their value) are kept the same way, by triggers on deals (migration 0018), and folded by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, Subquery, Table, delete, func, literal, select, true, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.leads.adapters.tables import deal_total_changes, deal_totals, open_lead_total_changes, open_lead_totals
from leadline.leads.domain.board import ColumnTotal
from leadline.leads.domain.deals import StageTotal


@dataclass(frozen=True)
class KeptTotals:
    """Totals kept by triggers: ``totals`` holds a row per ``key``, ``changes`` a row per write, both with the
    ``amounts``, which add up."""

    totals: Table
    changes: Table
    key: tuple[str, ...]
    amounts: tuple[str, ...]

    def pending_and_folded(self, **equal_to: Any) -> Subquery:
        """The totals' rows and the changes not folded yet whose key columns hold these values, in one statement so
        one snapshot: a change is in one or the other, never both or neither."""

        def rows_of(table: Table) -> Select[Any]:
            columns = (table.c[c] for c in (*self.key, *self.amounts))
            return select(*columns).where(*(table.c[name] == value for name, value in equal_to.items()))

        return union_all(rows_of(self.totals), rows_of(self.changes)).subquery()

    async def have_changes(self, session: AsyncSession) -> bool:
        """Whether there are changes to fold."""
        query = select(literal(1)).select_from(self.changes).limit(1)
        return (await session.scalar(query)) is not None

    async def fold(self, session: AsyncSession) -> None:
        """Moves every change committed so far into the totals; totals that fall to nothing go."""
        key, amounts, changes_table = self.key, self.amounts, self.changes
        columns = [*key, *amounts]
        if session.get_bind().dialect.name == "postgresql":
            # One statement: a change committed while it runs is neither deleted unseen nor counted twice.
            taken = delete(changes_table).returning(*(changes_table.c[c] for c in columns))
            changes = taken.cte("taken")
            summed = select(*(changes.c[c] for c in key), *(func.sum(changes.c[a]) for a in amounts))
            pg_insert = postgresql.insert(self.totals).from_select(columns, summed.group_by(*key))
            await session.execute(pg_insert.on_conflict_do_update(index_elements=key, set_=self._added(pg_insert)))
        else:
            # SQLite lets one writer in at a time (this one), so nothing commits between the two statements.
            summed = select(*(changes_table.c[c] for c in key))
            summed = summed.add_columns(*(func.sum(changes_table.c[a]) for a in amounts))
            # WHERE true: without it SQLite would read the ON of ON CONFLICT as a join's.
            summed = summed.where(true()).group_by(*key)
            lite_insert = sqlite.insert(self.totals).from_select(columns, summed)
            await session.execute(lite_insert.on_conflict_do_update(index_elements=key, set_=self._added(lite_insert)))
            await session.execute(delete(changes_table))
        await session.execute(delete(self.totals).where(*(self.totals.c[a] == 0 for a in amounts)))

    def _added(self, insert: postgresql.Insert | sqlite.Insert) -> dict[str, Any]:
        return {a: self.totals.c[a] + insert.excluded[a] for a in self.amounts}


OPEN_LEADS = KeptTotals(
    open_lead_totals,
    open_lead_total_changes,
    key=("status_code", "type_code", "currency"),
    amounts=("leads", "with_revenue", "revenue_cents"),
)
DEALS = KeptTotals(
    deal_totals,
    deal_total_changes,
    key=("pipeline_code", "stage_code", "state", "currency", "salesperson_id", "lead_type_code"),
    amounts=("deals", "value_cents"),
)


class BoardTotals:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def per_status_and_currency(self, type_code: str | None) -> list[ColumnTotal]:
        """Open leads (of ``type_code``, or every type) per status and currency."""
        both = OPEN_LEADS.pending_and_folded(**({} if type_code is None else {"type_code": type_code}))
        leads, with_revenue, cents = (func.sum(both.c[amount]) for amount in OPEN_LEADS.amounts)
        query = (
            select(both.c.status_code, both.c.currency, leads, with_revenue, cents)
            .group_by(both.c.status_code, both.c.currency)
            .having(leads > 0)
        )
        return [
            ColumnTotal(status, currency, int(count), Decimal(int(hundredths)).scaleb(-2) if revenued else None)
            for status, currency, count, revenued, hundredths in (await self._session.execute(query)).all()
        ]

    async def have_changes(self) -> bool:
        return await OPEN_LEADS.have_changes(self._session)

    async def fold(self) -> None:
        await OPEN_LEADS.fold(self._session)


class DealTotals:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def per_stage_and_currency(
        self, pipeline_code: str, state: str, *, salesperson_id: str | None, lead_type_code: str | None
    ) -> list[StageTotal]:
        """The deals of a pipeline in ``state`` (open, won, lost), of one salesperson and lead type or any, per
        stage and currency."""
        given = {"salesperson_id": salesperson_id, "lead_type_code": lead_type_code}
        filters = {name: value for name, value in given.items() if value is not None}
        both = DEALS.pending_and_folded(pipeline_code=pipeline_code, state=state, **filters)
        deals, cents = func.sum(both.c.deals), func.sum(both.c.value_cents)
        query = select(both.c.stage_code, both.c.currency, deals, cents).group_by(both.c.stage_code, both.c.currency)
        return [
            StageTotal(stage, currency, int(count), Decimal(int(hundredths)).scaleb(-2))
            for stage, currency, count, hundredths in (await self._session.execute(query.having(deals > 0))).all()
        ]

    async def have_changes(self) -> bool:
        return await DEALS.have_changes(self._session)

    async def fold(self) -> None:
        await DEALS.fold(self._session)
