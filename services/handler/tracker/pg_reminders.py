"""Result reminders on PostgreSQL (``tracker.reminders``): ``PgTracker`` schedules one per
tournament and drops it once the result is in; ``PgStore`` claims the due ones for the
scheduler, each published exactly once."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg

from services.handler.tracker.model import DueReminder
from services.handler.tracker.unit_of_work import OnConnection, UnitOfWork


class PgReminders:
    _work: UnitOfWork | OnConnection

    async def schedule_reminder(self, player_id: int, tournament_id: int, due_at: datetime) -> None:
        conn = await self._work.writing()
        await conn.execute(
            """INSERT INTO tracker.reminders (tournament_id, player_id, due_at)
            SELECT id, player_id, $3 FROM tracker.tournaments WHERE player_id = $1 AND id = $2
            ON CONFLICT (tournament_id) DO NOTHING""",
            player_id,
            tournament_id,
            due_at,
        )

    async def cancel_reminders(self, player_id: int) -> None:
        conn = await self._work.writing()
        await conn.execute(
            "DELETE FROM tracker.reminders WHERE player_id = $1 AND published_at IS NULL", player_id
        )

    async def _drop_reminder(self, tournament_id: int) -> None:
        """The tournament has a result: nothing to nudge about (ownership checked by the caller)."""
        conn = await self._work.writing()
        await conn.execute("DELETE FROM tracker.reminders WHERE tournament_id = $1", tournament_id)


class PgDueReminders:
    """``PgStore``'s part: the due reminders handed to the scheduler."""

    _pool: asyncpg.Pool

    @contextlib.asynccontextmanager
    async def claim_due(self, now: datetime, limit: int) -> AsyncIterator[list[DueReminder]]:
        """One transaction: the due rows locked (``SKIP LOCKED``: a concurrent scheduler takes
        others, or none), the block run (publishing them), the rows marked published, commit."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT r.tournament_id, r.player_id, r.due_at, p.language_code
                FROM tracker.reminders r JOIN tracker.players p ON p.user_id = r.player_id
                WHERE r.published_at IS NULL AND r.due_at <= $1
                ORDER BY r.due_at, r.tournament_id LIMIT $2
                FOR UPDATE OF r SKIP LOCKED""",
                now,
                limit,
            )
            due = [DueReminder(r["tournament_id"], r["player_id"], r["due_at"], r["language_code"]) for r in rows]
            yield due
            if due:
                await conn.execute(
                    "UPDATE tracker.reminders SET published_at = $2 WHERE tournament_id = ANY($1)",
                    [d.tournament_id for d in due],
                    now,
                )
