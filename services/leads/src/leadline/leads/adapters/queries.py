"""Read-side SQL of the leads service: the lead list with its filters and sorts, the daily-routine
views, and the kanban board's columns, cards and candidates. What the rows mean (which statuses
are columns, colours, overdue) is decided in service/queries.py; here only what is fetched and how.

Every listing is keyset-paginated (leadline.contracts.platform.pagination) and shaped so an index serves
both its filter and its order; tests/bench/lead_queries.py measures them on a million leads.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, Table, Uuid, any_, cast, exists, false, func, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.pagination import Keyset, Segment, keyset_page
from leadline.leads.adapters.card_positions import LEAD_CARDS, CardPositions
from leadline.leads.adapters.repository import LeadRepository
from leadline.leads.adapters.tables import (
    employees,
    lead_tags,
    lead_text_search,
    leads,
    partners,
)
from leadline.leads.domain.board import LeadWithNames, SalespersonCandidate
from leadline.leads.domain.lead_filters import LeadFilter, LeadOrder, SortKey
from leadline.leads.domain.model import Lead
from leadline.leads.domain.search import phone_digits

# Filters that are one column equal to the value given.
_EQUAL_TO = {
    "closed": leads.c.closed,
    "type_code": leads.c.type_code,
    "status_code": leads.c.status_code,
    "salesperson_id": leads.c.salesperson_id,
    "priority_code": leads.c.priority_code,
    "partner_id": leads.c.partner_id,
    "source_code": leads.c.source_code,
    "campaign_code": leads.c.campaign_code,
    "channel_code": leads.c.channel_code,
    "created_by": leads.c.created_by,
}

# Filters that bound a column, by the name of their field.
_BOUNDS: dict[str, Callable[[Any], ColumnElement[bool]]] = {
    "lead_date_from": lambda day: leads.c.lead_date >= _midnight(day),
    "lead_date_to": lambda day: leads.c.lead_date < _midnight(day + timedelta(days=1)),
    "expected_close_from": lambda day: leads.c.expected_close >= day,
    "expected_close_to": lambda day: leads.c.expected_close <= day,
    "next_step_from": lambda moment: leads.c.next_step_at >= moment,
    "next_step_before": lambda moment: leads.c.next_step_at < moment,
}

_SORT_COLUMNS = {key: leads.c[key.value] for key in SortKey}

# The order every listing falls back on: newest first, the id breaking ties.
_NEWEST_FIRST = Keyset([leads.c.created_at, leads.c.id], descending=True)


class LeadQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(
        self, where: LeadFilter, order: LeadOrder, *, limit: int, cursor: str | None
    ) -> tuple[list[Lead], str | None]:
        """One page of the lead list; the cursor of the next page, None on the last."""
        dialect = self._session.get_bind().dialect.name
        indexed_text = await self._trigram_query_worth_using(where.text) if dialect == "sqlite" and where.text else None
        rows, next_cursor = await keyset_page(
            self._session,
            _list_segments(where, order, dialect, indexed_text),
            listing=f"leads:{order.key}:{'desc' if order.descending else 'asc'}",
            limit=limit,
            cursor=cursor,
        )
        return await self.by_ids([row["id"] for row in rows]), next_cursor

    async def _trigram_query_worth_using(self, text: str) -> str | None:
        """SQLite's planner cannot tell a rare text from a common one: ask the index how many leads hold
        it (counting no further than needed), and use the index only when they are few."""
        query = _trigram_query(text)
        if query is None:
            return None
        holding = select(lead_text_search.c.lead_id).where(_trigram_match(query)).limit(FEW_ENOUGH_TO_SORT + 1)
        count = await self._session.scalar(select(func.count()).select_from(holding.subquery()))
        return query if (count or 0) <= FEW_ENOUGH_TO_SORT else None

    async def by_ids(self, ids: Sequence[UUID]) -> list[Lead]:
        """The leads with these ids, in the order given."""
        found = {lead.id: lead for lead in await LeadRepository(self._session).many(_by_id(ids))}
        return [found[lead_id] for lead_id in ids if lead_id in found]

    async def column_page(
        self, user_id: str, status_code: str, *, type_code: str | None, limit: int, cursor: str | None
    ) -> tuple[list[UUID], str | None]:
        """Ids of one page of a kanban column as ``user_id`` sees it: the cards the user placed, by
        their position, then the rest newest first."""
        return await CardPositions(self._session, LEAD_CARDS).page(
            user_id, _in_column(status_code, type_code), listing=f"column:{status_code}", limit=limit, cursor=cursor
        )

    def column_order(self, user_id: str, status_code: str) -> AsyncGenerator[tuple[UUID, float | None]]:
        """A kanban column as ``user_id`` sees it, top down, every type: each card's id and the user's
        position for it (None: never placed). Streamed, so a caller looking for a card stops there."""
        return CardPositions(self._session, LEAD_CARDS).column(user_id, _in_column(status_code, None))

    async def with_names(self, ids: Sequence[UUID]) -> list[LeadWithNames]:
        """The leads with these ids (in that order), with their partner's and salesperson's names."""
        found = await self.by_ids(ids)
        partner_names = await names_of(self._session, partners, {lead.partner_id for lead in found})
        employee_names = await names_of(self._session, employees, {lead.salesperson_id for lead in found})
        return [
            LeadWithNames(lead, partner_names.get(lead.partner_id), employee_names.get(lead.salesperson_id))
            for lead in found
        ]

    async def salesperson_candidates(self) -> list[SalespersonCandidate]:
        """Employees (not archived) who hold open leads, with how many; by name."""
        # Counted per employee on the salesperson index rather than grouped over every open lead:
        # a few dozen short index ranges instead of a scan of the open leads.
        open_leads = (
            select(func.count())
            .where(leads.c.salesperson_id == employees.c.id, leads.c.closed == false())
            .scalar_subquery()
        )
        query = select(employees.c.id, employees.c.name, open_leads.label("open_leads")).where(
            employees.c.archived == false()
        )
        rows = (await self._session.execute(query)).all()
        return sorted((SalespersonCandidate(*row) for row in rows if row.open_leads > 0), key=lambda c: (c.name, c.id))


async def names_of(session: AsyncSession, table: Table, ids: Collection[Any]) -> dict[Any, str]:
    """The names of the partners or employees with these ids (None among them is no id)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict((await session.execute(select(table.c.id, table.c.name).where(table.c.id.in_(wanted)))).all())


