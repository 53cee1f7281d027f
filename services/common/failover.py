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

asyncpg's own timeout covers connecting to all the hosts together: a first host that takes
the connection and never answers (a hung server, packets dropped on the way to a host that
is gone) would use it all up, and the next host would never be tried.  ``connect`` tries the
hosts one by one instead, each for at most the URL's ``connect_timeout`` (seconds, per host,
as libpq reads it; ``HOST_TIMEOUT`` when several hosts are named and it is not set).
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Awaitable
from typing import Any, TypeVar

import asyncpg

from services.common.outage import FAILOVER, is_outage

log = logging.getLogger(__name__)

T = TypeVar("T")

WRITE_TARGET = "target_session_attrs=read-write"
# Seconds to connect to one host of several when the URL sets no ``connect_timeout``: far
# more than a server that is up needs, far less than asyncpg's 60 for all of them.
HOST_TIMEOUT = 10.0
# Targets a host can be judged by alone, so the hosts can be tried one at a time.
_ONE_BY_ONE_TARGETS = {"any", "read-write", "primary"}


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


def per_host(dsn: str) -> tuple[list[str], float | None]:
    """The URLs to try, in order (one per host of ``dsn``, or ``dsn`` itself), each without
    ``connect_timeout``, and that timeout (``HOST_TIMEOUT`` for several hosts without one).

    Only the usual form is split (the hosts between ``@`` and the path, a target a host is
    judged by alone); any other URL is tried as asyncpg reads it, with its timeout.
    """
    url, timeout = _without_connect_timeout(dsn)
    names = hosts(url)
    if len(names) < 2:
        return [url], timeout
    try:
        parsed = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qs(parsed.query)
    except ValueError:
        return [url], timeout
    target = query.get("target_session_attrs", ["any"])[-1]
    prefix = url[: len(parsed.scheme) + 3]  # "postgresql://", as written
    if (
        target not in _ONE_BY_ONE_TARGETS
        or "host" in query
        or "port" in query
        or not url.startswith(prefix + parsed.netloc)
    ):
        return [url], timeout
    # The credentials end at the first "@", as asyncpg reads them.
    auth, at, hostspec = parsed.netloc.partition("@") if "@" in parsed.netloc else ("", "", parsed.netloc)
    tail = url[len(prefix) + len(parsed.netloc):]
    return [f"{prefix}{auth}{at}{name}{tail}" for name in hostspec.split(",")], timeout or HOST_TIMEOUT


def _without_connect_timeout(dsn: str) -> tuple[str, float | None]:
    """``dsn`` without its ``connect_timeout`` (asyncpg would send it to the server as a
    setting, which refuses it), and that timeout in seconds (None: not set, or 0)."""
    base, hash_, fragment = dsn.partition("#")
    head, _, query = base.partition("?")
    params = [p for p in query.split("&") if p]
    kept = [p for p in params if p.partition("=")[0] != "connect_timeout"]
    if len(kept) == len(params):
        return dsn, None
    value = [p for p in params if p.partition("=")[0] == "connect_timeout"][-1].partition("=")[2]
    try:
        timeout = float(urllib.parse.unquote(value))
    except ValueError:
        raise asyncpg.ClientConfigurationError(
            "connect_timeout in the URL is not a number of seconds"
        ) from None
    return head + ("?" + "&".join(kept) if kept else "") + hash_ + fragment, timeout or None


async def connect(dsn: str, **kwargs: Any) -> asyncpg.Connection:
    """``asyncpg.connect`` over the hosts of ``dsn`` one by one, each for at most its own
    timeout (see ``per_host``), the first that answers as the URL's target wants winning.

    A host that cannot be reached, does not answer in time, is starting or stopping, or is not
    the kind of server asked for is passed over; any other error (a login refused) is raised
    at once.  With every host passed over, the last one's error is raised.
    """
    urls, timeout = per_host(dsn)
    if timeout is not None:
        kwargs["timeout"] = timeout
    for url in urls[:-1]:
        try:
            return await asyncpg.connect(url, **kwargs)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.info(
                "PostgreSQL host passed over",
                extra={"host": hosts(url)[0] if hosts(url) else "", "error": type(exc).__name__},
            )
    return await asyncpg.connect(urls[-1], **kwargs)


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
