"""SQL access to ``session.bot_sessions``: the only code that touches the table."""

from __future__ import annotations

import json
from datetime import timedelta

import asyncpg

from shared.session_api import SessionConflict, SessionSaved, SessionSnapshot, UpdateSession

_GET = """
SELECT version, session_data, expires_at, expires_at <= now() AS expired
FROM session.bot_sessions WHERE user_id = $1
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


async def init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


class SessionStore:
    def __init__(self, pool: asyncpg.Pool, ttl: timedelta) -> None:
        self._pool = pool
        self._ttl = ttl

    async def get(self, user_id: int) -> SessionSnapshot:
        row = await self._pool.fetchrow(_GET, user_id)
        if row is None:
            return SessionSnapshot(user_id=user_id, version=0, data={})
        if row["expired"]:
            # Reads as empty, but keeps the row's version so the next write can CAS on it.
            return SessionSnapshot(user_id=user_id, version=row["version"], data={})
        return SessionSnapshot(
            user_id=user_id,
            version=row["version"],
            data=row["session_data"],
            expires_at=row["expires_at"],
        )

    async def update(self, req: UpdateSession) -> SessionSaved | SessionConflict:
        async with self._pool.acquire() as conn:
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
        total = 0
        while True:
            status = await self._pool.execute(_DELETE_EXPIRED, batch_size)
            deleted = int(status.split()[-1])
            total += deleted
            if deleted < batch_size:
                return total
