"""PostgreSQL helpers: connection pools and schema migrations that are safe to race."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence

import asyncpg

log = logging.getLogger(__name__)


async def create_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=init)
    assert pool is not None
    return pool


async def open_pool(
    dsn: str,
    *,
    max_size: int,
    schemas: Sequence[tuple[str, Sequence[str]]],
    init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> asyncpg.Pool:
    """A pool whose ``schemas`` (name, migration steps) are migrated; closed again on failure,
    so a start-up retry (``services.common.startup.until_up``) leaks no connections."""
    pool = await create_pool(dsn, max_size=max_size, init=init)
    try:
        async with pool.acquire() as conn:
            for schema, steps in schemas:
                await migrate(conn, schema, steps)
    except BaseException:
        await pool.close()
        raise
    return pool


def _lock_key(schema: str) -> int:
    return int.from_bytes(hashlib.sha256(schema.encode()).digest()[:8], "big", signed=True)


async def migrate(conn: asyncpg.Connection, schema: str, steps: Sequence[str]) -> int:
    """Apply the numbered ``steps`` not yet applied to ``schema``; return how many ran.

    A transaction-scoped advisory lock per schema serialises instances that start together,
    so each step runs exactly once however many replicas race at start-up.  Steps are
    append-only: never edit one that has shipped, add a new one.
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _lock_key(schema))
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
            " version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {
            r["version"]
            for r in await conn.fetch(f'SELECT version FROM "{schema}".schema_migrations')
        }
        ran = 0
        for version, sql in enumerate(steps, start=1):
            if version in done:
                continue
            await conn.execute(sql)
            await conn.execute(
                f'INSERT INTO "{schema}".schema_migrations (version) VALUES ($1)', version
            )
            ran += 1
        if ran:
            log.info("schema migrated", extra={"schema": schema, "steps_applied": ran})
        return ran
