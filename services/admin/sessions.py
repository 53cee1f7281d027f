"""``sessions stats`` and ``sessions cleanup``: the rows of ``session.bot_sessions``.

Both are set-based SQL over the whole table: stats is one aggregate query (one scan, whatever
the number of rows), cleanup is the session service's own batched delete, so a million rows
never go through Python one at a time and never hold a million row locks.

A session is active while ``expires_at > now()``; an expired one reads as empty and waits for
the session service's cleanup (every SESSION_CLEANUP_INTERVAL_SECONDS) or ``sessions cleanup``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from itertools import pairwise

import asyncpg

from services.admin.broker import redact_url
from services.admin.errors import EXIT_OK, EXIT_UNAVAILABLE, AdminError
from services.admin.settings import SessionAdminSettings
from services.common.db import create_pool
from services.common.logs import url_password
from services.session.store import SessionStore

CONNECT_TIMEOUT = 10.0
TABLE = "session.bot_sessions"

# Age (now - created_at) buckets of active sessions: label, SQL lower bound (inclusive) and
# upper bound (exclusive; None is open).  A created_at in the future (clock skew) counts as <1h.
AGE_BUCKETS: tuple[tuple[str, str | None, str | None], ...] = (
    ("<1h", None, "1 hour"),
    ("1-6h", "1 hour", "6 hours"),
    ("6-24h", "6 hours", "24 hours"),
    ("1-7d", "24 hours", "7 days"),
    (">7d", "7 days", None),
)


def _bucket_filter(lower: str | None, upper: str | None) -> str:
    bounds = ["active"]
    if lower is not None:
        bounds.append(f"age >= interval '{lower}'")
    if upper is not None:
        bounds.append(f"age < interval '{upper}'")
    return " AND ".join(bounds)


_BUCKET_COLUMNS = ",\n       ".join(
    f"count(*) FILTER (WHERE {_bucket_filter(lower, upper)}) AS b{i}"
    for i, (_, lower, upper) in enumerate(AGE_BUCKETS)
)

# One scan; now() is the same instant for every row (the statement's transaction start).
_STATS = f"""
SELECT now() AT TIME ZONE 'UTC' AS measured_at,
       count(*) AS total,
       count(*) FILTER (WHERE active) AS active,
       count(*) FILTER (WHERE NOT active) AS expired,
       {_BUCKET_COLUMNS},
       extract(epoch FROM max(age) FILTER (WHERE active))::float8 AS oldest_active_age,
       extract(epoch FROM min(expires_at) FILTER (WHERE active) - now())::float8 AS next_expiry_in
FROM (
    SELECT expires_at, expires_at > now() AS active, now() - created_at AS age
    FROM {TABLE}
) AS s
"""


@dataclass(frozen=True)
class SessionStats:
    measured_at: str  # UTC, ISO 8601 to the second, by the database's clock
    active: int
    expired: int  # expired but not deleted yet
    total: int
    active_by_age: dict[str, int]
    oldest_active_age_seconds: float | None  # None: no active session
    next_expiry_in_seconds: float | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> SessionStats:
        return cls(
            measured_at=row["measured_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            active=row["active"],
            expired=row["expired"],
            total=row["total"],
            active_by_age={label: row[f"b{i}"] for i, (label, _, _) in enumerate(AGE_BUCKETS)},
            oldest_active_age_seconds=row["oldest_active_age"],
            next_expiry_in_seconds=row["next_expiry_in"],
        )


# True when row level security hides the table's rows from the current user: no permissive
# policy admits it (the session service's role, and superusers, see every row).  A role given
# SELECT on the table by mistake would otherwise count nothing, silently.
_HIDDEN_BY_ROW_SECURITY = f"""
SELECT row_security_active('{TABLE}') AND NOT EXISTS (
    SELECT 1 FROM pg_policy p
    WHERE p.polrelid = '{TABLE}'::regclass AND p.polpermissive
      AND (0 = ANY (p.polroles)
           OR EXISTS (SELECT 1 FROM unnest(p.polroles) r WHERE pg_has_role(current_user, r, 'USAGE'))))
