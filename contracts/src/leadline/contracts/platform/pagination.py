"""Keyset ("cursor") pagination: stable while rows are added, and index-friendly.

``newest_first`` is the common case; ``keyset_page`` pages any order (a sort key, its direction,
rows without a value last) given as one or more ``Segment``s."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, RowMapping, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.errors import RuleViolation


@dataclass(frozen=True)
class Keyset:
    """Columns that put rows in one total order (the last one unique, usually the id), all compared
    in one direction. Every column must be among the columns the query selects."""

    columns: Sequence[ColumnElement[Any]]
    descending: bool = False

    def order_by(self) -> list[ColumnElement[Any]]:
        return [column.desc() if self.descending else column.asc() for column in self.columns]

    def after(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """Rows strictly after ``values``, written as ``a >= x AND (a > x OR ...)`` rather than as a row
        comparison, so an index that starts with the first column bounds the scan on SQLite too."""
        first, *rest = self.columns
        value, *more = values
        beyond: ColumnElement[bool] = first < value if self.descending else first > value
        if not rest:
            return beyond
        reached = first <= value if self.descending else first >= value
        return and_(reached, or_(beyond, Keyset(rest, self.descending).after(more)))


@dataclass(frozen=True)
class Segment:
    """One run of a listing: the rows ``query`` selects, in ``keyset`` order. A listing is its segments
    one after the other, e.g. the rows with a value by that value, then those without, newest first;
    each run keeps an order an index can serve, which one ORDER BY with NULLS LAST or CASE would not."""

    query: Select[Any]
    keyset: Keyset


async def keyset_page(
    session: AsyncSession,
    segments: Sequence[Segment],
    *,
    listing: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[RowMapping], str | None]:
    """One page of a listing made of ``segments``, and the cursor of the next page (None on the last).

    ``listing`` names the order; it travels in the cursor, so a cursor of another order is refused
    instead of silently skipping rows. No OFFSET: each page starts right after the previous one's last row.
    """
    first_segment, after = _decode_position(cursor, listing, len(segments)) if cursor else (0, None)
    found: list[tuple[int, RowMapping]] = []
    for index in range(first_segment, len(segments)):
        segment = segments[index]
        query = segment.query.order_by(*segment.keyset.order_by()).limit(limit + 1 - len(found))
        if index == first_segment and after is not None:
            query = query.where(segment.keyset.after(after))
        found += [(index, row) for row in (await session.execute(query)).mappings()]
        if len(found) > limit:  # one row beyond the page tells that there is a next page
            break
    rows = [row for _, row in found[:limit]]
    if len(found) <= limit:
        return rows, None
    index, last = found[limit - 1]
    return rows, _encode_position(listing, index, [last[column] for column in segments[index].keyset.columns])


# Cursor values keep their type, so a page boundary compares exactly as the row it came from.
_DECODERS: dict[str, Callable[[str], Any]] = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "decimal": Decimal,
    "uuid": UUID,
    "float": float,
    "int": int,
    "str": str,
}


def _tagged(value: Any) -> list[str]:
    # datetime before date: a datetime is a date too.
    for tag, kind in (("datetime", datetime), ("date", date), ("decimal", Decimal), ("uuid", UUID)):
        if isinstance(value, kind):
            return [tag, value.isoformat() if isinstance(value, date) else str(value)]
    if isinstance(value, bool) or not isinstance(value, float | int | str):
        raise TypeError(f"a keyset column holds {type(value).__name__}, which a cursor cannot carry")
    return [type(value).__name__, str(value)]


def _encode_position(listing: str, segment: int, values: Sequence[Any]) -> str:
    document = [listing, segment, [_tagged(value) for value in values]]
    return base64.urlsafe_b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()


def _decode_position(cursor: str, listing: str, segments: int) -> tuple[int, list[Any]]:
    try:
        cursor_listing, segment, tagged = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        values = [_DECODERS[tag](text) for tag, text in tagged]
    except (ValueError, TypeError, KeyError, ArithmeticError):  # ArithmeticError: decimal.InvalidOperation
        raise RuleViolation("the cursor is not one this API returned", rule="invalid_cursor", field="cursor") from None
    if cursor_listing != listing or not isinstance(segment, int) or not 0 <= segment < segments:
        raise RuleViolation(
            "the cursor belongs to another listing or order; start again without a cursor",
            rule="invalid_cursor",
            field="cursor",
        )
    return segment, values


async def newest_first(
    session: AsyncSession,
    query: Select[Any],
    *,
    at: ColumnElement[datetime],
    row_id: ColumnElement[UUID],
    limit: int,
    cursor: str | None,
) -> tuple[list[RowMapping], str | None]:
    """One page of ``query`` ordered by ``at`` then ``row_id``, descending; and the cursor of the next page."""
    newest = Segment(query, Keyset([at, row_id], descending=True))
    return await keyset_page(session, [newest], listing="newest", limit=limit, cursor=cursor)
