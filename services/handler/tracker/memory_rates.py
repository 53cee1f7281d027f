"""``MemoryTracker``'s currencies, the twin of ``pg_rates``: the player's currency filled into
tournaments saved without one, and the exchange rates the player set (``tracker.rates``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from services.handler.tracker.memory_rows import (
    CURRENCY,
    RATE_CODE,
    RATE_MAX,
    RATE_UNIT,
    ZERO,
    ConstraintViolation,
    TournamentRow,
    _bigint,
)
from services.handler.tracker.model import Player

if TYPE_CHECKING:
    from services.handler.tracker.memory import MemoryStore


class MemoryRates:
    _store: MemoryStore
    _undo: list[Callable[[], object]] | None

    def _rows(self, player_id: int) -> list[TournamentRow]:
        raise NotImplementedError

    def _upsert_player(self, player: Player) -> None:
        raise NotImplementedError

    async def fill_currency(self, player_id: int, currency: str) -> int:
        if not CURRENCY.fullmatch(currency):
            raise ConstraintViolation("a currency is a three-letter code or empty")
        filled = 0
        for row in self._rows(player_id):
            if not row.fields.currency:
                changed = dataclasses.replace(
                    row, fields=dataclasses.replace(row.fields, currency=currency), revision=self._store.revision()
                )
                self._store.put(self._store.tournaments, row.id, changed, self._undo)
                filled += 1
        return filled

    async def rates(self, player_id: int, base: str) -> dict[str, Decimal]:
        _bigint(player_id)
        return {c: r for (p, b, c), r in sorted(self._store.rates.items()) if p == player_id and b == base}

    async def set_rate(self, player: Player, base: str, currency: str, rate: Decimal) -> None:
        if not (RATE_CODE.fullmatch(base) and RATE_CODE.fullmatch(currency)) or base == currency:
            raise ConstraintViolation("a rate is between two different three-letter codes")
        stored = rate.quantize(RATE_UNIT, rounding=ROUND_HALF_UP)
        if not ZERO < stored <= RATE_MAX:
            raise ConstraintViolation(f"rate {rate} is out of range")
        self._upsert_player(player)
        key = (player.user_id, base, currency)
        old = self._store.rates.get(key)
        self._store.rates[key] = stored
        self._note_undo(key, old)

    async def delete_rate(self, player_id: int, base: str, currency: str) -> bool:
        key = (_bigint(player_id), base, currency)
        old = self._store.rates.pop(key, None)
        self._note_undo(key, old)
        return old is not None

    def _note_undo(self, key: tuple[int, str, str], old: Decimal | None) -> None:
        rates = self._store.rates
        if self._undo is not None:
            self._undo.append(lambda: rates.pop(key, None) if old is None else rates.__setitem__(key, old))
