"""SQLite's group commit: concurrent units of work of a process share a transaction, each in a savepoint of its
own, and each is answered only once the group's COMMIT has made it durable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, event, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from leadline.contracts.platform.db import UnitOfWork, create_engine, read_only_engine
from leadline.contracts.platform.messaging.outbox import Publication
from tests.support.databases import sqlite_url

metadata = MetaData()
parents = Table("parents", metadata, Column("id", Integer, primary_key=True))
children = Table(
    "children",
    metadata,
    Column("id", Integer, primary_key=True),
    # Checked at COMMIT, not at the insert: a way for a group's commit itself to fail.
    Column("parent_id", Integer, ForeignKey("parents.id", deferrable=True, initially="DEFERRED")),
)


class Works:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.reads = async_sessionmaker(read_only_engine(engine), expire_on_commit=False)
        self.publication = Publication(source="leadline/test", event_types=frozenset())
        self.commits = 0

        @event.listens_for(engine.sync_engine, "commit")
        def counted(_connection: object) -> None:
            self.commits += 1

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.publication)

    async def add_parent(self, parent_id: int, *, fail: bool = False) -> None:
        async with self.unit_of_work() as uow:
            await uow.session.execute(insert(parents).values(id=parent_id))
            await asyncio.sleep(0)  # lets others queue for their turn meanwhile
            if fail:
                raise ValueError(f"unit of work {parent_id} fails")
            await uow.commit()

    async def parent_ids(self) -> set[int]:
        async with self.reads() as session:
            return set((await session.execute(select(parents.c.id))).scalars())


@pytest.fixture
async def works(tmp_path: Path) -> AsyncIterator[Works]:
    engine = create_engine(sqlite_url(tmp_path, "groups"))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield Works(engine)
    finally:
        await engine.dispose()


async def test_concurrent_units_of_work_share_commits_and_one_that_fails_is_undone_alone(works: Works) -> None:
    results = await asyncio.gather(*(works.add_parent(n, fail=n == 7) for n in range(30)), return_exceptions=True)

    assert [n for n, result in enumerate(results) if isinstance(result, Exception)] == [7]
    assert await works.parent_ids() == set(range(30)) - {7}
    assert works.commits < 30, "concurrent units of work committed together"


async def test_a_unit_of_work_is_answered_only_once_its_writes_are_durable(works: Works) -> None:
    async def added_then_seen_from_elsewhere(parent_id: int) -> bool:
        await works.add_parent(parent_id)
        return parent_id in await works.parent_ids()  # another connection: only committed rows

    assert await asyncio.gather(*(added_then_seen_from_elsewhere(n) for n in range(20))) == [True] * 20


async def test_when_the_group_commit_fails_every_member_fails_and_nothing_stays(works: Works) -> None:
    async def orphan() -> None:
        async with works.unit_of_work() as uow:
            await uow.session.execute(insert(children).values(id=1, parent_id=999))  # no such parent
            await uow.commit()

    results = await asyncio.gather(*(works.add_parent(n) for n in range(5)), orphan(), return_exceptions=True)

    assert all(isinstance(result, IntegrityError) for result in results), results
    assert await works.parent_ids() == set()
    async with works.reads() as session:
        assert (await session.execute(select(func.count()).select_from(children))).scalar_one() == 0
    await works.add_parent(100)  # the next group starts clean
    assert await works.parent_ids() == {100}
