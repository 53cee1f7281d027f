"""SQL access to ``session.bot_sessions`` and ``session.applied_updates``: the only code that
writes the tables (``pokertracker-admin sessions stats`` reads them for operators)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import timedelta

import asyncpg
from prometheus_client import CollectorRegistry

from services.common.db import ServiceRole
from services.session import schema
from services.session.metrics import SessionMetrics
from shared.session_api import (
    DEFAULT_MAX_BYTES,
    GetSession,
    SessionConflict,
    SessionDuplicate,
    SessionSaved,
    SessionSnapshot,
    SessionTooLarge,
    UpdateSession,
    json_size,
    session_json,
)

WriteOutcome = SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge

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

# The gets of a batch in one statement: each user's session (if any) and whether the update
# was already applied, one row per item in the items' order.  A NULL update_id matches
# nothing, so ``applied`` is false.
_GET_MANY = """
SELECT s.version, s.session_data, s.expires_at, s.expires_at <= now() AS expired,
       EXISTS (SELECT 1 FROM session.applied_updates a
               WHERE a.user_id = q.user_id AND a.update_id = q.update_id) AS applied
FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS q (user_id, update_id, ord)
LEFT JOIN session.bot_sessions s ON s.user_id = q.user_id
ORDER BY q.ord
"""

# The writes of a batch in one statement, so one transaction: ``session.write_session``
# (services/session/sql/003_write_session.sql) per item, in the order given, each all or
# nothing on its own (a refused item undoes only what it did).  A failure of the statement
# rolls every item back, so the batch can be sent again.
_WRITE_MANY = """
SELECT r.kind, r.version, r.expires_at, r.written, r.current_version, r.reset_lived
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::integer[])
     WITH ORDINALITY AS w (user_id, expected_version, data, update_id, size, ord)
CROSS JOIN LATERAL session.write_session(
    w.user_id, w.expected_version, w.data::jsonb, w.update_id, w.size, $6, $7, $8) AS r
ORDER BY w.ord
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


def _snapshot(user_id: int, row: asyncpg.Record) -> SessionSnapshot:
    applied: bool = row["applied"]
    if row["version"] is None:
        return SessionSnapshot(user_id=user_id, version=0, data={}, applied=applied)
    if row["expired"]:
        # Reads as empty, but keeps the row's version so the next write can CAS on it.
        return SessionSnapshot(user_id=user_id, version=row["version"], data={}, applied=applied)
    return SessionSnapshot(
        user_id=user_id,
        version=row["version"],
        data=row["session_data"],
        expires_at=row["expires_at"],
        applied=applied,
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
        (snapshot,) = await self.get_many([GetSession(user_id=user_id, update_id=update_id)])
        return snapshot

    async def get_many(self, requests: Sequence[GetSession]) -> list[SessionSnapshot]:
        """Read several sessions in one statement, one snapshot per request, in order."""
        if not requests:
            return []
        rows = await self._pool.fetch(
            _GET_MANY, [r.user_id for r in requests], [r.update_id for r in requests]
        )
        return [_snapshot(r.user_id, row) for r, row in zip(requests, rows, strict=True)]

    async def update(self, req: UpdateSession) -> WriteOutcome:
        """Compare-and-set the session and record ``req.update_id`` atomically."""
        (outcome,) = await self.update_many([req])
        return outcome

    async def update_many(self, requests: Sequence[UpdateSession]) -> list[WriteOutcome]:
        """Compare-and-set several sessions in one transaction, one outcome per request.

        Each write records its update id together with the session: only a save commits
        anything, so a duplicate, a conflict or data over the size limit changes nothing, an
        update id is on record exactly when its session write is, and a lost CAS can be
        retried under it.  The size is measured here (``session_size``'s rule); the
        function applies the limit only to a change.  Writes run in user id order, so two
        batches touching the same users lock their rows in the same order.
        """
        if not requests:
            return []
        order = sorted(range(len(requests)), key=lambda i: requests[i].user_id)
        texts = [session_json(r.data) for r in requests]  # serialised once: sent and measured
        sizes = [json_size(t) for t in texts]
        rows = await self._pool.fetch(
            _WRITE_MANY,
            [requests[i].user_id for i in order],
            [requests[i].expected_version for i in order],
            [texts[i] for i in order],
            [requests[i].update_id for i in order],
            [sizes[i] for i in order],
            self._max_bytes,
            self._ttl,
            self._extension_due_before,
        )
        outcomes: list[WriteOutcome | None] = [None] * len(requests)
        for i, row in zip(order, rows, strict=True):
            outcomes[i] = self._outcome(requests[i], sizes[i], row)
        return [o for o in outcomes if o is not None]

    def _outcome(self, req: UpdateSession, size: int, row: asyncpg.Record) -> WriteOutcome:
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
