"""Reference data and settings change rarely and are read by nearly every request, so each process keeps
the last snapshot it read, tagged with the token of the configuration it came from.

A transaction reads the current token (one row) and reuses the snapshot when the tokens match. Every
change to the configuration writes a fresh random token in the same transaction: other processes and
replicas see the change as soon as it commits, and a change rolled back leaves a token nobody else
reads. Anything that writes the configuration tables directly (a migration, an operator's SQL, a test's
arrangement) must call ``configuration_changed`` too.

The token row also serialises a change of the configuration with the lead writes that depend on it, so
neither can decide on what the other is changing (a lead moved into a status while its type stops
allowing it, a lead given a product while the product is deleted: states no later edit could leave).
On PostgreSQL a write transaction reads the token FOR KEY SHARE, and a configuration change takes the
row FOR UPDATE before it counts the leads its rules look at: a lead write waits for a change in progress
and then sees it, a change waits for the lead writes in progress and then counts them. Lead writes do
not wait for each other. SQLite lets one write transaction in at a time anyway.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Pool, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.db import is_read_only
from leadline.leads.adapters.tables import configuration_token

_Snapshot = TypeVar("_Snapshot")
_TOKEN_READ = "leadline.configuration_token"  # memo in session.info: read once per transaction


class ConfigurationCache:
    def __init__(self) -> None:
        self._snapshots: dict[str, tuple[uuid.UUID, Any]] = {}

    async def current(self, session: AsyncSession, name: str, load: Callable[[], Awaitable[_Snapshot]]) -> _Snapshot:
        """The snapshot ``name`` as of the session's configuration: cached, or ``load()``-ed and cached."""
        token = await _token(session)
        cached = self._snapshots.get(name)
        if cached is not None and cached[0] == token:
            snapshot: _Snapshot = cached[1]
            return snapshot
        snapshot = await load()
        self._snapshots[name] = (token, snapshot)
        return snapshot


_CACHES: WeakKeyDictionary[Pool, ConfigurationCache] = WeakKeyDictionary()


def cache_of(session: AsyncSession) -> ConfigurationCache:
    """One cache per database, whichever engine (read-only or not) reaches it through the same pool; tests
    run several services, each on a database of its own, in one process."""
    # A session of a SQLite write group is bound to the group's connection rather than to the engine.
    return _CACHES.setdefault(session.get_bind().engine.pool, ConfigurationCache())


async def lock_configuration(session: AsyncSession) -> None:
    """Taken by a change of the configuration before it checks what uses it, held to its commit."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(configuration_token.c.token).with_for_update())


async def configuration_changed(session: AsyncSession) -> None:
    await session.execute(update(configuration_token).values(token=uuid.uuid4()))
    session.info.pop(_TOKEN_READ, None)  # read again: the transaction sees its own token from now on


async def _token(session: AsyncSession) -> uuid.UUID:
    token = session.info.get(_TOKEN_READ)
    if token is None:
        query = select(configuration_token.c.token)
        if session.get_bind().dialect.name == "postgresql" and not is_read_only(session):
            query = query.with_for_update(read=True, key_share=True)  # see the module's docstring
        token = await session.scalar(query)
        session.info[_TOKEN_READ] = token
    assert isinstance(token, uuid.UUID), "migration 0005 writes the first configuration token"
    return token
