"""``MemoryTracker``'s player row, the twin of ``pg_players``: the player as Telegram last
showed them, the venue last played at and the player's settings (language, currency, reminder
hours)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from services.handler.domain.settings import DEFAULT_SETTINGS, PlayerSettings
from services.handler.tracker.memory_rows import CURRENCY, ConstraintViolation, PlayerRow, _bigint, _text
from services.handler.tracker.model import Player

if TYPE_CHECKING:
    from services.handler.tracker.memory import MemoryStore


class MemoryPlayers:
    _store: MemoryStore
    _undo: list[Callable[[], object]] | None

    def _upsert_player(self, player: Player) -> None:
        old = self._store.players.get(_bigint(player.user_id))
        row = PlayerRow(
            player.user_id,
            _text(player.first_name),
            None if player.language_code is None else _text(player.language_code),
            None if old is None else old.venue,
            self._store.revision(),
            DEFAULT_SETTINGS if old is None else old.settings,
        )
        self._store.put(self._store.players, player.user_id, row, self._undo)

    async def venue(self, player_id: int) -> str | None:
        row = self._store.players.get(_bigint(player_id))
        return None if row is None else row.venue

    async def set_venue(self, player: Player, venue: str | None) -> None:
        if venue is not None and not 1 <= len(_text(venue)) <= 100:
            raise ConstraintViolation("a venue is 1 to 100 characters")
        self._upsert_player(player)
        row = dataclasses.replace(
            self._store.players[player.user_id], venue=venue, revision=self._store.revision()
        )
        self._store.put(self._store.players, player.user_id, row, self._undo)

    async def settings(self, player_id: int) -> PlayerSettings:
        row = self._store.players.get(_bigint(player_id))
        return DEFAULT_SETTINGS if row is None else row.settings

    async def save_settings(self, player: Player, settings: PlayerSettings) -> None:
        if not CURRENCY.fullmatch(settings.currency):
            raise ConstraintViolation("a currency is a three-letter code or empty")
        self._upsert_player(player)
        row = dataclasses.replace(
            self._store.players[player.user_id], settings=settings, revision=self._store.revision()
        )
        self._store.put(self._store.players, player.user_id, row, self._undo)
