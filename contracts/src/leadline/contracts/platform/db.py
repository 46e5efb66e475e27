"""Database plumbing every service shares: engines and the unit of work."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from leadline.contracts.platform import sqlite_driver
from leadline.contracts.platform.messaging.outbox import Outbox, Publication


def create_engine(url: str, *, pool_size: int | None = None, **kwargs: Any) -> AsyncEngine:
    """``pool_size``: connections kept open to a server database (SQLite's file needs no pool sizing)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if pool_size is not None:
            kwargs["pool_size"] = pool_size
        if parsed.get_driver_name() != "asyncpg":
            return create_async_engine(url, pool_pre_ping=True, **kwargs)
        engine = create_async_engine(url, **kwargs)
        _replace_connections_the_server_closed(engine)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if parsed.drivername == "sqlite+aiosqlite":
        parsed = parsed.set(drivername=sqlite_driver.DRIVER_NAME)
    engine = create_async_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
    _make_sqlite_transactional(engine)
    return engine


def _replace_connections_the_server_closed(engine: AsyncEngine) -> None:
    """A pooled connection the server closed (a restart, a failover, an idle timeout, an operator's
    ``pg_terminate_backend``) is replaced before a request gets it. asyncpg sees the server hang up as it happens,
    so asking it costs nothing, where SQLAlchemy's pre-ping costs three round trips a checkout (BEGIN, an empty
    query, ROLLBACK), half as many as the rest of a lead's create (six)."""

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this pooled connection")  # the pool connects it again


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


class Transaction:
    """A unit of work's transaction on its own session: PostgreSQL's, and every transaction that only reads."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def commit(self) -> None:
        await self.session.commit()

    async def close(self) -> None:
        """Rolls back what was not committed."""
        try:
            await self.session.rollback()
        finally:
            await self.session.close()


# Enough members that a burst shares a few commits; few enough that the first of them does not wait long.
MAX_GROUP_MEMBERS = 64


class _WriteGroup:
    """SQLite has one writer. The units of work of a process that write take turns in one transaction, each
    in a savepoint of its own, and the transaction commits once nobody is waiting for a turn: a group commit.

    A member's effects are undone alone (ROLLBACK TO its savepoint) when it fails; when it succeeds it is
    answered only after the group's COMMIT, so nothing is acknowledged before it is durable. Members of one
    group see each other's writes, as they would after each other's commits: they stand or fall together.
    Turns are taken in order, in the process, instead of in SQLite's busy handler (which backs off by up to
    100 ms a try), and the WAL gets one commit per group instead of one per request or batch."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._turn = asyncio.Lock()
        self._queued = 0
        self._connection: AsyncConnection | None = None
        self._members: list[asyncio.Future[None]] = []
        self._spoiled = False

    async def join(self) -> _GroupMember:
        self._queued += 1
        try:
            await self._turn.acquire()
        finally:
            self._queued -= 1
        try:
            if self._connection is None:
                connection = await self._engine.connect()
                try:
                    await connection.begin()
                except BaseException:
                    await connection.close()
                    raise
                self._connection = connection
        except BaseException:
            self._turn.release()
            raise
        return _GroupMember(self, self._connection)

    def await_commit(self) -> asyncio.Future[None]:
        committed = asyncio.get_running_loop().create_future()
        self._members.append(committed)
        return committed

    def spoil(self) -> None:
        """A member could not undo its own writes: the group's transaction is rolled back whole."""
        self._spoiled = True

    async def leave(self) -> None:
        """Ends a member's turn; the last in line (or a full group) commits the group first. Cancelling the
        member does not cut the commit short, and the next turn starts only after it."""
        if not (self._spoiled or self._queued == 0 or len(self._members) >= MAX_GROUP_MEMBERS):
            self._turn.release()
            return
        finishing = asyncio.ensure_future(self._finish())
        try:
            await asyncio.shield(finishing)
        finally:
            if finishing.done():
                self._turn.release()
            else:
                finishing.add_done_callback(lambda _: self._turn.release())

    async def _finish(self) -> None:
        """Commits the group (or rolls back a spoiled one) and tells every member how it went; never raises: each
        member hears of a failure through its own answer."""
        connection, members, spoiled = self._connection, self._members, self._spoiled
        self._connection, self._members, self._spoiled = None, [], False
        if connection is None:
            return
        error: BaseException | None = None
        try:
            if spoiled:
                error = RuntimeError("a unit of work in the same group commit failed and could not be undone alone")
            else:
                await connection.commit()
        except Exception as failure:
            error = failure  # e.g. a deferred constraint: SQLite keeps the transaction open after such a COMMIT
        finally:
            try:
                if error is not None:
                    with contextlib.suppress(Exception):
                        await connection.rollback()
                with contextlib.suppress(Exception):
                    await connection.close()
            finally:
                for member in members:
                    if member.done():
                        continue  # its waiter went away (cancelled)
                    if error is None:
                        member.set_result(None)
                    else:
                        member.set_exception(error)


class _GroupMember(Transaction):
    def __init__(self, group: _WriteGroup, connection: AsyncConnection) -> None:
        session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        super().__init__(session)
        self._group = group
        self._has_turn = True

    async def commit(self) -> None:
        await self.session.commit()  # releases the member's savepoint
        committed = self._group.await_commit()
        self._has_turn = False
        await self._group.leave()
        await committed

    async def close(self) -> None:
        try:
            if self._has_turn:
                try:
                    await self.session.rollback()  # to the member's savepoint
                except BaseException:
                    self._group.spoil()
                    raise
        finally:
            try:
                await self.session.close()
            finally:
                if self._has_turn:
                    self._has_turn = False
                    await self._group.leave()


_WRITE_GROUPS: WeakKeyDictionary[Engine, _WriteGroup] = WeakKeyDictionary()


async def begin_transaction(sessions: async_sessionmaker[AsyncSession]) -> Transaction:
    """A transaction for a unit of work: of its own, or a turn in the SQLite write group of its database."""
    engine: AsyncEngine = sessions.kw["bind"]
    if engine.dialect.name != "sqlite" or engine.sync_engine.get_execution_options().get(_READ_ONLY):
        session = sessions()
        await session.begin()
        return Transaction(session)
    group = _WRITE_GROUPS.get(engine.sync_engine)
    if group is None:
        group = _WRITE_GROUPS[engine.sync_engine] = _WriteGroup(engine)
    return await group.join()


class UnitOfWork:
    """One database transaction and the events it causes (written to the outbox in it).

    The entrypoint owns the boundary: one per HTTP request, one per consumed batch.
    Leaving the block without ``commit()`` rolls everything back.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], publication: Publication) -> None:
        self._sessions = sessions
        self._publication = publication

    async def __aenter__(self) -> Self:
        self._transaction = await begin_transaction(self._sessions)
        self.session = self._transaction.session
        self.outbox = Outbox(self.session, self._publication)
        self.started()
        return self

    def started(self) -> None:
        """Hook for services to build their repositories on ``self.session``."""

    async def commit(self) -> None:
        await self._transaction.commit()
        if self.outbox.added:
            self._publication.relay_wakeup.set()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._transaction.close()
