"""``PgTracker``'s player row (``tracker.players``): the player as Telegram last showed them,
the venue last played at and the player's settings (language, currency, reminder hours)."""

from __future__ import annotations

from services.handler.domain.settings import DEFAULT_SETTINGS, PlayerSettings
from services.handler.tracker.model import Player
from services.handler.tracker.unit_of_work import OnConnection, UnitOfWork

# The player as Telegram last showed them ($1 user id, $2 first name, $3 language code).
_UPSERT_PLAYER = """
INSERT INTO tracker.players (user_id, first_name, language_code) VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO UPDATE
SET first_name = EXCLUDED.first_name, language_code = EXCLUDED.language_code, updated_at = now()
"""


class PgPlayers:
    _work: UnitOfWork | OnConnection

    async def _upsert_player(self, player: Player) -> None:
        conn = await self._work.writing()
        await conn.execute(
            _UPSERT_PLAYER,
            player.user_id,
            player.first_name,
            player.language_code,
        )

    async def venue(self, player_id: int) -> str | None:
        conn = await self._work.reading()
        return await conn.fetchval(
            "SELECT venue FROM tracker.players WHERE user_id = $1", player_id
        )

    async def set_venue(self, player: Player, venue: str | None) -> None:
        await self._upsert_player(player)
        conn = await self._work.writing()
        await conn.execute(
            "UPDATE tracker.players SET venue = $2, updated_at = now() WHERE user_id = $1",
            player.user_id,
            venue,
        )

    async def settings(self, player_id: int) -> PlayerSettings:
        conn = await self._work.reading()
        row = await conn.fetchrow(
            """SELECT language, currency, reminder_hours, currency_asked_by FROM tracker.players
            WHERE user_id = $1""",
            player_id,
        )
        if row is None:
            return DEFAULT_SETTINGS
        return PlayerSettings(row["language"], row["currency"], row["reminder_hours"], row["currency_asked_by"])

    async def save_settings(self, player: Player, settings: PlayerSettings) -> None:
        await self._upsert_player(player)
        conn = await self._work.writing()
        await conn.execute(
            """UPDATE tracker.players SET language = $2, currency = $3, reminder_hours = $4,
            currency_asked_by = $5, updated_at = now() WHERE user_id = $1""",
            player.user_id,
            settings.language,
            settings.currency,
            settings.reminder_hours,
            settings.currency_asked_by,
        )
