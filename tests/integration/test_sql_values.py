"""A batch's keys bound as one parameter (``leadline.contracts.platform.sql``), on each database: more of them than a
statement may bind parameters (32767 on PostgreSQL, 32766 in SQLite's default build), stored and read back as their
column types store them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from leadline.contracts.platform.db import create_engine
from leadline.contracts.platform.sql import UtcDateTime, is_in, values_table

MORE_THAN_A_STATEMENT_BINDS = 40_000

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(20), nullable=False),
    Column("seen_at", UtcDateTime(), nullable=False),
)


@pytest.fixture
async def connection(database_url: str) -> AsyncIterator[AsyncConnection]:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            yield connection
    finally:
        await engine.dispose()


async def test_rows_inserted_from_a_table_of_values_read_back_as_their_types(connection: AsyncConnection) -> None:
    ids = [uuid.uuid4() for _ in range(MORE_THAN_A_STATEMENT_BINDS)]
    seen_at = datetime(2026, 3, 1, 10, 30, tzinfo=UTC)
    given = values_table(ids, items.c.id.type, connection.dialect)
    rows = select(given.c.value, literal("batch", items.c.name.type), literal(seen_at, items.c.seen_at.type))

    await connection.execute(insert(items).from_select(["id", "name", "seen_at"], rows))

    stored = (await connection.execute(select(items.c.id, items.c.name, items.c.seen_at))).all()
    assert {row.id for row in stored} == set(ids)
    assert {(row.name, row.seen_at) for row in stored} == {("batch", seen_at)}


async def test_is_in_finds_exactly_the_given_keys_however_many(connection: AsyncConnection) -> None:
    stored = [uuid.uuid4() for _ in range(MORE_THAN_A_STATEMENT_BINDS)]
    now = datetime.now(UTC)
    await connection.execute(insert(items), [{"id": i, "name": "stored", "seen_at": now} for i in stored])
    asked = stored[1:] + [uuid.uuid4() for _ in range(100)]  # all but one of them, and some that are not there

    found = await connection.execute(select(items.c.id).where(is_in(items.c.id, asked, connection.dialect)))

    assert set(found.scalars()) == set(stored[1:])


async def test_is_in_compares_text_keys_as_the_column_stores_them(connection: AsyncConnection) -> None:
    now = datetime.now(UTC)
    await connection.execute(
        insert(items), [{"id": uuid.uuid4(), "name": name, "seen_at": now} for name in ("anna", "piotr", "marta")]
    )

    found = await connection.execute(
        select(items.c.name).where(is_in(items.c.name, ["anna", "marta", "nobody"], connection.dialect))
    )

    assert sorted(found.scalars()) == ["anna", "marta"]
