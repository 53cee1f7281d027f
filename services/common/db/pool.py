"""Connection pools: on the writable host of several, renewed after a failover, and opened
with the service's schemas migrated."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from services.common import failover
from services.common.db.login import url_login
from services.common.db.migrations import prepare
from services.common.db.roles import ServiceRole


async def create_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> asyncpg.Pool:
    """A pool on ``dsn`` (several hosts: the writable one, each host tried in turn, see
    ``services.common.failover``) whose connections are all replaced after one meets a
    failover error.

    The reset of a connection going back to the pool does nothing beyond asyncpg's own
    rollback of a transaction left open (run before it) and that replacement.  asyncpg's
    default reset sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` on
    every release: one more round trip per pooled query, a share of the session service's
    CPU per request that the benchmark shows (docs/benchmark.md).  Our code leaves nothing
    for it to undo: advisory locks, ``SET ROLE`` and settings are all transaction-scoped
    (``pg_advisory_xact_lock``, ``SET LOCAL``), and nothing listens or keeps a cursor open.
    """

    async def reset(conn: asyncpg.Connection) -> None:
        await failover.replace_connections_after_failover(pool, conn)

    pool = asyncpg.create_pool(
        failover.with_write_target(dsn),
        min_size=min_size,
        max_size=max_size,
        init=init,
        reset=reset,
        connect=failover.connect,
        connection_class=failover.FailoverAwareConnection,
    )
    await pool  # opens the first connections; ``reset`` needs the pool named first
    return pool


async def open_pool(
    dsn: str,
    *,
    max_size: int,
    schemas: Sequence[tuple[str, Sequence[str]]],
    init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
    role: ServiceRole | None = None,
    migration_dsn: str | None = None,
) -> asyncpg.Pool:
    """A pool on ``dsn`` whose ``schemas`` (name, migration steps) are migrated; closed again on
    failure, so a start-up retry (``services.common.startup.until_up``) leaks no connections.

    With ``migration_dsn`` the migrations (and the role's set-up, see ``prepare``) run over a
    connection of their own to it, closed before the pool opens; otherwise over the pool.
    """
    if migration_dsn:
        conn = await failover.connect(failover.with_write_target(migration_dsn))
        try:
            await prepare(conn, schemas, role, login=url_login(dsn))
        finally:
            await conn.close()
    pool = await create_pool(dsn, max_size=max_size, init=init)
    try:
        if not migration_dsn:
            async with pool.acquire() as conn:
                await prepare(conn, schemas, role)
    except BaseException:
        await pool.close()
        raise
    return pool