"""

USE_THE_SESSION_ROLE = (
    "run the sessions commands with the session service's DATABASE_URL (its own role)"
)


def _why(exc: BaseException, password: str) -> str:
    if isinstance(exc, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return "login refused (check the user and password)"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return "no such database"
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT:g}s"
    text = f"{type(exc).__name__}: {exc}"
    return text.replace(password, "***") if password else text


@asynccontextmanager
async def connect(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """One connection to DATABASE_URL; failing to connect is one line, the password hidden."""
    try:
        pool = await asyncio.wait_for(
            create_pool(database_url, min_size=1, max_size=1), CONNECT_TIMEOUT
        )
    except Exception as exc:  # refused, DNS, login, no database, timeout, bad URL
        where = redact_url(database_url, "DATABASE_URL") or "(empty DATABASE_URL)"
        why = _why(exc, url_password(database_url))
        raise AdminError(
            f"cannot connect to PostgreSQL at {where}: {why}",
            EXIT_UNAVAILABLE,
        ) from None
    try:
        yield pool
    finally:
        await pool.close()


@asynccontextmanager
async def database(settings: SessionAdminSettings) -> AsyncIterator[asyncpg.Pool]:
    """One connection to the session service's database; a missing table is a clear error."""
    async with connect(settings.database_url) as pool, _session_table(pool):
        yield pool


@asynccontextmanager
async def _session_table(pool: asyncpg.Pool) -> AsyncIterator[None]:
    """The table's errors as lines the operator can act on."""
    try:
        if await pool.fetchval(_HIDDEN_BY_ROW_SECURITY):
            user = await pool.fetchval("SELECT current_user")
            raise AdminError(
                f"row level security hides every row of {TABLE} from user {user}: "
                + USE_THE_SESSION_ROLE
            )
        yield
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        raise AdminError(
            f"table {TABLE} does not exist: the session service creates it at its first start "
            "(or is DATABASE_URL the session service's database?)"
        ) from None
    except asyncpg.InsufficientPrivilegeError as exc:
        raise AdminError(f"{exc}: {USE_THE_SESSION_ROLE}") from None


# ---- sessions stats -------------------------------------------------------------------------


def stats_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object")


async def fetch_stats(db: asyncpg.Pool | asyncpg.Connection) -> SessionStats:
    """The figures as of the current transaction's start (now() is the same for every row)."""
    row = await db.fetchrow(_STATS)
    assert row is not None  # an aggregate without GROUP BY always yields one row
    return SessionStats.from_row(row)


async def stats_command(settings: SessionAdminSettings, args: argparse.Namespace) -> int:
    async with database(settings) as pool:
        stats = await fetch_stats(pool)
    if args.json:
        print(json.dumps(asdict(stats)))
    else:
        print("\n".join(render_stats(stats)))
    return EXIT_OK


def render_stats(stats: SessionStats) -> list[str]:
    width = max(len(f"{n:,}") for n in stats.active_by_age.values())
    lines = [
        (
            f"sessions: {stats.active:,} active, {stats.expired:,} expired (not deleted yet), "
            f"{stats.total:,} in total (at {stats.measured_at})"
        ),
        "active sessions by age:",
        *(f"  {label:<6} {count:>{width},}" for label, count in stats.active_by_age.items()),
    ]
    if stats.oldest_active_age_seconds is None or stats.next_expiry_in_seconds is None:
        lines.append("no active session")
    else:
        lines.append(f"oldest active session: {duration(stats.oldest_active_age_seconds)} old")
        lines.append(f"next expiry: in {duration(stats.next_expiry_in_seconds)}")
    return lines


def duration(seconds: float) -> str:
    """The largest unit and the next, as a human reads an age: ``3d 4h``, ``4h 0m``, ``5s``."""
    left = max(int(seconds), 0)
    units = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
    for (unit, size), (next_unit, next_size) in pairwise(units):
        if left >= size:
            return f"{left // size}{unit} {left % size // next_size}{next_unit}"
    return f"{left}s"


# ---- sessions cleanup -----------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def cleanup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--batch-size",
        type=_positive,
        metavar="N",
        help="rows deleted per transaction (default SESSION_CLEANUP_BATCH_SIZE, 1000)",
    )


async def cleanup_command(settings: SessionAdminSettings, args: argparse.Namespace) -> int:
    """The session service's batched delete, run now: safe next to running services (SKIP
    LOCKED), and an interrupted run keeps the batches it committed."""
    batch_size = args.batch_size or settings.session_cleanup_batch_size
    async with database(settings) as pool:
        # The TTL is what writes give a session; deleting expired rows does not use it.
        deleted = await SessionStore(pool, timedelta(0)).delete_expired(batch_size)
    sessions = "session" if deleted == 1 else "sessions"
    print(f"deleted {deleted:,} expired {sessions} (batches of {batch_size:,})")
    return EXIT_OK
