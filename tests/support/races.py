"""Forcing one interleaving of two transactions: the test holds a transaction open, starts a contender, and lets
its own transaction go only once the contender waits for it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.waiting import eventually

T = TypeVar("T")

_WAITING = text(
    "SELECT count(DISTINCT pid) FROM pg_locks JOIN pg_stat_activity USING (pid) "
    "WHERE NOT pg_locks.granted AND pg_stat_activity.datname = current_database()"
)


async def contended(sessions: async_sessionmaker[AsyncSession], contender: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """Starts ``contender`` and returns once it waits for a lock that the caller's open transaction holds.

    On PostgreSQL that is seen in ``pg_locks``: whatever the contender does first has happened, and it cannot go on
    before the caller's transaction ends. SQLite lets one writer in at a time (the services queue their transactions
    in process), so there the contender cannot begin before the caller's transaction ends: nothing to wait for.
    """
    already = await _waiting(sessions)  # earlier contenders
    task = asyncio.create_task(contender)
    await one_more_waits(sessions, already)
    return task


async def one_more_waits(sessions: async_sessionmaker[AsyncSession], already: int = 0) -> None:
    """Returns once more transactions than ``already`` wait for a lock (PostgreSQL); at once on SQLite, where a
    transaction begun later waits for the held one by construction."""

    async def more() -> bool:
        return await _waiting(sessions) > already

    if sessions.kw["bind"].dialect.name == "postgresql":
        await eventually(more, what="a transaction waits for the held one")


async def _waiting(sessions: async_sessionmaker[AsyncSession]) -> int:
    if sessions.kw["bind"].dialect.name != "postgresql":
        return 0
    async with sessions() as session:
        return int((await session.execute(_WAITING)).scalar_one())
