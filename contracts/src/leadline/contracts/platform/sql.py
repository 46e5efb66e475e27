"""Table building blocks shared by every service's schema."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, MetaData, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeDecorator, TypeEngine

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def values_table(values: Iterable[Any], type_: TypeEngine[Any], dialect: Dialect) -> TableValuedAlias:
    """The values as a table of one column, ``value``, bound as one parameter however many they are: a PostgreSQL
    array, or on SQLite a JSON array of the values as ``type_`` stores them, read by ``json_each``. For statements
    about a whole batch: a list binds a parameter per value (at most 32767 a statement), each processed by
    SQLAlchemy, and on PostgreSQL a long IN list falls to a sequential scan when its plan was cached while the table
    was still empty (a replay into a fresh database: seconds a batch)."""
    if dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(type_))
        return func.unnest(array).table_valued("value").render_derived()
    process = type_.bind_processor(dialect)
    stored = [process(value) for value in values] if process else list(values)
    return func.json_each(json.dumps(stored)).table_valued("value")


def is_in(column: ColumnElement[Any], values: Iterable[Any], dialect: Dialect) -> ColumnElement[bool]:
    """``column IN values``, the values bound as one parameter (see ``values_table``)."""
    return column.in_(select(values_table(values, column.type, dialect).c.value))


def upsert(session: AsyncSession, table: Table, *, key: Sequence[str], replaced: Sequence[str]) -> Insert:
    """An INSERT of ``table`` rows that replaces the ``replaced`` columns of a row whose ``key`` exists already, in
    the dialect of the session's database (both engines say it alike, but SQLAlchemy builds it per dialect)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    upserting: Insert = statement.on_conflict_do_update(
        index_elements=[table.c[column] for column in key],
        set_={column: statement.excluded[column] for column in replaced},
    )
    return upserting
