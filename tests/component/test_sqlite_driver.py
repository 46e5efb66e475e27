"""Leadline's SQLite driver: where a statement runs. Waiting belongs in the connection's thread (a read, or the
BEGIN IMMEDIATE that may queue behind another process's write lock); once the lock is held, a statement runs on
the event loop's thread, with no handoff to pay."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from leadline.contracts.platform.db import create_engine, read_only_engine
from tests.support.databases import sqlite_url
from tests.support.waiting import eventually

metadata = MetaData()
rows = Table("rows", metadata, Column("id", Integer, primary_key=True))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url(tmp_path, "driver"))

    @event.listens_for(engine.sync_engine, "connect")
    def thread_function(dbapi_connection: Any, _record: Any) -> None:
        # the thread a statement runs in, as SQLite sees it
        dbapi_connection._connection._conn.create_function("thread_id", 0, threading.get_ident)

    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_a_write_transaction_runs_on_the_event_loops_thread_and_a_read_does_not(engine: AsyncEngine) -> None:
    loop_thread = threading.get_ident()
    async with async_sessionmaker(engine)() as session, session.begin():
        await session.execute(insert(rows).values(id=1))
        writing_in = (await session.execute(text("SELECT thread_id()"))).scalar_one()
    async with async_sessionmaker(read_only_engine(engine))() as session, session.begin():
        reading_in = (await session.execute(text("SELECT thread_id()"))).scalar_one()
        assert (await session.execute(select(rows.c.id))).scalars().all() == [1]

    assert writing_in == loop_thread
    assert reading_in != loop_thread


async def test_a_writer_waiting_for_another_processs_lock_leaves_the_event_loop_free(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    elsewhere = sqlite3.connect(tmp_path / "driver.db", isolation_level=None)  # as another process would
    elsewhere.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def write() -> None:
        async with async_sessionmaker(engine)() as session, session.begin():
            await session.execute(insert(rows).values(id=2))

    ticker = asyncio.create_task(ticking())
    writer = asyncio.create_task(write())
    try:
        before = ticks

        async def loop_went_on() -> bool:
            return ticks >= before + 10 and not writer.done()

        await eventually(loop_went_on, timeout=10, what="the event loop ran while the writer waited for the lock")
        elsewhere.execute("COMMIT")
        await asyncio.wait_for(writer, timeout=10)
    finally:
        ticker.cancel()
        elsewhere.close()
    async with async_sessionmaker(read_only_engine(engine))() as session:
        assert (await session.execute(select(rows.c.id))).scalars().all() == [2]
