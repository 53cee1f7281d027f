"""``pokertracker-admin sessions stats / cleanup`` run as an operator would: a process, against
real PostgreSQL.

The commands look at the whole table, and the test database is shared with every other test
(and with test runs of other checkouts at the same time), so each test here gets a database
of its own on the same server, with the session service's schema: every count is one the test
controls, and exact.  Rows sit in the middle of their age bucket, so the seconds a test takes
cannot move one across a bound; the bounds themselves are checked inside one transaction, where
now() stands still.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from services.admin.sessions import fetch_stats
from services.common import db
from services.session.schema import MIGRATIONS, SCHEMA
from tests.admin_cli import Result, environ_without, run_admin
from tests.conftest import free_port, random_user_id

pytestmark = pytest.mark.integration

ENV_NAMES = {"DATABASE_URL", "SESSION_CLEANUP_BATCH_SIZE", "LOG_LEVEL"}
WRONG_PASSWORD = "not-the-password-5e2a"

H, D = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Row:
    """A session to insert: its age (now - created_at) and when it expires from now."""

    age: timedelta
    expires_in: timedelta


# Active rows in the middle of their age bucket (none crosses a bound while a test runs); the
# first expires soonest, the last is the oldest.
ACTIVE = (
    Row(timedelta(minutes=10), timedelta(minutes=20)),
    Row(timedelta(minutes=30), 23 * H),
    Row(3 * H, 21 * H),
    Row(3 * H, 5 * H),
    Row(4 * H, 20 * H),
    Row(12 * H, 12 * H),
    Row(3 * D, 2 * H),
    Row(5 * D, 30 * D),
    Row(10_000 * D, 1 * H),
)
EXPECTED_BUCKETS = {"<1h": 2, "1-6h": 3, "6-24h": 1, "1-7d": 2, ">7d": 1}
# Expired rows, one older than any active row: none of them counts in the ages.
EXPIRED = (Row(2 * D, -H), Row(25 * H, -H), Row(20_000 * D, -7 * D), Row(10 * H, -timedelta(seconds=1)))


async def admin(database_url: str | None, *args: str, **env: str) -> Result:
    """Run the command line with DATABASE_URL (unset if None) and ``env``."""
    environ = environ_without(ENV_NAMES)
    environ.update(env)
    if database_url is not None:
        environ["DATABASE_URL"] = database_url
    return await run_admin(*args, env=environ)


@dataclass(frozen=True)
class Database:
    """A database of the test's own, with the session service's schema (or none yet)."""

    url: str
    pg: asyncpg.Connection

    async def admin(self, *args: str, **env: str) -> Result:
        return await admin(self.url, *args, **env)

    async def stats(self) -> dict[str, Any]:
        result = await self.admin("sessions", "stats", "--json")
        assert result.code == 0, result
        assert result.err == ""
        stats: dict[str, Any] = json.loads(result.out)
        return stats

    async def insert(self, rows: Iterable[Row]) -> list[int]:
        """The rows, each for a new random user; returns their user ids."""
        users = [(random_user_id(), row) for row in rows]
        await self.pg.executemany(
            "INSERT INTO session.bot_sessions (user_id, created_at, updated_at, expires_at)"
            " VALUES ($1, now() - $2::interval, now() - $2::interval, now() + $3::interval)",
            [(user, row.age, row.expires_in) for user, row in users],
        )
        return [user for user, _ in users]

    async def existing(self, users: list[int]) -> set[int]:
        rows = await self.pg.fetch(
            "SELECT user_id FROM session.bot_sessions WHERE user_id = any($1::bigint[])", users
        )
        return {r["user_id"] for r in rows}


@pytest.fixture
async def empty_db(database_url: str, pg: asyncpg.Connection) -> AsyncIterator[Database]:
    """A new database on the test server, nothing in it; dropped afterwards."""
    name = f"admin_sessions_{uuid.uuid4().hex[:12]}"
    # template0: nobody connects to it, so a concurrent connection cannot make this fail.
    await pg.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        url = urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
        conn = await asyncpg.connect(url)
        try:
            yield Database(url, conn)
        finally:
            await conn.close()
    finally:
        await pg.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
async def sessions_db(empty_db: Database) -> Database:
    """A database of its own with the session service's schema, as the service creates it."""
    await db.migrate(empty_db.pg, SCHEMA, MIGRATIONS)
    return empty_db


async def test_stats_of_an_empty_table(sessions_db: Database) -> None:
    stats = await sessions_db.stats()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stats.pop("measured_at"))
    assert stats == {
        "active": 0,
        "expired": 0,
        "total": 0,
        "active_by_age": {"<1h": 0, "1-6h": 0, "6-24h": 0, "1-7d": 0, ">7d": 0},
        "oldest_active_age_seconds": None,
        "next_expiry_in_seconds": None,
    }
    text = await sessions_db.admin("sessions", "stats")
    assert text.code == 0, text
    assert text.out.splitlines()[-1] == "no active session"


async def test_stats_count_active_expired_and_active_sessions_by_age(sessions_db: Database) -> None:
    await sessions_db.insert(ACTIVE + EXPIRED)
    stats = await sessions_db.stats()
    assert (stats["active"], stats["expired"], stats["total"]) == (9, 4, 13)
    assert stats["active_by_age"] == {"<1h": 2, "1-6h": 3, "6-24h": 1, "1-7d": 2, ">7d": 1}
    # Seconds of slack: the time between the insert and the command's query.
    oldest = 10_000 * D.total_seconds()
    assert oldest <= stats["oldest_active_age_seconds"] < oldest + 60
    assert 20 * 60 - 60 < stats["next_expiry_in_seconds"] <= 20 * 60


