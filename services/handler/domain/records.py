"""A player's tournament records, as plain values: what every view, parser and store shares.

Money is ``Decimal`` everywhere (never float).  ``TournamentFields`` are the editable fields of
a tournament; ``Tournament`` adds its identity and, once played, its ``Result``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


class Game(StrEnum):
    NLHE = "NLHE"
    PLO = "PLO"
    PLO5 = "PLO5"
    MIXED = "Mixed"
    OTHER = "Other"


class Format(StrEnum):
    FREEZEOUT = "freezeout"
    REENTRY = "reentry"
    REBUY = "rebuy"
    BOUNTY = "bounty"  # bounty and progressive knockout (PKO)
    SATELLITE = "satellite"


@dataclass(frozen=True, kw_only=True)
class TournamentFields:
    name: str
    played_on: date
    venue: str
    buy_in: Decimal  # per entry, without the fee
    fee: Decimal = ZERO  # per entry (rake)
    currency: str = ""  # ISO 4217 code such as USD or RUB; empty when the player never said
    game: Game = Game.NLHE
    format: Format = Format.FREEZEOUT
    entries: int = 1  # 1 + re-entries
    rebuys: Decimal = ZERO  # total spent on rebuys
    addons: Decimal = ZERO  # total spent on add-ons
    field_size: int | None = None  # players in the tournament, when known
    starting_stack: int | None = None


@dataclass(frozen=True, kw_only=True)
class Result:
    place: int
    prize: Decimal
    bounty: Decimal = ZERO


@dataclass(frozen=True, kw_only=True)
class Tournament(TournamentFields):
    id: int
    player_id: int
    result: Result | None = None

    @property
    def editable(self) -> TournamentFields:
        return TournamentFields(**{f.name: getattr(self, f.name) for f in fields(TournamentFields)})
