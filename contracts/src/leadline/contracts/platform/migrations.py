"""The Alembic environment every service shares; a service's ``migrations/env.py`` only names its tables."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import Iterator, Sequence
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, make_url, text
from sqlalchemy.engine import Connection

from leadline.contracts.platform.db import create_engine
from leadline.contracts.platform.messaging.tables import messaging_metadata
from leadline.contracts.platform.settings import ServiceSettings

# An arbitrary constant naming "Leadline migrations" among PostgreSQL's advisory locks; each service has
# its own database, so one key serves all four. Released when the migrating connection closes.
MIGRATION_LOCK = 7_265_312_047


def run_migrations(service_metadata: MetaData, settings_class: type[ServiceSettings]) -> None:
    """Body of ``env.py``: migrates the service's tables plus the outbox and inbox."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or settings_class().database_url
    target: Sequence[MetaData] = [service_metadata, messaging_metadata]

    def migrate(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    async def online() -> None:
        engine = create_engine(url)
        async with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # Replicas start together and each migrates first: one at a time, the others then find
                # the schema current.
                await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
                await connection.commit()
            await connection.run_sync(migrate)
        await engine.dispose()

    with _sqlite_migration_lock(url):
        asyncio.run(online())


@contextlib.contextmanager
def _sqlite_migration_lock(url: str) -> Iterator[None]:
    """SQLite's own locks last a transaction, and a migration run commits once per revision: a second process
    could read the version between two of them and apply the next revision again. Processes migrating one
    SQLite file take turns on a lock file beside it instead, as PostgreSQL's take turns on an advisory lock."""
    database = make_url(url).database
    if make_url(url).get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    with open(f"{database}.migrating", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def alembic_config(package: str, database_url: str) -> Config:
    """Alembic's configuration for the service whose ``migrations`` ``package`` holds, on ``database_url``."""
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(package: str, database_url: str) -> None:
    """Brings a database to the newest schema."""
    command.upgrade(alembic_config(package, database_url), "head")
