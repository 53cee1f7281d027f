"""``pokertracker-admin sessions stats / cleanup`` run as an operator would: a process, against
real PostgreSQL.

The database is shared with every other test (and maybe other test runs at the same time), and
the commands look at the whole table, so these tests assert on what their own rows change:
stats before and after inserting rows whose ages and expiries they chose, cleanup on their own
rows.  A concurrent writer can still move a count between the two stats; then the measurement
is taken again, and only a difference that persists fails the test.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from services.common import db
from services.session.schema import MIGRATIONS, SCHEMA
from tests.conftest import free_port, random_user_id

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ENV_NAMES = {"DATABASE_URL", "SESSION_CLEANUP_BATCH_SIZE", "LOG_LEVEL"}
WRONG_PASSWORD = "not-the-password-5e2a"
MEASURE_ATTEMPTS = 5

H, D = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Row:
    """A session to insert: its age (now - created_at) and when it expires from now."""

    age: timedelta
    expires_in: timedelta


# Active rows in the middle of every bucket (so none crosses a bound during the test),
# the oldest far older than anything else, the soonest expiry sooner than any 24 h TTL's.
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
EXPIRED = (Row(2 * D, -H), Row(25 * H, -H), Row(8 * D, -7 * D), Row(5 * H, -timedelta(seconds=1)))


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Database:
    url: str
    pg: asyncpg.Connection
    inserted: list[int]

    async def admin(self, *args: str, **env: str | None) -> Result:
        """Run the command line; ``env`` overrides (None unsets) DATABASE_URL, ..."""
        settings: dict[str, str | None] = {"DATABASE_URL": self.url, **env}
        environ = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
        environ.update({k: v for k, v in settings.items() if v is not None})
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.admin", *args,
            cwd=ROOT, env=environ,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            out, err = await asyncio.wait_for(process.communicate(), 60)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        assert process.returncode is not None
        return Result(process.returncode, out.decode(), err.decode())

    async def stats(self) -> dict[str, Any]:
        result = await self.admin("sessions", "stats", "--json")
        assert result.code == 0, result
        stats: dict[str, Any] = json.loads(result.out)
        return stats

    async def insert(self, rows: Iterable[Row]) -> list[int]:
        """The rows, each for a new random user; returns their user ids."""
        users = [(random_user_id(), row) for row in rows]
        await self.pg.executemany(
            "INSERT INTO session.bot_sessions (user_id, session_data, created_at, updated_at, expires_at)"
            " VALUES ($1, '{}'::jsonb, now() - $2::interval, now() - $2::interval, now() + $3::interval)",
            [(user, row.age, row.expires_in) for user, row in users],
        )
        self.inserted.extend(user for user, _ in users)
        return [user for user, _ in users]

    async def existing(self, users: list[int]) -> set[int]:
        rows = await self.pg.fetch(
            "SELECT user_id FROM session.bot_sessions WHERE user_id = any($1::bigint[])", users
        )
        return {r["user_id"] for r in rows}

    async def delete(self, users: list[int]) -> None:
        await self.pg.execute(
            "DELETE FROM session.bot_sessions WHERE user_id = any($1::bigint[])", users
        )


@pytest.fixture
async def database(database_url: str, pg: asyncpg.Connection) -> AsyncIterator[Database]:
    await db.migrate(pg, SCHEMA, MIGRATIONS)
    env = Database(database_url, pg, [])
    yield env
    await env.delete(env.inserted)


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    counts = {k: after[k] - before[k] for k in ("active", "expired", "total")}
    return {**counts, "active_by_age": dict(Counter(after["active_by_age"]) - Counter(before["active_by_age"]))}


async def test_stats_count_active_expired_and_active_ages(database: Database) -> None:
    expected = {
        "active": len(ACTIVE),
        "expired": len(EXPIRED),
        "total": len(ACTIVE) + len(EXPIRED),
        "active_by_age": EXPECTED_BUCKETS,
    }
    changes = []
    for _ in range(MEASURE_ATTEMPTS):
        before = await database.stats()
        users = await database.insert(ACTIVE + EXPIRED)
        after = await database.stats()
        changes.append(delta(before, after))
        if changes[-1] == expected:
            break
        await database.delete(users)  # someone else moved a count meanwhile: measure again
    assert changes[-1] == expected, changes

    assert list(after["active_by_age"]) == ["<1h", "1-6h", "6-24h", "1-7d", ">7d"]
    assert sum(after["active_by_age"].values()) == after["active"]
    assert after["total"] == after["active"] + after["expired"]
    # Ours is the oldest (10,000 days) and the soonest to expire (20 minutes).
    oldest = after["oldest_active_age_seconds"]
    assert 10_000 * D.total_seconds() <= oldest < 10_001 * D.total_seconds(), after
    assert 0 < after["next_expiry_in_seconds"] <= 20 * 60, after
    assert after["measured_at"].endswith("Z")


async def test_stats_as_text(database: Database) -> None:
    await database.insert(ACTIVE + EXPIRED)
    result = await database.admin("sessions", "stats")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0].startswith("sessions: ") and "active" in lines[0] and "in total" in lines[0]
    assert lines[1] == "active sessions by age:"
    assert [line.split()[0] for line in lines[2:7]] == ["<1h", "1-6h", "6-24h", "1-7d", ">7d"]
    assert lines[7].startswith("oldest active session: 10000d ")
    assert lines[8].startswith("next expiry: in ")
    assert result.err == ""


async def test_cleanup_deletes_expired_sessions_and_keeps_active_ones(database: Database) -> None:
    expired = await database.insert(EXPIRED + EXPIRED)  # 8: more than a few batches of 3
    active = await database.insert(ACTIVE)
    result = await database.admin("sessions", "cleanup", "--batch-size", "3")
    assert result.code == 0, result
    [line] = result.out.splitlines()
    words = line.split()
    assert words[0] == "deleted" and words[2:] == ["expired", "sessions", "(batches", "of", "3)"]
    assert int(words[1].replace(",", "")) >= len(expired)  # others' expired rows go too
    assert await database.existing(expired) == set()
    assert await database.existing(active) == set(active)
    assert result.err == ""


async def test_cleanup_batch_size_comes_from_the_environment(database: Database) -> None:
    expired = await database.insert(EXPIRED)
    result = await database.admin("sessions", "cleanup", SESSION_CLEANUP_BATCH_SIZE="2")
    assert result.code == 0, result
    assert result.out.strip().endswith("(batches of 2)")
    assert await database.existing(expired) == set()
    # Nothing expired of ours is left: a second run deletes none of ours and still succeeds.
    again = await database.admin("sessions", "cleanup")
    assert again.code == 0 and again.out.strip().endswith("(batches of 1,000)"), again


@pytest.mark.parametrize("value", ["0", "-5", "many"])
async def test_cleanup_batch_size_must_be_positive(database: Database, value: str) -> None:
    result = await database.admin("sessions", "cleanup", "--batch-size", value)
    assert result.code == 2, result
    assert "--batch-size" in result.err and result.out == ""


def with_password(url: str, password: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username or 'postgres'}:{password}@{parts.hostname}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.mark.parametrize("args", [("sessions", "stats"), ("sessions", "cleanup")])
async def test_unreachable_database_exits_2_without_the_password(
    database: Database, args: tuple[str, ...]
) -> None:
    url = with_password(database.url, WRONG_PASSWORD, port=free_port())
    result = await database.admin(*args, DATABASE_URL=url)
    assert result.code == 2, result
    [line] = result.err.splitlines()
    assert line.startswith("pokertracker-admin: cannot connect to PostgreSQL at postgresql://")
    assert ":***@" in line
    assert WRONG_PASSWORD not in result.out + result.err


@pytest.fixture
async def empty_database(database_url: str, pg: asyncpg.Connection) -> AsyncIterator[str]:
    """A database of its own, without the session service's schema."""
    name = f"admin_test_{uuid.uuid4().hex[:10]}"
    await pg.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    finally:
        await pg.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.parametrize("args", [("sessions", "stats"), ("sessions", "cleanup")])
async def test_a_database_without_the_sessions_table_is_named(
    database: Database, empty_database: str, args: tuple[str, ...]
) -> None:
    result = await database.admin(*args, DATABASE_URL=empty_database)
    assert result.code == 1, result
    [line] = result.err.splitlines()
    assert "table session.bot_sessions does not exist" in line


async def test_database_url_is_required(database: Database) -> None:
    result = await database.admin("sessions", "stats", DATABASE_URL=None)
    assert result.code == 2, result
    assert "DATABASE_URL is required" in result.err
