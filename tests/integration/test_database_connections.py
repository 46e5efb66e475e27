"""A service's pooled PostgreSQL connections outlive the server's side of them (a restart, a failover, an idle
timeout, an operator ending sessions): the next unit of work is given a live connection, not an error."""

from __future__ import annotations

import asyncpg
from sqlalchemy import text

from leadline.contracts.platform.db import create_engine
from tests.support.databases import asyncpg_dsn

SECONDS_FOR_THE_SERVER_TO_END_IT = 10


async def test_a_pooled_connection_the_server_closed_is_replaced_before_use(postgres_database_url: str) -> None:
    engine = create_engine(postgres_database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            closed_by_the_server = await connection.scalar(text("SELECT pg_backend_pid()"))
        await _end_session(postgres_database_url, closed_by_the_server)

        async with engine.connect() as connection:
            serving = await connection.scalar(text("SELECT pg_backend_pid()"))

        assert serving != closed_by_the_server
    finally:
        await engine.dispose()


async def _end_session(database_url: str, backend_pid: int) -> None:
    """As an operator's ``pg_terminate_backend`` does: the session's backend exits, its socket closes."""
    admin = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        ended = await admin.fetchval(
            "SELECT pg_terminate_backend($1, $2)", backend_pid, SECONDS_FOR_THE_SERVER_TO_END_IT * 1000
        )
    finally:
        await admin.close()
    assert ended, "the server did not end the session in time"
