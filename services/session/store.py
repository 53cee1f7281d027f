"""SQL access to ``session.bot_sessions`` and ``session.applied_updates``: the only code that
writes the tables (``pokertracker-admin sessions stats`` reads them for operators)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import asyncpg
from prometheus_client import CollectorRegistry

from services.common.db import ServiceRole
from services.session import schema
from services.session.metrics import SessionMetrics
from shared.session_api import (
    DEFAULT_MAX_BYTES,
    SessionConflict,
    SessionDuplicate,
    SessionSaved,
    SessionSnapshot,
    SessionTooLarge,
    UpdateSession,
    session_size,
)

# The role the session service runs as (docs/security.md): it alone owns schema ``session``,
# and row level security (forced) lets no other role see or write a session or an applied
# update id, even one granted access to the table.  With MIGRATION_DATABASE_URL the role is
# DATABASE_URL's user.
ROLE = ServiceRole(
    "pokertracker_session",
    private_tables=("session.bot_sessions", "session.applied_updates"),
)
# What the service migrates at start (``db.open_pool``), and ``pokertracker-admin db setup``.
SCHEMAS = [(schema.SCHEMA, schema.MIGRATIONS)]

# One round trip on every update's path: the session (if any) and whether the update was
# already applied.  The one-row VALUES keeps a row even when the user has no session; a NULL
# update_id matches nothing, so ``applied`` is false.
_GET = """
SELECT s.version, s.session_data, s.expires_at, s.expires_at <= now() AS expired,
       EXISTS (SELECT 1 FROM session.applied_updates a
               WHERE a.user_id = $1 AND a.update_id = $2) AS applied
