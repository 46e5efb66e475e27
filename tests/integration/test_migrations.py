"""Each service's Alembic history builds exactly the tables its code declares, and unwinds cleanly:
on SQLite and on PostgreSQL, since the two differ in what a migration may do."""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from leadline.contracts.platform.db import create_engine
from leadline.contracts.platform.messaging.tables import messaging_metadata
from leadline.contracts.platform.migrations import alembic_config, upgrade
from leadline.contracts.tooling.services import service_names

# Free-text search indexes are made by SQL in leads' migrations, per engine, and deliberately kept out of
# the models: on PostgreSQL pg_trgm indexes (0003); on SQLite an FTS5 table (0004; FTS5 keeps it in
# shadow tables named after it) and the column that links it.
POSTGRES_TRIGRAM_INDEX_SUFFIX = "_trgm"
SQLITE_TEXT_SEARCH = "lead_text_search"
SQLITE_TEXT_SEARCH_COLUMN = ("leads", "search_id")


def _declared_only(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if name is None:
        return True
    if type_ == "index" and name.endswith(POSTGRES_TRIGRAM_INDEX_SUFFIX):
        return False
    if type_ == "table" and name.startswith(SQLITE_TEXT_SEARCH):
        return False
    return not (type_ == "column" and (obj.table.name, name) == SQLITE_TEXT_SEARCH_COLUMN)


def _differences(connection: Connection, metadata: list[MetaData]) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": _declared_only, "target_metadata": metadata}
    )
    return list(compare_metadata(context, metadata))  # type: ignore[arg-type]


@pytest.mark.parametrize("service", service_names())
async def test_migrations_build_the_declared_tables_and_unwind(service: str, database_url: str) -> None:
    declared = [importlib.import_module(f"leadline.{service}.adapters.tables").metadata, messaging_metadata]
    await asyncio.to_thread(upgrade, f"leadline.{service}", database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences, declared) == []
        await engine.dispose()  # SQLite: let the downgrade rebuild tables without this pool's connections

        await asyncio.to_thread(command.downgrade, alembic_config(f"leadline.{service}", database_url), "base")
        await asyncio.to_thread(upgrade, f"leadline.{service}", database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences, declared) == []
    finally:
        await engine.dispose()


async def test_replicas_migrating_at_once_leave_one_schema(database_url: str) -> None:
    """Replicas of a service start together and each migrates before serving (as processes: Alembic's
    context is one per process): none may fail for it."""
    environment = {**os.environ, "DATABASE_URL": database_url}
    replicas = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "leadline.leads", "migrate", env=environment, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(3)
    ]
    errors = [(await replica.communicate())[1].decode() for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0, 0], [error[-2000:] for error in errors]

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            declared = [importlib.import_module("leadline.leads.adapters.tables").metadata, messaging_metadata]
            assert await connection.run_sync(_differences, declared) == []
    finally:
        await engine.dispose()
