"""Tracker records and the repository interface the conversations use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Protocol

from services.handler.domain.parsing import Registration


@dataclass(frozen=True)
class Player:
    user_id: int  # the Telegram user id; a player only ever sees rows with their own id
    first_name: str
    language_code: str | None


@dataclass(frozen=True)
class Result:
    place: int
    payout: Decimal
    source_update_id: int


@dataclass(frozen=True)
class Tournament:
    id: int
    player_id: int
    name: str
    played_on: date
    buy_in: Decimal
    venue: str
    result: Result | None = None


class RecordOutcome(Enum):
    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"  # by another update: keep the first result


class Tracker(Protocol):
    """Every read and write is scoped to one player: no method can reach another's rows.

    Writes carry the id of the update that caused them and are idempotent on it, so an
    update processed again after a crash leaves the data as if it ran once.
    """

    async def register(
        self, player: Player, reg: Registration, source_update_id: int
    ) -> Tournament: ...

    async def get(self, player_id: int, tournament_id: int) -> Tournament | None: ...

    async def pending(self, player_id: int, limit: int) -> list[Tournament]: ...

    async def latest(self, player_id: int, limit: int) -> list[Tournament]: ...

    async def count_pending(self, player_id: int) -> int: ...

    async def finished_amounts(self, player_id: int) -> list[tuple[Decimal, Decimal]]: ...

    async def record_result(
        self, player_id: int, tournament_id: int, place: int, payout: Decimal, source_update_id: int
    ) -> RecordOutcome: ...
