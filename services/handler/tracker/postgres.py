"""``Tracker`` on PostgreSQL (schema ``tracker``), bound to one connection / transaction."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from services.handler.domain.parsing import Registration
from services.handler.tracker.model import Player, RecordOutcome, Result, Tournament

_COLUMNS = """
t.id, t.player_id, t.name, t.played_on, t.buy_in, t.venue,
r.place, r.payout, r.source_update_id AS result_update_id
"""
_FROM = "tracker.tournaments t LEFT JOIN tracker.results r ON r.tournament_id = t.id"


def _tournament(row: asyncpg.Record) -> Tournament:
    result = None
    if row["place"] is not None:
        result = Result(row["place"], row["payout"], row["result_update_id"])
    return Tournament(
        id=row["id"],
        player_id=row["player_id"],
        name=row["name"],
        played_on=row["played_on"],
        buy_in=row["buy_in"],
        venue=row["venue"],
        result=result,
    )


class PgTracker:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def register(
        self, player: Player, reg: Registration, source_update_id: int
    ) -> Tournament:
        await self._conn.execute(
            """
            INSERT INTO tracker.players (user_id, first_name, language_code) VALUES ($1, $2, $3)
            ON CONFLICT (user_id) DO UPDATE
            SET first_name = EXCLUDED.first_name, language_code = EXCLUDED.language_code,
                updated_at = now()
            """,
            player.user_id,
            player.first_name,
            player.language_code,
        )
        await self._conn.execute(
            """
            INSERT INTO tracker.tournaments
                (player_id, name, played_on, buy_in, venue, source_update_id)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (player_id, source_update_id) DO NOTHING
            """,
            player.user_id,
            reg.name,
            reg.played_on,
            reg.buy_in,
            reg.venue,
            source_update_id,
        )
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE t.player_id = $1 AND t.source_update_id = $2",
            player.user_id,
            source_update_id,
        )
        return _tournament(row)

    async def get(self, player_id: int, tournament_id: int) -> Tournament | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE t.player_id = $1 AND t.id = $2",
            player_id,
            tournament_id,
        )
        return None if row is None else _tournament(row)

    async def pending(self, player_id: int, limit: int) -> list[Tournament]:
        rows = await self._conn.fetch(
            f"""SELECT {_COLUMNS} FROM {_FROM} WHERE t.player_id = $1 AND r.tournament_id IS NULL
            ORDER BY t.played_on DESC, t.id DESC LIMIT $2""",
            player_id,
            limit,
        )
        return [_tournament(r) for r in rows]

    async def latest(self, player_id: int, limit: int) -> list[Tournament]:
        rows = await self._conn.fetch(
            f"""SELECT {_COLUMNS} FROM {_FROM} WHERE t.player_id = $1
            ORDER BY t.played_on DESC, t.id DESC LIMIT $2""",
            player_id,
            limit,
        )
        return [_tournament(r) for r in rows]

    async def count_pending(self, player_id: int) -> int:
        return await self._conn.fetchval(
            f"SELECT count(*) FROM {_FROM} WHERE t.player_id = $1 AND r.tournament_id IS NULL",
            player_id,
        )

    async def finished_amounts(self, player_id: int) -> list[tuple[Decimal, Decimal]]:
        rows = await self._conn.fetch(
            "SELECT t.buy_in, r.payout FROM tracker.tournaments t"
            " JOIN tracker.results r ON r.tournament_id = t.id WHERE t.player_id = $1",
            player_id,
        )
        return [(r["buy_in"], r["payout"]) for r in rows]

    async def record_result(
        self, player_id: int, tournament_id: int, place: int, payout: Decimal, source_update_id: int
    ) -> RecordOutcome:
        # The SELECT makes ownership part of the write: another player's id inserts nothing.
        inserted = await self._conn.fetchval(
            """
            INSERT INTO tracker.results (tournament_id, place, payout, source_update_id)
            SELECT t.id, $3, $4, $5 FROM tracker.tournaments t
            WHERE t.id = $2 AND t.player_id = $1
            ON CONFLICT (tournament_id) DO NOTHING
            RETURNING tournament_id
            """,
            player_id,
            tournament_id,
            place,
            payout,
            source_update_id,
        )
        if inserted is not None:
            return RecordOutcome.RECORDED
        existing = await self._conn.fetchval(
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
