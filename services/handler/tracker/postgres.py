"""``Tracker`` on PostgreSQL (schema ``tracker``), for one update's unit of work.

Tournaments and results are kept here; the other feature groups are mixins, each the twin of a
``memory_*`` module: ``pg_players`` (venue, settings), ``pg_rates`` (currency fill, exchange
rates), ``pg_reminders`` (result reminders, and the store's claim of due ones),
``pg_deletions`` (deletions kept for an Undo); ``pg_rows`` maps tournament rows."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

import asyncpg

from services.handler.domain.records import Result, Tournament, TournamentFields
from services.handler.tracker.model import (
    ImportOutcome,
    Player,
    RecordOutcome,
    unchanged,
)
from services.handler.tracker.pg_deletions import PgDeletions
from services.handler.tracker.pg_players import _UPSERT_PLAYER, PgPlayers
from services.handler.tracker.pg_rates import PgRates
from services.handler.tracker.pg_reminders import PgDueReminders, PgReminders
from services.handler.tracker.pg_rows import (
    _COLUMNS,
    _FIELD_COLUMNS,
    _FROM,
    _NEW_COLUMNS,
    _ORDER_NEWEST,
    _field_values,
    _tournament,
)
from services.handler.tracker.unit_of_work import OnConnection, UnitOfWork

if TYPE_CHECKING:
    from services.handler.domain.csv_io import ImportRow


class PgTracker(PgPlayers, PgRates, PgReminders, PgDeletions):
    """Reads on ``work.reading()``, writes on ``work.writing()``: with a ``UnitOfWork`` a step
    that only reads opens no transaction; a bare connection is used as it is.  ``PgPlayers``
    comes first: its ``_upsert_player`` is the one the other mixins' stubs stand for."""

    def __init__(self, work: UnitOfWork | OnConnection | asyncpg.Connection) -> None:
        self._work = OnConnection(work) if isinstance(work, asyncpg.Connection) else work

    async def _insert(
        self, player_id: int, fields: TournamentFields, source_update_id: int, source_row: int
    ) -> int | None:
        """The new tournament's id; ``None`` if this update's row was inserted before."""
        conn = await self._work.writing()
        return await conn.fetchval(
            f"""
            INSERT INTO tracker.tournaments
                (player_id, {_FIELD_COLUMNS}, source_update_id, source_row)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            ON CONFLICT (player_id, source_update_id, source_row) DO NOTHING
            RETURNING id
            """,
            player_id,
            *_field_values(fields),
            source_update_id,
            source_row,
        )

    async def register(
        self, player: Player, fields: TournamentFields, source_update_id: int
    ) -> Tournament:
        """One statement: the player upserted, the tournament inserted unless this update
        inserted it before, and the tournament returned either way (the second SELECT sees
        the table as it was before the statement: the earlier insert on a re-run, else
        nothing)."""
        conn = await self._work.writing()
        row = await conn.fetchrow(
            f"""
            WITH player AS (
                {_UPSERT_PLAYER} RETURNING user_id
            ), added AS (
                INSERT INTO tracker.tournaments
                    (player_id, {_FIELD_COLUMNS}, source_update_id, source_row)
                SELECT user_id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 0
                FROM player
                ON CONFLICT (player_id, source_update_id, source_row) DO NOTHING
                RETURNING *
            )
            SELECT {_NEW_COLUMNS} FROM added t
            UNION ALL
            SELECT {_COLUMNS} FROM {_FROM}
            WHERE t.player_id = $1 AND t.source_update_id = $17 AND t.source_row = 0
            """,
            player.user_id,
            player.first_name,
            player.language_code,
            *_field_values(fields),
            source_update_id,
        )
        return _tournament(row)

    async def get(self, player_id: int, tournament_id: int) -> Tournament | None:
        conn = await self._work.reading()
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE t.player_id = $1 AND t.id = $2",
            player_id,
            tournament_id,
        )
        return None if row is None else _tournament(row)

    async def pending(self, player_id: int, limit: int) -> list[Tournament]:
        conn = await self._work.reading()
        rows = await conn.fetch(
            f"""SELECT {_COLUMNS} FROM {_FROM} WHERE t.player_id = $1 AND r.tournament_id IS NULL
            {_ORDER_NEWEST} LIMIT $2""",
            player_id,
            limit,
        )
        return [_tournament(r) for r in rows]

    async def latest(self, player_id: int, limit: int) -> list[Tournament]:
        conn = await self._work.reading()
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE t.player_id = $1 {_ORDER_NEWEST} LIMIT $2",
            player_id,
            limit,
        )
        return [_tournament(r) for r in rows]

    async def all(self, player_id: int) -> list[Tournament]:
        conn = await self._work.reading()
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE t.player_id = $1 ORDER BY t.played_on, t.id",
            player_id,
        )
        return [_tournament(r) for r in rows]

    async def record_result(
        self, player_id: int, tournament_id: int, result: Result, source_update_id: int
    ) -> RecordOutcome:
        # The SELECT makes ownership part of the write: another player's id inserts nothing.
        conn = await self._work.writing()
        inserted = await conn.fetchval(
            """
            INSERT INTO tracker.results (tournament_id, place, prize, bounty, source_update_id)
            SELECT t.id, $3, $4, $5, $6 FROM tracker.tournaments t
            WHERE t.id = $2 AND t.player_id = $1
            ON CONFLICT (tournament_id) DO NOTHING
            RETURNING tournament_id
            """,
            player_id,
            tournament_id,
            result.place,
            result.prize,
            result.bounty,
            source_update_id,
        )
        if inserted is not None:
            await self._drop_reminder(tournament_id)
            return RecordOutcome.RECORDED
        conn = await self._work.writing()
        existing = await conn.fetchval(
            "SELECT r.source_update_id FROM tracker.results r JOIN tracker.tournaments t"
            " ON t.id = r.tournament_id WHERE r.tournament_id = $1 AND t.player_id = $2",
            tournament_id,
            player_id,
        )
        # The same update again (a redelivery) counts as recorded: it is the same result.
        return (
            RecordOutcome.RECORDED
            if existing == source_update_id
            else RecordOutcome.ALREADY_RECORDED
        )

    async def _replace(
        self,
        player_id: int,
        tournament_id: int,
        fields: TournamentFields,
        result: Result | None,
        source_update_id: int,
    ) -> bool:
        conn = await self._work.writing()
        found = await conn.fetchval(
            f"""
            UPDATE tracker.tournaments SET ({_FIELD_COLUMNS}, updated_at, updated_by)
                = ($3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, now(), $16)
            WHERE player_id = $1 AND id = $2
            RETURNING id
            """,
            player_id,
            tournament_id,
            *_field_values(fields),
            source_update_id,
        )
        if found is None:
            return False
        await self._set_result(tournament_id, result, source_update_id)
        return True

    async def _set_result(
        self, tournament_id: int, result: Result | None, source_update_id: int
    ) -> None:
        """Make the tournament's result ``result`` (``None``: no result); ownership is the
        caller's to have checked."""
        if result is None:
            conn = await self._work.writing()
            await conn.execute(
                "DELETE FROM tracker.results WHERE tournament_id = $1", tournament_id
            )
        else:
            await self._drop_reminder(tournament_id)
            conn = await self._work.writing()
            await conn.execute(
                """
                INSERT INTO tracker.results (tournament_id, place, prize, bounty, source_update_id)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (tournament_id) DO UPDATE
                SET place = EXCLUDED.place, prize = EXCLUDED.prize, bounty = EXCLUDED.bounty,
                    source_update_id = EXCLUDED.source_update_id, updated_at = now()
                """,
                tournament_id,
                result.place,
                result.prize,
                result.bounty,
                source_update_id,
            )

    async def save(
        self,
        player_id: int,
        tournament_id: int,
        fields: TournamentFields,
        result: Result | None,
        source_update_id: int,
    ) -> Tournament | None:
        if not await self._replace(player_id, tournament_id, fields, result, source_update_id):
            return None
        return await self.get(player_id, tournament_id)

    async def import_rows(
        self, player: Player, rows: Sequence[ImportRow], source_update_id: int
    ) -> ImportOutcome:
        ids = sorted({r.id for r in rows if r.id is not None})
        stored: dict[int, tuple[Tournament, int | None]] = {}
        if ids:
            conn = await self._work.reading()
            found = await conn.fetch(
                f"SELECT {_COLUMNS}, t.updated_by FROM {_FROM} WHERE t.player_id = $1 AND t.id = ANY($2)",
                player.user_id,
                ids,
            )
            stored = {r["id"]: (_tournament(r), r["updated_by"]) for r in found}
        unknown = tuple((r.line, r.id) for r in rows if r.id is not None and r.id not in stored)
        if unknown:
            return ImportOutcome(0, 0, unknown_ids=unknown)
        await self._upsert_player(player)
        added = updated = same = 0
        for r in rows:
            if r.id is not None:
                # Unchanged rows are not written; a row this update changed stays "updated".
                t, updated_by = stored[r.id]
                if updated_by != source_update_id and unchanged(t, r.fields, r.result):
                    same += 1
                    continue
                await self._replace(player.user_id, r.id, r.fields, r.result, source_update_id)
                updated += 1
                continue
            # Keyed on (update, line): the same file processed again adds nothing twice.
            new_id = await self._insert(player.user_id, r.fields, source_update_id, r.line)
            if new_id is None:
                conn = await self._work.writing()
                new_id = await conn.fetchval(
                    """SELECT id FROM tracker.tournaments
                    WHERE player_id = $1 AND source_update_id = $2 AND source_row = $3""",
                    player.user_id,
                    source_update_id,
                    r.line,
                )
            if r.result is not None:
                await self._set_result(new_id, r.result, source_update_id)
            added += 1
        return ImportOutcome(added, updated, same)


class PgStore(PgDueReminders):
    """The ``TrackerStore`` on PostgreSQL: each update's tracker runs in a ``UnitOfWork`` on
    ``pool`` (a connection once it reads, a transaction once it writes)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[PgTracker]:
        async with UnitOfWork(self._pool) as work:
            yield PgTracker(work)
