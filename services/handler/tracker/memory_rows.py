"""The in-memory tracker's rows (the tables of ``tracker/schema.py``) and the constraints
PostgreSQL puts on their values, shared by ``memory.py`` and its mixins: a value PostgreSQL
would refuse raises ``ConstraintViolation`` here."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from services.handler.domain.records import Result, TournamentFields
from services.handler.domain.settings import DEFAULT_SETTINGS, PlayerSettings

INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
MONEY_MAX = Decimal(10) ** 12  # numeric(14, 2): twelve digits before the point
CENT = Decimal("0.01")
ZERO = Decimal(0)
CURRENCY = re.compile(r"(?:[A-Z]{3})?")
RATE_CODE = re.compile(r"[A-Z]{3}")
RATE_UNIT = Decimal("0.00000001")  # numeric(18, 8)
RATE_MAX = Decimal(1_000_000)


class ConstraintViolation(ValueError):
    """A write PostgreSQL would refuse (a CHECK, a column type's range, a NUL in text)."""


def _bigint(value: int) -> int:
    """An id or key as a bigint parameter: asyncpg refuses one out of range before sending."""
    if not -INT8_MAX - 1 <= value <= INT8_MAX:
        raise ConstraintViolation(f"{value} is out of the bigint range")
    return value


def _int4(value: int, least: int | None = None) -> int:
    if not -INT4_MAX - 1 <= value <= INT4_MAX or (least is not None and value < least):
        raise ConstraintViolation(f"{value} is out of range")
    return value


def _money(value: Decimal) -> Decimal:
    """The amount as ``numeric(14, 2)`` stores it: rounded half away from zero to cents."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if not ZERO <= rounded < MONEY_MAX:
        raise ConstraintViolation(f"{value} is not an amount numeric(14, 2) >= 0 holds")
    return rounded


def _text(value: str) -> str:
    if "\x00" in value:
        raise ConstraintViolation("text cannot contain NUL")
    return value


def _stored_fields(f: TournamentFields) -> TournamentFields:
    """The fields as PostgreSQL stores and returns them, or ``ConstraintViolation``."""
    if not CURRENCY.fullmatch(f.currency):
        raise ConstraintViolation(f"currency {f.currency!r} is not three capital letters")
    if f.starting_stack is not None and not 0 <= f.starting_stack <= INT8_MAX:
        raise ConstraintViolation(f"starting stack {f.starting_stack} is out of range")
    return dataclasses.replace(
        f,
        name=_text(f.name),
        venue=_text(f.venue),
        buy_in=_money(f.buy_in),
        fee=_money(f.fee),
        rebuys=_money(f.rebuys),
        addons=_money(f.addons),
        entries=_int4(f.entries, 1),
        field_size=None if f.field_size is None else _int4(f.field_size, 1),
    )


def _stored_result(r: Result) -> Result:
    return Result(place=_int4(r.place, 1), prize=_money(r.prize), bounty=_money(r.bounty))


@dataclass(frozen=True)
class PlayerRow:
    user_id: int
    first_name: str
    language_code: str | None
    venue: str | None = None
    revision: int = 0  # the store's write counter when the row last changed (``updated_at``)
    settings: PlayerSettings = DEFAULT_SETTINGS


@dataclass(frozen=True)
class TournamentRow:
    id: int
    player_id: int
    fields: TournamentFields
    source_update_id: int
    source_row: int
    revision: int = 0
    updated_by: int | None = None  # the update that last replaced the fields


@dataclass(frozen=True)
class ResultRow:
    tournament_id: int
    result: Result
    source_update_id: int
    revision: int = 0


@dataclass(frozen=True)
class ReminderRow:
    tournament_id: int
    player_id: int
    due_at: datetime
    published_at: datetime | None = None


@dataclass(frozen=True)
class DeletedRow:
    """A deletion kept for an Undo (``tracker.deleted``)."""

    id: int
    player_id: int
    tournament_id: int
    whole: bool
    tournament: TournamentRow | None  # whole: the row as it was
    result: ResultRow | None
    source_update_id: int
    deleted_at: datetime
    restored_by: int | None = None


Row = TypeVar("Row", PlayerRow, TournamentRow, ResultRow, DeletedRow, ReminderRow)