async def test_stats_as_text(sessions_db: Database) -> None:
    await sessions_db.insert(ACTIVE + EXPIRED)
    result = await sessions_db.admin("sessions", "stats")
    assert result.code == 0, result
    assert result.err == ""
    lines = result.out.splitlines()
    assert re.fullmatch(
        r"sessions: 9 active, 4 expired \(not deleted yet\), 13 in total \(at \S+Z\)", lines[0]
    ), lines[0]
    assert lines[1:7] == [
        "active sessions by age:",
        "  <1h    2",
        "  1-6h   3",
        "  6-24h  1",
        "  1-7d   2",
        "  >7d    1",
    ]
    assert lines[7] == "oldest active session: 10000d 0h old"
    assert re.fullmatch(r"next expiry: in 19m \d\ds", lines[8]), lines[8]


async def test_age_and_expiry_bounds(sessions_db: Database) -> None:
    """Lower bounds belong to the bucket, expires_at = now() is expired: checked where now()
    stands still, inside one transaction, with the query the command runs."""
    tick = timedelta(microseconds=1)  # timestamptz's resolution
    live = 23 * H
    rows = {
        "<1h": [Row(-H, live), Row(timedelta(0), live), Row(H - tick, live), Row(timedelta(0), tick)],
        "1-6h": [Row(H, live), Row(6 * H - tick, live)],
        "6-24h": [Row(6 * H, live), Row(24 * H - tick, live)],
        "1-7d": [Row(24 * H, live), Row(7 * D - tick, live)],
        ">7d": [Row(7 * D, live)],
        "expired": [Row(timedelta(0), timedelta(0)), Row(7 * D, -tick)],
    }
    async with sessions_db.pg.transaction():
        for bucket in rows.values():
            await sessions_db.insert(bucket)
        stats = await fetch_stats(sessions_db.pg)
    assert stats.active_by_age == {k: len(v) for k, v in rows.items() if k != "expired"}
    assert (stats.active, stats.expired) == (11, len(rows["expired"]))
    assert stats.next_expiry_in_seconds == tick.total_seconds()
    assert stats.oldest_active_age_seconds == (7 * D).total_seconds()


async def test_cleanup_deletes_expired_sessions_and_keeps_active_ones(sessions_db: Database) -> None:
    expired = await sessions_db.insert(EXPIRED + EXPIRED)  # 8 rows: three batches of 3
    active = await sessions_db.insert(ACTIVE)
    result = await sessions_db.admin("sessions", "cleanup", "--batch-size", "3")
    assert result.code == 0, result
    assert result.out == "deleted 8 expired sessions (batches of 3)\n"
    assert result.err == ""
    assert await sessions_db.existing(expired) == set()
    assert await sessions_db.existing(active) == set(active)
    stats = await sessions_db.stats()
    assert (stats["active"], stats["expired"]) == (len(ACTIVE), 0)

    again = await sessions_db.admin("sessions", "cleanup", "--batch-size", "3")
    assert (again.code, again.out) == (0, "deleted 0 expired sessions (batches of 3)\n"), again


async def test_cleanup_batch_size_comes_from_the_environment(sessions_db: Database) -> None:
    expired = await sessions_db.insert(EXPIRED)
    result = await sessions_db.admin("sessions", "cleanup", SESSION_CLEANUP_BATCH_SIZE="3")
    assert (result.code, result.out) == (0, "deleted 4 expired sessions (batches of 3)\n"), result
    assert await sessions_db.existing(expired) == set()
    default = await sessions_db.admin("sessions", "cleanup")
    assert (default.code, default.out) == (0, "deleted 0 expired sessions (batches of 1,000)\n")


@pytest.mark.parametrize("value", ["0", "-5", "many"])
async def test_cleanup_batch_size_must_be_positive(database_url: str, value: str) -> None:
    result = await admin(database_url, "sessions", "cleanup", "--batch-size", value)
    assert result.code == 2, result
    assert "--batch-size" in result.err and result.out == ""


def with_login(url: str, user: str, password: str, port: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.hostname}:{port}"))


@pytest.mark.parametrize("args", [("sessions", "stats"), ("sessions", "cleanup")])
@pytest.mark.parametrize("unreachable", [False, True], ids=["wrong-password", "nothing-listening"])
async def test_database_not_reachable_exits_2_without_the_password(
    database_url: str, args: tuple[str, ...], unreachable: bool
) -> None:
    port = free_port() if unreachable else urlsplit(database_url).port or 5432
    # The test server may trust local logins: an unknown user is refused whatever the password.
    url = with_login(database_url, "nobody_here", WRONG_PASSWORD, port)
    result = await admin(url, *args)
    assert result.code == 2, result
    [line] = result.err.splitlines()
    assert line.startswith("pokertracker-admin: cannot connect to PostgreSQL at postgresql://")
    assert ":***@" in line
    assert WRONG_PASSWORD not in result.out + result.err


@pytest.mark.parametrize("args", [("sessions", "stats"), ("sessions", "cleanup")])
async def test_a_database_without_the_sessions_table_is_named(
    empty_db: Database, args: tuple[str, ...]
) -> None:
    result = await empty_db.admin(*args)
    assert result.code == 1, result
    [line] = result.err.splitlines()
    assert "table session.bot_sessions does not exist" in line
    assert result.out == ""


async def test_database_url_is_required(database_url: str) -> None:
    result = await admin(None, "sessions", "stats")
    assert result.code == 2, result
    assert result.err == "admin: configuration error: DATABASE_URL is required but not set\n"
