"""A pool over several PostgreSQL hosts, and a pool whose server stops being the writable
primary (services/common/db/, services/common/failover.py), against the real PostgreSQL.

A second server would take a private cluster; the read-only primary is staged on a database
of the test's own instead: ``default_transaction_read_only`` set on it is what a server
demoted to a standby, or made read-only before a switch-over, answers with (25006).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
from yarl import URL

from services.common import db
from services.common.outage import is_outage
from tests.conftest import database_of_its_own, free_port

pytestmark = pytest.mark.integration


def with_hosts_before(url: str, *hosts: str) -> str:
    """``url`` naming ``hosts`` first, then its own host, in one multi-host URL."""
    parsed = URL(url)
    auth = parsed.raw_user or ""
    if parsed.raw_password is not None:
        auth += f":{parsed.raw_password}"
    hostlist = ",".join([*hosts, f"{parsed.raw_host}:{parsed.port}"])
    query = f"?{parsed.raw_query_string}" if parsed.raw_query_string else ""
    return f"postgresql://{auth}{'@' if auth else ''}{hostlist}{parsed.raw_path}{query}"


def with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


@contextlib.asynccontextmanager
async def own_database(database_url: str) -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    """A database of the test's own, and a superuser connection to it (to stage with)."""
    async with database_of_its_own(database_url, "failover") as url:
        admin = await asyncpg.connect(url)
        try:
            yield url, admin
        finally:
            await admin.close()


async def set_read_only(admin: asyncpg.Connection, on: bool) -> None:
    """Make the database answer writes on new connections as a standby would (25006), or not."""
    name = await admin.fetchval("SELECT quote_ident(current_database())")
    if on:
        await admin.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    else:
        await admin.execute(f"ALTER DATABASE {name} RESET default_transaction_read_only")


async def test_a_url_whose_first_host_is_down_connects_to_the_next(database_url: str) -> None:
    url = with_query(with_hosts_before(database_url, f"127.0.0.1:{free_port()}"),
                     "target_session_attrs=read-write")
    pool = await db.create_pool(url, min_size=2, max_size=2)
    try:
        assert await pool.fetchval("SELECT NOT pg_is_in_recovery()") is True
        assert await pool.fetchval("SHOW transaction_read_only") == "off"
    finally:
        await pool.close()


async def test_a_first_host_that_never_answers_is_passed_over_after_its_connect_timeout(
    database_url: str,
) -> None:
    """A host that takes the connection and says nothing (a hung server, or one whose
    packets are dropped) would use up asyncpg's timeout for all the hosts together."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    hung = server.sockets[0].getsockname()[1]
    try:
        url = with_query(with_hosts_before(database_url, f"127.0.0.1:{hung}"), "connect_timeout=1")
        started = time.monotonic()
        pool = await db.create_pool(url, min_size=2, max_size=2)
        try:
            assert 1 <= time.monotonic() - started < 5
            assert await pool.fetchval("SHOW transaction_read_only") == "off"
        finally:
            await pool.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_several_hosts_without_a_target_skip_a_read_only_one(database_url: str) -> None:
    """Without ``target_session_attrs`` the pool still wants a writable server: with none
    among the hosts it does not open (an outage, waited out), and opens once there is one."""
    async with own_database(database_url) as (url, admin):
        here = URL(url)
        several = with_hosts_before(url, f"{here.raw_host}:{here.port}")  # the server twice
        await set_read_only(admin, True)
        with pytest.raises(asyncpg.TargetServerAttributeNotMatched) as refused:
            await db.create_pool(several, min_size=1, max_size=1)
        assert is_outage(refused.value)
        await set_read_only(admin, False)
        pool = await db.create_pool(several, min_size=1, max_size=1)
        try:
            await pool.execute("CREATE TABLE written (n int)")
        finally:
            await pool.close()


async def test_after_a_read_only_answer_the_next_try_reaches_a_writable_server(database_url: str) -> None:
    """The pool's connections were opened while the server was read-only (the old primary):
    once it is writable again for new connections (the new primary), the next try is
    served by a new connection, not by one of the read-only ones."""
    async with own_database(database_url) as (url, admin):
        await admin.execute("CREATE TABLE t (n int)")
        await set_read_only(admin, True)
        pool = await db.create_pool(url, min_size=3, max_size=3)  # one host: no target set
        try:
            old = {await pool.fetchval("SELECT pg_backend_pid()") for _ in range(3)}
            with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                await pool.execute("INSERT INTO t VALUES (1)")
            await set_read_only(admin, False)

            async with pool.acquire() as conn:  # the very next try
                assert await conn.fetchval("SELECT pg_backend_pid()") not in old
                await conn.execute("INSERT INTO t VALUES (2)")
            async with pool.acquire() as a, pool.acquire() as b, pool.acquire() as c:
                pids = {await x.fetchval("SELECT pg_backend_pid()") for x in (a, b, c)}
            assert not pids & old, "a connection to the read-only server was handed out again"
            assert await admin.fetchval("SELECT array_agg(n) FROM t") == [2]
        finally:
            await pool.close()


async def test_a_transaction_refused_as_read_only_is_rolled_back_and_its_connection_replaced(
    database_url: str,
) -> None:
    async with own_database(database_url) as (url, admin):
        await admin.execute("CREATE TABLE t (n int)")
        await set_read_only(admin, True)
        pool = await db.create_pool(url, min_size=1, max_size=1)
        try:
            first = await pool.fetchval("SELECT pg_backend_pid()")
            with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute("INSERT INTO t VALUES (1)")
            await set_read_only(admin, False)
            async with pool.acquire() as conn, conn.transaction():
                assert await conn.fetchval("SELECT pg_backend_pid()") != first
                await conn.execute("INSERT INTO t VALUES (2)")
            assert await admin.fetchval("SELECT array_agg(n) FROM t") == [2]
        finally:
            await pool.close()


async def test_a_pool_that_met_no_failover_keeps_its_connections(database_url: str) -> None:
    """Other errors (a bug's) replace nothing: the pool is not reconnected for them."""
    pool = await db.create_pool(database_url, min_size=1, max_size=1)
    try:
        pid = await pool.fetchval("SELECT pg_backend_pid()")
        with pytest.raises(asyncpg.UndefinedTableError):
            await pool.execute("INSERT INTO no_such_table VALUES (1)")
        with pytest.raises(asyncpg.DivisionByZeroError):
            await pool.fetchval("SELECT 1 / 0")
        assert await pool.fetchval("SELECT pg_backend_pid()") == pid
    finally:
        await pool.close()
