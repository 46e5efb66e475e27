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
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, Table, delete, func, literal, select, true, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.leads.adapters.tables import open_lead_total_changes, open_lead_totals

_KEY = ("status_code", "type_code", "currency")
_AMOUNTS = ("leads", "with_revenue", "revenue_cents")


@dataclass(frozen=True)
class ColumnTotal:
    """Leads of one status in one currency: how many, and their expected revenue (None: none has one)."""

    status_code: str
    currency: str
    count: int
    revenue: Decimal | None


class BoardTotals:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def per_status_and_currency(self, type_code: str | None) -> list[ColumnTotal]:
        """Open leads (of ``type_code``, or every type) per status and currency."""
        parts = [_amounts_of(table, type_code) for table in (open_lead_totals, open_lead_total_changes)]
        both = union_all(*parts).subquery()
        leads, with_revenue, cents = (func.sum(both.c[amount]) for amount in _AMOUNTS)
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
        """Whether there are changes to fold."""
        query = select(literal(1)).select_from(open_lead_total_changes).limit(1)
        return (await self._session.scalar(query)) is not None

    async def fold(self) -> None:
        """Moves every change committed so far into the totals; totals that fall to nothing go."""
        columns = [*_KEY, *_AMOUNTS]
        if self._session.get_bind().dialect.name == "postgresql":
            # One statement: a change committed while it runs is neither deleted unseen nor counted twice.
            taken = delete(open_lead_total_changes).returning(*(open_lead_total_changes.c[c] for c in columns))
            changes = taken.cte("taken")
            summed = select(*(changes.c[c] for c in _KEY), *(func.sum(changes.c[a]) for a in _AMOUNTS))
            pg_insert = postgresql.insert(open_lead_totals).from_select(columns, summed.group_by(*_KEY))
            await self._session.execute(pg_insert.on_conflict_do_update(index_elements=_KEY, set_=_added(pg_insert)))
        else:
            # SQLite lets one writer in at a time (this one), so nothing commits between the two statements.
            summed = select(*(open_lead_total_changes.c[c] for c in _KEY))
            summed = summed.add_columns(*(func.sum(open_lead_total_changes.c[a]) for a in _AMOUNTS))
            # WHERE true: without it SQLite would read the ON of ON CONFLICT as a join's.
            summed = summed.where(true()).group_by(*_KEY)
            lite_insert = sqlite.insert(open_lead_totals).from_select(columns, summed)
            await self._session.execute(
                lite_insert.on_conflict_do_update(index_elements=_KEY, set_=_added(lite_insert))
            )
            await self._session.execute(delete(open_lead_total_changes))
        await self._session.execute(delete(open_lead_totals).where(*(open_lead_totals.c[a] == 0 for a in _AMOUNTS)))


def _amounts_of(table: Table, type_code: str | None) -> Select[Any]:
    query = select(table.c.status_code, table.c.currency, *(table.c[a] for a in _AMOUNTS))
    return query if type_code is None else query.where(table.c.type_code == type_code)


def _added(insert: postgresql.Insert | sqlite.Insert) -> dict[str, Any]:
    return {a: open_lead_totals.c[a] + insert.excluded[a] for a in _AMOUNTS}