FROM (VALUES (1)) AS one (x)
LEFT JOIN session.bot_sessions s ON s.user_id = $1
"""

# The whole compare-and-set (migration 3): one round trip, its own transaction.
_WRITE = """
SELECT kind, version, expires_at, written, current_version, reset_lived
FROM session.write_session($1, $2, $3, $4, $5, $6, $7, $8)
"""

# Batched so that a huge backlog never holds many row locks or one long transaction.
_DELETE_EXPIRED = """
WITH doomed AS (
    SELECT id FROM session.bot_sessions
    WHERE expires_at <= now()
    ORDER BY expires_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
DELETE FROM session.bot_sessions s USING doomed
WHERE s.id = doomed.id AND s.expires_at <= now()
RETURNING extract(epoch FROM s.expires_at - s.created_at) AS lived
"""

_ACTIVE = "SELECT count(*) FROM session.bot_sessions WHERE expires_at > now()"

# Same batching as _DELETE_EXPIRED; $2 is the retention.
_DELETE_APPLIED = """
WITH doomed AS (
    SELECT user_id, update_id FROM session.applied_updates
    WHERE applied_at < now() - $2::interval
    ORDER BY applied_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
DELETE FROM session.applied_updates a USING doomed
WHERE a.user_id = doomed.user_id AND a.update_id = doomed.update_id
RETURNING a.update_id
"""


async def init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


class SessionStore:
    def __init__(
        self,
        pool: asyncpg.Pool,
        ttl: timedelta,
        *,
        extend_after: timedelta = timedelta(hours=1),
        max_bytes: int = DEFAULT_MAX_BYTES,
        metrics: SessionMetrics | None = None,
    ) -> None:
        self._pool = pool
        self._ttl = ttl
        self._max_bytes = max_bytes
        # An unchanged session's expiry is pushed back only once it is this much older than
        # a fresh one: one write an hour at most for a user who keeps idling about.
        self._extension_due_before = ttl - min(extend_after, ttl)
        self._metrics = metrics or SessionMetrics(CollectorRegistry())

    async def get(self, user_id: int, update_id: int | None = None) -> SessionSnapshot:
        """Read the session; ``applied`` says whether ``update_id`` was already written."""
        row = await self._pool.fetchrow(_GET, user_id, update_id)
        assert row is not None  # the LEFT JOIN always yields one row
        applied: bool = row["applied"]
        if row["version"] is None:
            return SessionSnapshot(user_id=user_id, version=0, data={}, applied=applied)
        if row["expired"]:
            # Reads as empty, but keeps the row's version so the next write can CAS on it.
            return SessionSnapshot(
                user_id=user_id, version=row["version"], data={}, applied=applied
            )
        return SessionSnapshot(
            user_id=user_id,
            version=row["version"],
            data=row["session_data"],
            expires_at=row["expires_at"],
            applied=applied,
        )

    async def update(
        self, req: UpdateSession
    ) -> SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge:
        """Compare-and-set the session and record ``req.update_id`` atomically.

        Only a save commits: a duplicate, a conflict or data over the size limit changes
        nothing, so an update id is on record exactly when its session write is, and a lost
        CAS can be retried under it.  ``session.write_session`` (schema.py, migration 3) does
        it in one round trip; the size is measured here, where ``session_size`` lives, and
        the function applies the limit only to a change.
        """
        size = session_size(req.data)
        row = await self._pool.fetchrow(
            _WRITE,
            req.user_id,
            req.expected_version,
            req.data,
            req.update_id,
            size,
            self._max_bytes,
            self._ttl,
            self._extension_due_before,
        )
        assert row is not None  # a function call always yields one row
        kind: str = row["kind"]
        if kind == "duplicate":
            assert req.update_id is not None
            return SessionDuplicate(user_id=req.user_id, update_id=req.update_id)
        if kind == "conflict":
            return SessionConflict(
                user_id=req.user_id,
                expected_version=req.expected_version,
                current_version=row["current_version"],
            )
        if kind == "too_large":
            return SessionTooLarge(user_id=req.user_id, size=size, limit=self._max_bytes)
        if row["reset_lived"] is not None:
            self._metrics.lifetime.labels("reset").observe(max(row["reset_lived"], 0.0))
        if not row["written"]:
            self._metrics.writes_skipped.inc()
        return SessionSaved(
            user_id=req.user_id,
            version=row["version"],
            expires_at=row["expires_at"],
            written=row["written"],
        )

    async def active_sessions(self) -> int:
        return int(await self._pool.fetchval(_ACTIVE))

    async def delete_expired(self, batch_size: int) -> int:
        """Delete expired sessions in batches of ``batch_size``; return how many went.

        Each batch is its own short statement (``SKIP LOCKED``), so a backlog of millions
        never holds many row locks at once or blocks a session being written meanwhile.
        """
        ttl = self._ttl.total_seconds()
        lifetime = self._metrics.lifetime.labels("expired")

        def observe(row: asyncpg.Record) -> None:
            lifetime.observe(max(float(row["lived"]) - ttl, 0.0))

        return await self._delete_in_batches("bot_sessions", _DELETE_EXPIRED, batch_size, observe=observe)

    async def delete_applied_before(self, retention: timedelta, batch_size: int) -> int:
        """Forget update ids applied more than ``retention`` ago, in batches; return how many.

        By then Telegram has stopped redelivering them, so they can no longer come back.
        """
        return await self._delete_in_batches("applied_updates", _DELETE_APPLIED, batch_size, retention)

    async def _delete_in_batches(
        self,
        table: str,
        sql: str,
        batch_size: int,
        *args: object,
        observe: Callable[[asyncpg.Record], None] | None = None,
    ) -> int:
        """Run a ``LIMIT $1 ... RETURNING`` delete until a batch comes back short, counting
        each batch in the cleanup metric (and passing its rows to ``observe``); return the total."""
        deleted = self._metrics.cleanup_deleted.labels(table)
        total = 0
        while True:
            rows = await self._pool.fetch(sql, batch_size, *args)
            if observe is not None:
                for row in rows:
                    observe(row)
            deleted.inc(len(rows))
            total += len(rows)
            if len(rows) < batch_size:
                return total
