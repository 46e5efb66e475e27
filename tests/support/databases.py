"""Fresh databases for tests: a SQLite file always, a PostgreSQL database when a server is configured; and each
service's schema, migrated once per test session and copied into a test's database from then on."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from leadline.contracts.platform.migrations import upgrade

POSTGRES_URL_VARIABLE = "LEADLINE_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = (
    f"PostgreSQL leg skipped: no server configured. Set {POSTGRES_URL_VARIABLE} to an admin URL such as "
    "postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/postgres (.ci/run installs PostgreSQL and sets it)."
)


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def sqlite_url(directory: Path, name: str) -> str:
    return f"sqlite+aiosqlite:///{directory / name}.db"


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_postgres_database(admin_url: str) -> str:
    name = f"leadline_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(admin_url: str, database_url: str) -> None:
    name = make_url(database_url).database
    connection = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A PostgreSQL database of its own, dropped afterwards; without a server the test is skipped, saying so."""
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    url = await create_postgres_database(admin_url)
    try:
        yield url
    finally:
        await drop_postgres_database(admin_url, url)


# Per (service package, engine): the session's migrated template, a SQLite file or a PostgreSQL database's name.
_templates: dict[tuple[str, str], str] = {}
_template_lock = asyncio.Lock()


async def migrated(package: str, database_url: str) -> None:
    """Brings the service's database to the newest schema, as the service itself would. A database still empty
    becomes a copy of a template migrated once per session (a SQLite file copied, a PostgreSQL database created
    from it): Alembic would take a few hundred milliseconds per test for the same schema."""
    url = make_url(database_url)
    engine = url.get_backend_name()
    if not await _is_empty(database_url):
        await asyncio.to_thread(upgrade, package, database_url)
    elif engine == "sqlite":
        await asyncio.to_thread(_copy, await _template(package, engine), Path(str(url.database)))
    else:
        template = await _template(package, engine)
        admin = await asyncpg.connect(asyncpg_dsn(_admin_url()))
        try:
            await admin.execute(f'DROP DATABASE "{url.database}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"')
        finally:
            await admin.close()


async def remove_templates() -> None:
    """At the end of the session."""
    for (_, engine), template in list(_templates.items()):
        if engine == "sqlite":
            shutil.rmtree(Path(template).parent, ignore_errors=True)
        else:
            admin_url = _admin_url()
            await drop_postgres_database(admin_url, make_url(admin_url).set(database=template).render_as_string())
    _templates.clear()


async def _template(package: str, engine: str) -> str:
    async with _template_lock:
        if (package, engine) not in _templates:
            if engine == "sqlite":
                url = sqlite_url(Path(tempfile.mkdtemp(prefix="leadline-template-")), package)
                await asyncio.to_thread(upgrade, package, url)  # its engine disposed: the file is whole
                _templates[package, engine] = str(make_url(url).database)
            else:
                url = await create_postgres_database(_admin_url())
                await asyncio.to_thread(upgrade, package, url)  # its engine disposed: no one is left connected
                _templates[package, engine] = str(make_url(url).database)
        return _templates[package, engine]


def _admin_url() -> str:
    admin_url = postgres_admin_url()
    assert admin_url is not None, f"a PostgreSQL database without {POSTGRES_URL_VARIABLE} set"
    return admin_url


async def _is_empty(database_url: str) -> bool:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _no_file_yet(Path(str(url.database)))
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return not await connection.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()


def _no_file_yet(path: Path) -> bool:
    return not path.exists() or path.stat().st_size == 0


def _copy(template: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)


@contextlib.asynccontextmanager
async def another_database(database_url: str, tmp_path: Path, name: str) -> AsyncIterator[str]:
    """A database of its own on the same engine as ``database_url``'s."""
    if make_url(database_url).get_backend_name() == "sqlite":
        yield sqlite_url(tmp_path, name)
        return
    async with postgres_database() as url:
        yield url
