"""Reaching the PostgreSQL primary again after a failover.

``DATABASE_URL`` (and ``MIGRATION_DATABASE_URL``, and the admin tool's URLs) may name several
servers, as libpq and asyncpg read it::

    postgresql://user:password@db1:5432,db2:5432/pokertracker?target_session_attrs=read-write

asyncpg tries them in order and keeps the first that satisfies ``target_session_attrs``.
When several hosts are given and the URL does not say, ``with_write_target`` asks for
``read-write``: every service writes, and a standby would answer each write with an error.

A pool may still hold connections to the old primary after a failover.  Those the server
closed are replaced by asyncpg on their next use; one that is open but answers writes with
"read-only transaction" (25006: the server was made read-only, or a proxy points at a
standby) would be handed out again and again.  ``FailoverAwareConnection`` notes a failover
error met by any of its statements, and ``replace_connections_after_failover`` (the pool's
reset, run as each connection goes back to the pool) then expires every connection of the
pool: each is closed when next released or acquired, and opened anew, over the URL's hosts
in order, so the next try reaches the new primary.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Awaitable
from typing import Any, TypeVar

import asyncpg

from services.common.outage import FAILOVER

log = logging.getLogger(__name__)

T = TypeVar("T")

WRITE_TARGET = "target_session_attrs=read-write"


def hosts(dsn: str) -> list[str]:
    """The hosts (``host`` or ``host:port``) a connection URL names, in order; ``[]`` when it
    names none (asyncpg then uses its defaults) or cannot be read."""
    try:
        parsed = urllib.parse.urlsplit(dsn)
        query = urllib.parse.parse_qs(parsed.query)
    except ValueError:
        return []
    spec = parsed.netloc.partition("@")[2] if "@" in parsed.netloc else parsed.netloc
    if not spec and query.get("host"):
        spec = query["host"][-1]
    return [h for h in spec.split(",") if h]


def with_write_target(dsn: str) -> str:
    """``dsn``, asking for a server that accepts writes if it names several hosts and does not
    say which kind of server it wants (``target_session_attrs``)."""
    if len(hosts(dsn)) < 2:
        return dsn
    try:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(dsn).query)
    except ValueError:
        return dsn
    if "target_session_attrs" in query:
        return dsn
    # Appended as text: re-encoding the URL could change how its password reads.
    base, hash_, fragment = dsn.partition("#")
    joiner = "&" if "?" in base else "?"
    if base.endswith(("?", "&")):
        joiner = ""
    return f"{base}{joiner}{WRITE_TARGET}{hash_}{fragment}"


class FailoverAwareConnection(asyncpg.Connection):
    """A pooled connection that remembers meeting a failover error (``outage.FAILOVER``).

    Every statement the services run goes through one of these methods (a transaction's
    BEGIN, COMMIT and ROLLBACK through ``execute``); the error itself is raised as ever.
    """

    failed_over = False

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._noting(super().execute(*args, **kwargs))

    async def executemany(self, *args: Any, **kwargs: Any) -> Any:
        return await self._noting(super().executemany(*args, **kwargs))

    async def fetch(self, *args: Any, **kwargs: Any) -> Any:
        return await self._noting(super().fetch(*args, **kwargs))

    async def fetchval(self, *args: Any, **kwargs: Any) -> Any:
        return await self._noting(super().fetchval(*args, **kwargs))

    async def fetchrow(self, *args: Any, **kwargs: Any) -> Any:
        return await self._noting(super().fetchrow(*args, **kwargs))

    async def fetchmany(self, *args: Any, **kwargs: Any) -> Any:
        return await self._noting(super().fetchmany(*args, **kwargs))

    async def _noting(self, statement: Awaitable[T]) -> T:
        try:
            return await statement
        except FAILOVER:
            self.failed_over = True
            raise


async def replace_connections_after_failover(pool: asyncpg.Pool, conn: asyncpg.Connection) -> None:
    """As ``conn`` goes back to ``pool``: if it met a failover error, expire all the pool's
    connections (they were opened to the same server), so none of them is handed out again."""
    if getattr(conn, "failed_over", False):
        log.warning("PostgreSQL answered as no longer the writable primary; reconnecting the pool")
        await pool.expire_connections()
