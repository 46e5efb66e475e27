"""Keyset ("cursor") pagination, newest first: stable while rows are added, and index-friendly."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, RowMapping, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.errors import RuleViolation


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
    query = query.order_by(at.desc(), row_id.desc()).limit(limit + 1)
    if cursor:
        after_at, after_id = _decode(cursor)
        query = query.where(or_(at < after_at, and_(at == after_at, row_id < after_id)))
    rows = list((await session.execute(query)).mappings())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], _encode(last[at.key], last[row_id.key])


def _encode(at: datetime, row_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode()


def _decode(cursor: str) -> tuple[datetime, UUID]:
    try:
        at, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(at), UUID(row_id)
    except ValueError:
        raise RuleViolation("the cursor is not one this API returned", rule="invalid_cursor", field="cursor") from None