def _by_id(ids: Sequence[UUID]) -> Select[Any]:
    return select(leads).where(leads.c.id.in_(ids))


def _conditions(where: LeadFilter, dialect: str, indexed_text: str | None) -> list[ColumnElement[bool]]:
    conditions = [
        column == getattr(where, name) for name, column in _EQUAL_TO.items() if getattr(where, name) is not None
    ]
    if where.tag is not None:
        # EXISTS rather than IN: checked per lead on lead_tags' primary key while an index serves the
        # order, instead of materialising every lead that carries a common tag.
        conditions.append(exists().where(lead_tags.c.lead_id == leads.c.id, lead_tags.c.tag_code == where.tag))
    for name, bound in _BOUNDS.items():
        if (value := getattr(where, name)) is not None:
            conditions.append(bound(value))
    if where.text:
        conditions.append(_matching_text(where.text, dialect, indexed_text))
    if where.without_expected_close:
        conditions.append(leads.c.expected_close.is_(None))
    if where.without_description:
        conditions.append(or_(leads.c.description.is_(None), func.trim(leads.c.description) == ""))
    if where.without_salesperson:
        conditions.append(leads.c.salesperson_id.is_(None))
    if where.without_next_step:
        conditions.append(leads.c.next_step_at.is_(None))
    if where.in_status_before is not None:
        conditions.append(leads.c.status_since < where.in_status_before)
    return conditions


# The trigram index finds substrings of at least three characters; shorter texts are scanned for.
TRIGRAM = 3
# Up to this many leads holding a text, fetching them all through the trigram index and sorting them
# beats walking the list in order; beyond it the walk finds a page of them sooner.
FEW_ENOUGH_TO_SORT = 2000


def _matching_text(text: str, dialect: str, indexed: str | None) -> ColumnElement[bool]:
    """Name, partner name or e-mail contain the text (any case); a phone-like text is matched on its digits.
    ``indexed``: the trigram index query that finds the leads' part of it, when that index is to be used."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    alternatives = [_partner_named(pattern, dialect)]
    if indexed is not None:
        alternatives.append(leads.c.id.in_(select(lead_text_search.c.lead_id).where(_trigram_match(indexed))))
        return or_(*alternatives)
    alternatives += [leads.c.name.ilike(pattern, escape="\\"), leads.c.email.ilike(pattern, escape="\\")]
    if digits := phone_digits(text):
        alternatives.append(leads.c.phone.like(f"%{digits}%"))
    return or_(*alternatives)


def _trigram_query(text: str) -> str | None:
    """The FTS5 query of the SQLite trigram index for ``text``; None when it is too short for trigrams."""
    if len(text) < TRIGRAM:
        return None
    query = f"{{name email}} : {_fts_phrase(text)}"
    if digits := phone_digits(text):  # at least MIN_PHONE_DIGITS = TRIGRAM of them
        query += f" OR phone : {_fts_phrase(digits)}"
    return query


def _trigram_match(query: str) -> ColumnElement[bool]:
    return lead_text_search.c.lead_text_search.op("MATCH")(query)


def _fts_phrase(text: str) -> str:
    """``text`` as one FTS5 string: a substring to find, whatever characters it holds."""
    return '"' + text.replace('"', '""') + '"'


def _partner_named(pattern: str, dialect: str) -> ColumnElement[bool]:
    named = partners.c.name.ilike(pattern, escape="\\")
    if dialect != "postgresql":
        return leads.c.partner_id.in_(select(partners.c.id).where(named))
    # PostgreSQL plans IN (subquery) inside an OR as a hashed subplan, guesses that half the leads
    # match and reads the whole list in order to find a rare one (0.7 s at a million leads). The
    # partners' ids as one array, computed first, let it OR the trigram and partner_id indexes (12 ms).
    ids = select(func.array_agg(partners.c.id)).where(named).scalar_subquery()
    return leads.c.partner_id == any_(cast(ids, postgresql.ARRAY(Uuid)))


def _list_segments(where: LeadFilter, order: LeadOrder, dialect: str, indexed_text: str | None) -> list[Segment]:
    """By the sort key, the id breaking ties; leads without a value for it (expected close or revenue)
    come last in either direction, newest first."""
    query = select(leads.c.id, leads.c.created_at).where(*_conditions(where, dialect, indexed_text))
    column = _SORT_COLUMNS[order.key]
    if column is leads.c.created_at:
        return [Segment(query, Keyset([column, leads.c.id], order.descending))]
    query = query.add_columns(column)
    by_value = Segment(query.where(column.is_not(None)), Keyset([column, leads.c.id], order.descending))
    if not column.nullable:
        return [by_value]
    return [by_value, Segment(query.where(column.is_(None)), _NEWEST_FIRST)]


def _in_column(status_code: str, type_code: str | None) -> list[ColumnElement[bool]]:
    in_column = [leads.c.status_code == status_code]
    if type_code is not None:
        in_column.append(leads.c.type_code == type_code)
    return in_column


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
