"""``PgTracker``'s deletions, kept for an Undo in ``tracker.deleted`` as the rows' JSON, and
the Undo that inserts the very same rows again (``jsonb_populate_record``)."""

from __future__ import annotations

import asyncpg

from services.handler.domain.records import Tournament
from services.handler.tracker.model import PURGE_AFTER, UNDO_WINDOW, Restored
from services.handler.tracker.unit_of_work import OnConnection, UnitOfWork


class PgDeletions:
    _work: UnitOfWork | OnConnection

    async def get(self, player_id: int, tournament_id: int) -> Tournament | None:
        raise NotImplementedError

    async def _kept_deletion(self, player_id: int, source_update_id: int) -> int | None:
        """The deletion this update made before (a redelivery), if any."""
        conn = await self._work.writing()
        return await conn.fetchval(
            "SELECT id FROM tracker.deleted WHERE player_id = $1 AND source_update_id = $2",
            player_id,
            source_update_id,
        )

    async def _delete(self, player_id: int, tournament_id: int, source_update_id: int, whole: bool) -> int | None:
        """Keep the rows as JSON in ``tracker.deleted`` (the player's older ones purged), then delete."""
        if (kept := await self._kept_deletion(player_id, source_update_id)) is not None:
            return kept
        conn = await self._work.writing()
        await conn.execute(
            "DELETE FROM tracker.deleted WHERE player_id = $1 AND deleted_at < now() - $2::interval",
            player_id,
            PURGE_AFTER,
        )
        undo_id = await conn.fetchval(
            f"""
            INSERT INTO tracker.deleted (player_id, tournament_id, whole, tournament, result, source_update_id)
            SELECT t.player_id, t.id, $3, CASE WHEN $3 THEN to_jsonb(t) END,
                CASE WHEN r.tournament_id IS NOT NULL THEN to_jsonb(r) END, $4
            FROM tracker.tournaments t {"LEFT " if whole else ""}JOIN tracker.results r ON r.tournament_id = t.id
            WHERE t.player_id = $1 AND t.id = $2
            RETURNING id
            """,
            player_id,
            tournament_id,
            whole,
            source_update_id,
        )
        if undo_id is None:
            return None
        table, column = ("tracker.tournaments", "id") if whole else ("tracker.results", "tournament_id")
        await conn.execute(f"DELETE FROM {table} WHERE {column} = $1", tournament_id)
        return undo_id

    async def delete_result(self, player_id: int, tournament_id: int, source_update_id: int) -> int | None:
        return await self._delete(player_id, tournament_id, source_update_id, whole=False)

    async def delete(self, player_id: int, tournament_id: int, source_update_id: int) -> int | None:
        return await self._delete(player_id, tournament_id, source_update_id, whole=True)

    async def undo_delete(self, player_id: int, undo_id: int, source_update_id: int) -> Restored | None:
        conn = await self._work.writing()
        kept = await conn.fetchrow(
            """SELECT tournament_id, whole, tournament, result, restored_by,
                deleted_at >= now() - $3::interval AS recent
            FROM tracker.deleted WHERE id = $2 AND player_id = $1 FOR UPDATE""",
            player_id,
            undo_id,
            UNDO_WINDOW,
        )
        if kept is None or kept["restored_by"] not in (None, source_update_id):
            return None
        if kept["restored_by"] is None:
            if not kept["recent"] or not await self._put_back(player_id, kept):
                return None
            await conn.execute("UPDATE tracker.deleted SET restored_by = $2 WHERE id = $1", undo_id, source_update_id)
        t = await self.get(player_id, kept["tournament_id"])
        return None if t is None else Restored(t, kept["whole"])

    async def _put_back(self, player_id: int, kept: asyncpg.Record) -> bool:
        """The kept rows inserted again as they were; ``False`` (nothing inserted) if their
        place is taken: a result recorded since, or the tournament gone."""
        conn = await self._work.writing()
        if kept["whole"]:
            back = await conn.fetchval(
                """INSERT INTO tracker.tournaments
                SELECT * FROM jsonb_populate_record(NULL::tracker.tournaments, $1::jsonb)
                ON CONFLICT DO NOTHING RETURNING id""",
                kept["tournament"],
            )
            if back is None:
                return False
        if kept["result"] is None:
            return True
        back = await conn.fetchval(
            """INSERT INTO tracker.results
            SELECT r.* FROM jsonb_populate_record(NULL::tracker.results, $2::jsonb) r
            JOIN tracker.tournaments t ON t.id = r.tournament_id AND t.player_id = $1
            ON CONFLICT DO NOTHING RETURNING tournament_id""",
            player_id,
            kept["result"],
        )
        return back is not None
