"""SQLAlchemy's aiosqlite dialect, with a statement costing one trip to the connection's thread instead of four.

aiosqlite runs each call of a connection in a thread of its own, and SQLAlchemy's adapter makes a call each
to open a cursor, execute, fetch and close it. Every call is a handoff between threads (a queue, a wakeup,
the GIL changing hands, a wakeup of the event loop), and a handoff costs more than executing a typical
statement. Here the four run as one function in the thread. Statements that answer nothing and cannot fail
in how Leadline uses them (BEGIN, SAVEPOINT, RELEASE) wait and travel with the next statement, commit or
rollback of the connection. ``create_engine`` selects this dialect for ``sqlite+aiosqlite`` URLs, so a
service's configuration does not change.

Once a connection holds SQLite's write lock (its ``BEGIN IMMEDIATE`` has run, in the thread, where waiting on
another process's lock belongs), its statements run on the event loop's thread: nothing can make them wait for
another connection then (in WAL mode readers never block the writer), and a write statement takes tens of
microseconds where a handoff costs hundreds under load: waking the thread (a context switch on a busy machine),
the GIL changing hands twice, and a turn of the event loop behind every other ready task. The write lock is one
per database, so that cost was paid in series by every writer of the process. COMMIT and ROLLBACK still go to the
thread: a commit may checkpoint the WAL, which writes the database file.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

DRIVER_NAME = "sqlite+leadline_aiosqlite"

_Outcome = tuple[Any, int, int | None, Sequence[Any], bool | None]
_DEFERRABLE = ("BEGIN", "SAVEPOINT ", "RELEASE SAVEPOINT ")
_WRITE_BEGIN = "BEGIN IMMEDIATE"


def _run(
    connection: aiosqlite.Connection, deferred: list[str], operation: str, parameters: Any, many: bool
) -> _Outcome:
    """In the connection's thread: the statements that waited, then the whole life of a cursor."""
    for statement in deferred:
        connection._conn.execute(statement)
    cursor: sqlite3.Cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, cursor.rowcount, cursor.lastrowid, rows, connection._conn.in_transaction
    finally:
        cursor.close()


class _OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """Holds what the statement returned; there is no sqlite3 cursor left open to ask later."""

    __slots__ = ("_outcome",)

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._rows = deque()
        self._outcome: _Outcome = (None, -1, None, (), False)

    @property
    def description(self) -> Any:
        return self._outcome[0]

    @property
    def rowcount(self) -> int:
        return self._outcome[1]

    @property
    def lastrowid(self) -> int:
        return self._outcome[2] or 0

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._trip(operation, seq_of_parameters, many=True)

    async def _trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection = self._adapt_connection
        assert isinstance(connection, _Connection)
        if not many and not parameters and operation.startswith(_DEFERRABLE):
            connection.deferred.append(operation)
            self._outcome = (None, -1, None, (), connection.in_transaction)
            return
        database = cast(aiosqlite.Connection, self._connection)
        async with connection._execute_mutex:
            deferred = connection.take_deferred()
            try:
                if connection.holds_write_lock:
                    self._outcome = _run(database, deferred, operation, parameters, many)
                else:
                    self._outcome = await self._connection._execute(
                        _run, database, deferred, operation, parameters, many
                    )
            except BaseException:
                connection.in_transaction = None  # unknown after a failure: the next rollback goes to SQLite
                # Some failures (a full disk, an I/O error) make SQLite roll the transaction back, and its lock
                # with it: a statement after that could wait on another process again.
                connection.holds_write_lock = connection.holds_write_lock and database._conn.in_transaction
                raise
        connection.in_transaction = self._outcome[4]
        if any(statement.startswith(_WRITE_BEGIN) for statement in deferred):
            connection.holds_write_lock = bool(connection.in_transaction)
        self._rows = deque(self._outcome[3])

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()


def _end(connection: aiosqlite.Connection, deferred: list[str], commit: bool) -> bool:
    """The statements that waited, then COMMIT or ROLLBACK; whether a transaction is still open (a COMMIT that a
    deferred constraint refused leaves it open)."""
    for statement in deferred:
        connection._conn.execute(statement)
    if commit:
        connection._conn.commit()
    else:
        connection._conn.rollback()
    return connection._conn.in_transaction


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("deferred", "holds_write_lock", "in_transaction")
    _cursor_cls = _OneTripCursor  # type: ignore[assignment]  # a subclass; SQLAlchemy types the attribute exactly

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.deferred: list[str] = []
        # As SQLite said after the last trip; None when unknown. A connection back in the pool is rolled back
        # "just in case": with no transaction open, that costs no trip.
        self.in_transaction: bool | None = False
        # Whether this connection's transaction has taken SQLite's write lock: its statements cannot wait then.
        self.holds_write_lock = False

    def take_deferred(self) -> list[str]:
        deferred, self.deferred = self.deferred, []
        return deferred

    def commit(self) -> None:
        self._end(commit=True)

    def rollback(self) -> None:
        deferred = self.take_deferred()
        if self.in_transaction is False and all(statement.startswith("BEGIN") for statement in deferred):
            return  # no transaction, or one that never ran a statement: nothing to roll back
        self._end(commit=False, deferred=deferred)

    def _end(self, *, commit: bool, deferred: list[str] | None = None) -> None:
        if not self._connection._connection:
            return
        self.in_transaction = None
        self.holds_write_lock = False
        try:
            self.in_transaction = await_(
                self._connection._execute(
                    _end, self._connection, self.take_deferred() if deferred is None else deferred, commit
                )
            )
        except Exception as error:
            self._handle_exception(error)


class _DBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> _Connection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's dialect does: a stray connection never blocks exit
        return _Connection(self, await_(connection))


class OneTripAiosqliteDialect(SQLiteDialect_aiosqlite):
    driver = "leadline_aiosqlite"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> _DBAPI:
        return _DBAPI(aiosqlite, sqlite3)


registry.register("sqlite.leadline_aiosqlite", __name__, "OneTripAiosqliteDialect")
