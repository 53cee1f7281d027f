"""SQL access to ``session.bot_sessions`` and ``session.applied_updates``: the only code that
touches the tables."""

from __future__ import annotations

import json
from datetime import timedelta

import asyncpg

from shared.session_api import (
    SessionConflict,
    SessionDuplicate,
    SessionSaved,
    SessionSnapshot,
    UpdateSession,
)

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
"""

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
"""


async def init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


class SessionStore:
    def __init__(self, pool: asyncpg.Pool, ttl: timedelta) -> None:
        self._pool = pool
        self._ttl = ttl

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
    ) -> SessionSaved | SessionConflict | SessionDuplicate:
        """Compare-and-set the session and record ``req.update_id`` atomically.

        Only a save commits: a duplicate or a conflict rolls back, so an update id is on
        record exactly when its session write is, and a lost CAS can be retried under it.
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
    ) -> SessionSaved | SessionConflict | SessionDuplicate:
        # Duplicate first: a replayed update is reported as such even if the version moved on.
        if req.update_id is not None:
            if await conn.fetchval(_RECORD_APPLIED, req.update_id, req.user_id) is None:
                return SessionDuplicate(user_id=req.user_id, update_id=req.update_id)
        if req.expected_version == 0:
            row = await conn.fetchrow(_INSERT, req.user_id, req.data, self._ttl)
        else:
            row = await conn.fetchrow(
                _UPDATE, req.user_id, req.data, self._ttl, req.expected_version
            )
        if row is not None:
            return SessionSaved(
                user_id=req.user_id, version=row["version"], expires_at=row["expires_at"]
            )
        current = await conn.fetchval(_CURRENT_VERSION, req.user_id)
        return SessionConflict(
            user_id=req.user_id,
            expected_version=req.expected_version,
            current_version=current or 0,
        )

    async def delete_expired(self, batch_size: int) -> int:
        """Delete expired sessions in batches of ``batch_size``; return how many went."""
        return await self._delete_in_batches(_DELETE_EXPIRED, batch_size)

    async def delete_applied_before(self, retention: timedelta, batch_size: int) -> int:
        """Forget update ids applied more than ``retention`` ago, in batches; return how many.

        By then Telegram has stopped redelivering them, so they can no longer come back.
        """
        return await self._delete_in_batches(_DELETE_APPLIED, batch_size, retention)

    async def _delete_in_batches(self, sql: str, batch_size: int, *args: object) -> int:
        """Run a ``LIMIT $1`` delete until a batch comes back short; return the total."""
        total = 0
        while True:
            status = await self._pool.execute(sql, batch_size, *args)
            deleted = int(status.split()[-1])
            total += deleted
            if deleted < batch_size:
                return total
