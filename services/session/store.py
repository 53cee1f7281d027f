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

# Waits for a concurrent transaction that recorded the same id: if that one commits this
# inserts nothing (a duplicate), if it rolls back (its write lost the CAS) this one goes ahead.
_RECORD_APPLIED = """
INSERT INTO session.applied_updates (update_id, user_id) VALUES ($1, $2)
ON CONFLICT (user_id, update_id) DO NOTHING
RETURNING update_id
"""

_INSERT = """
INSERT INTO session.bot_sessions (user_id, session_data, version, expires_at)
VALUES ($1, $2, 1, now() + $3::interval)
ON CONFLICT (user_id) DO NOTHING
RETURNING version, expires_at
"""

# An expired row that is written again starts a new session: its created_at restarts.
_UPDATE = """
UPDATE session.bot_sessions
SET session_data = $2,
    version = version + 1,
    updated_at = now(),
    created_at = CASE WHEN expires_at <= now() THEN now() ELSE created_at END,
    expires_at = now() + $3::interval
WHERE user_id = $1 AND version = $4
RETURNING version, expires_at
"""

_CURRENT_VERSION = "SELECT version FROM session.bot_sessions WHERE user_id = $1"

# The row a compare-and-set write is about, locked until the transaction ends.
_LOCK_CURRENT = """
SELECT version, session_data, created_at, expires_at, expires_at <= now() AS expired,
       expires_at < now() + $2::interval AS extension_due
FROM session.bot_sessions WHERE user_id = $1
FOR UPDATE
"""

_EXTEND = """
UPDATE session.bot_sessions SET expires_at = now() + $2::interval
WHERE user_id = $1
RETURNING expires_at
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

        Only a save commits: a duplicate, a conflict or data over the size limit rolls back,
        so an update id is on record exactly when its session write is, and a lost CAS can be
        retried under it.
        """
        async with self._pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            try:
                reply = await self._write(conn, req)
            except BaseException:
                await transaction.rollback()
                raise
            if isinstance(reply, SessionSaved):
                await transaction.commit()
            else:
                await transaction.rollback()
            return reply

    async def _write(
        self, conn: asyncpg.Connection, req: UpdateSession
    ) -> SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge:
        # Duplicate first: a replayed update is reported as such even if the version moved on.
        if req.update_id is not None:
            if await conn.fetchval(_RECORD_APPLIED, req.update_id, req.user_id) is None:
                return SessionDuplicate(user_id=req.user_id, update_id=req.update_id)
        current = await conn.fetchrow(_LOCK_CURRENT, req.user_id, self._extension_due_before)
        version = 0 if current is None else current["version"]
        if version != req.expected_version:
            return SessionConflict(
                user_id=req.user_id,
                expected_version=req.expected_version,
                current_version=version,
            )
        live = current is not None and not current["expired"]
        if req.data == (current["session_data"] if live else {}):
            return await self._unchanged(conn, req.user_id, current, live)
        # Checked only for a change: the data already stored can always be written back
        # (a handler does that to record an update it refused), even after the limit went down.
        if (size := session_size(req.data)) > self._max_bytes:
            return SessionTooLarge(user_id=req.user_id, size=size, limit=self._max_bytes)
        if current is None:
            row = await conn.fetchrow(_INSERT, req.user_id, req.data, self._ttl)
        else:
            if current["expired"]:
                self._observe_lifetime("reset", current)
            row = await conn.fetchrow(
                _UPDATE, req.user_id, req.data, self._ttl, req.expected_version
            )
        if row is None:  # an insert raced by another first write
            return SessionConflict(
                user_id=req.user_id,
                expected_version=req.expected_version,
                current_version=await conn.fetchval(_CURRENT_VERSION, req.user_id) or 0,
            )
        return SessionSaved(
            user_id=req.user_id, version=row["version"], expires_at=row["expires_at"]
        )

    async def _unchanged(
        self, conn: asyncpg.Connection, user_id: int, current: asyncpg.Record | None, live: bool
    ) -> SessionSaved:
        """Nothing to write: extend a live session's expiry if due; leave an empty one unstored."""
        self._metrics.writes_skipped.inc()
        if current is None:
            return SessionSaved(user_id=user_id, version=0, written=False)
        expires_at = current["expires_at"]
        if live and current["extension_due"]:
            expires_at = await conn.fetchval(_EXTEND, user_id, self._ttl)
        return SessionSaved(
            user_id=user_id,
            version=current["version"],
            expires_at=expires_at if live else None,
            written=False,
        )

    def _observe_lifetime(self, end: str, row: asyncpg.Record) -> None:
        """From a session's start to its last update (its expiry minus the TTL)."""
        lived = (row["expires_at"] - self._ttl - row["created_at"]).total_seconds()
        self._metrics.lifetime.labels(end).observe(max(lived, 0.0))

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
