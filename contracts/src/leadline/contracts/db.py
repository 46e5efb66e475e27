"""Database plumbing every service shares: engines and the unit of work."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from leadline.contracts.messaging.outbox import Outbox, Publication


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
    _make_sqlite_transactional(engine)
    return engine


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    """WAL for concurrent readers, and BEGIN IMMEDIATE so writers queue on the busy timeout
    instead of failing when two deferred transactions both try to upgrade to a write lock."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below own transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")


_READ_ONLY = "leadline_read_only"


def read_only_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same database (and pool) for transactions that only read: on SQLite they begin deferred and
    skip the writers' queue, so in WAL mode they read a snapshot beside the one writer instead of
    waiting for it."""
    return engine.execution_options(**{_READ_ONLY: True})


def is_read_only(session: AsyncSession) -> bool:
    """The session is of a read-only unit of work (it never commits)."""
    return bool(session.get_bind().get_execution_options().get(_READ_ONLY))


_SQLITE_WRITE_GATES: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()


def transaction_gate(sessions: async_sessionmaker[AsyncSession]) -> AbstractAsyncContextManager[Any]:
    """SQLite has one writer at a time. Transactions of one process queue here, in order, instead
    of sleeping in SQLite's busy handler (which backs off by up to 100 ms a try under contention)."""
    engine: AsyncEngine = sessions.kw["bind"]
    if engine.dialect.name != "sqlite" or engine.sync_engine.get_execution_options().get(_READ_ONLY):
        return contextlib.nullcontext()
    return _SQLITE_WRITE_GATES.setdefault(engine.sync_engine, asyncio.Lock())


class UnitOfWork:
    """One database transaction and the events it causes (written to the outbox in it).

    The entrypoint owns the boundary: one per HTTP request, one per consumed batch.
    Leaving the block without ``commit()`` rolls everything back.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], publication: Publication) -> None:
        self._sessions = sessions
        self._publication = publication

    async def __aenter__(self) -> Self:
        self._gate = transaction_gate(self._sessions)
        await self._gate.__aenter__()
        self.session = self._sessions()
        try:
            await self.session.begin()
        except BaseException:
            await self._release()
            raise
        self.outbox = Outbox(self.session, self._publication)
        self.started()
        return self

    def started(self) -> None:
        """Hook for services to build their repositories on ``self.session``."""

    async def commit(self) -> None:
        await self.session.commit()
        if self.outbox.added:
            self._publication.relay_wakeup.set()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._release()

    async def _release(self) -> None:
        try:
            await self.session.rollback()
            await self.session.close()
        finally:
            await self._gate.__aexit__(None, None, None)
