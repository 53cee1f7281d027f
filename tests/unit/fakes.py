"""In-memory stand-ins for the handler's ports, for unit tests of the conversations."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from services.handler.domain.parsing import Registration
from services.handler.tracker.model import Player, RecordOutcome, Result, Tournament


class InMemoryTracker:
    """Same contract as ``PgTracker``: scoped to a player, idempotent on the update id."""

    def __init__(self) -> None:
        self.players: dict[int, Player] = {}
        self.tournaments: dict[int, Tournament] = {}
        self._by_update: dict[tuple[int, int], int] = {}

    async def register(self, player: Player, reg: Registration, source_update_id: int) -> Tournament:
        self.players[player.user_id] = player
        key = (player.user_id, source_update_id)
        if key not in self._by_update:
            tid = len(self.tournaments) + 1
            self.tournaments[tid] = Tournament(
                tid, player.user_id, reg.name, reg.played_on, reg.buy_in, reg.venue
            )
            self._by_update[key] = tid
        return self.tournaments[self._by_update[key]]

    async def get(self, player_id: int, tournament_id: int) -> Tournament | None:
        t = self.tournaments.get(tournament_id)
        return t if t is not None and t.player_id == player_id else None

    def _mine(self, player_id: int) -> list[Tournament]:
        rows = [t for t in self.tournaments.values() if t.player_id == player_id]
        return sorted(rows, key=lambda t: (t.played_on, t.id), reverse=True)

    async def pending(self, player_id: int, limit: int) -> list[Tournament]:
        return [t for t in self._mine(player_id) if t.result is None][:limit]

    async def latest(self, player_id: int, limit: int) -> list[Tournament]:
        return self._mine(player_id)[:limit]

    async def count_pending(self, player_id: int) -> int:
        return len([t for t in self._mine(player_id) if t.result is None])

    async def finished_amounts(self, player_id: int) -> list[tuple[Decimal, Decimal]]:
        return [(t.buy_in, t.result.payout) for t in self._mine(player_id) if t.result]

    async def record_result(
        self, player_id: int, tournament_id: int, place: int, payout: Decimal, source_update_id: int
    ) -> RecordOutcome:
        t = await self.get(player_id, tournament_id)
        if t is None:
            return RecordOutcome.ALREADY_RECORDED
        if t.result is not None:
            return (
                RecordOutcome.RECORDED
                if t.result.source_update_id == source_update_id
                else RecordOutcome.ALREADY_RECORDED
            )
        self.tournaments[tournament_id] = replace(t, result=Result(place, payout, source_update_id))
        return RecordOutcome.RECORDED
