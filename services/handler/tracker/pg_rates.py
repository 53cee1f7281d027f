"""``PgTracker``'s currencies: the player's currency filled into tournaments saved without
one, and the exchange rates the player set (``tracker.rates``)."""

from __future__ import annotations

from decimal import Decimal

from services.handler.tracker.model import Player
from services.handler.tracker.unit_of_work import OnConnection, UnitOfWork


class PgRates:
    _work: UnitOfWork | OnConnection

    async def _upsert_player(self, player: Player) -> None:
        raise NotImplementedError

    async def fill_currency(self, player_id: int, currency: str) -> int:
        conn = await self._work.writing()
        status = await conn.execute(
            """UPDATE tracker.tournaments SET currency = $2, updated_at = now()
            WHERE player_id = $1 AND currency = ''""",
            player_id,
            currency,
        )
        return int(status.rsplit(" ", 1)[1])

    async def rates(self, player_id: int, base: str) -> dict[str, Decimal]:
        conn = await self._work.reading()
        rows = await conn.fetch(
            "SELECT currency, rate FROM tracker.rates WHERE player_id = $1 AND base = $2 ORDER BY currency",
            player_id,
            base,
        )
        return {r["currency"]: r["rate"] for r in rows}

    async def set_rate(self, player: Player, base: str, currency: str, rate: Decimal) -> None:
        await self._upsert_player(player)
        conn = await self._work.writing()
        await conn.execute(
            """INSERT INTO tracker.rates (player_id, base, currency, rate) VALUES ($1, $2, $3, $4)
            ON CONFLICT (player_id, base, currency) DO UPDATE SET rate = EXCLUDED.rate, updated_at = now()""",
            player.user_id,
            base,
            currency,
            rate,
        )

    async def delete_rate(self, player_id: int, base: str, currency: str) -> bool:
        conn = await self._work.writing()
        deleted = await conn.fetchval(
            """DELETE FROM tracker.rates WHERE player_id = $1 AND base = $2 AND currency = $3
            RETURNING currency""",
            player_id,
            base,
            currency,
        )
        return deleted is not None
