"""The services' connection pool (services/common/db/pool.py) against the real PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from services.common import db

pytestmark = pytest.mark.integration


async def test_a_connection_returns_to_the_pool_without_a_transaction_left_open(database_url) -> None:
    """The pool's reset is only asyncpg's rollback (no RESET ALL round trip per release): what
    a failed piece of code left uncommitted is gone, and the connection works for the next."""
    table = f"pool_{uuid.uuid4().hex[:8]}"
    pool = await db.create_pool(database_url, min_size=1, max_size=1)
    try:
        await pool.execute(f"CREATE TABLE {table} (n int)")
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute(f"INSERT INTO {table} VALUES (1)")
            await conn.execute("SET LOCAL statement_timeout = 1")  # scoped to that transaction
        async with pool.acquire() as conn:  # the same, only connection
            assert not conn.is_in_transaction()
            assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0
            assert await conn.fetchval("SHOW statement_timeout") == "0"
    finally:
        await pool.execute(f"DROP TABLE IF EXISTS {table}")
        await pool.close()
