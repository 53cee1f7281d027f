"""Parsers for every line a user types inside a conversation step.

Each returns either the parsed value or a ``ParseError`` whose ``code`` names the problem;
the conversation turns the code into a message in the user's language. They never raise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Generic, NamedTuple, TypeVar

from services.handler.domain.money import read_amount
from services.handler.domain.records import ZERO, Format, Game, TournamentFields
from shared.limits import MAX_NAME_CHARS, MAX_YEAR, MIN_YEAR

# The longest piece of what the user typed that an error quotes back; longer ones are cut, so
# the reply stays far below Telegram's 4096 characters whatever was sent.
MAX_ERROR_VALUE = 64

# "Name | date | ...", or the predecessor's " - " with hyphen, en dash or em dash.  The
# lookbehind starts a match only at the first space of a run: the same matches, without
# trying every space of a long run again (quadratic on a 4096-character message).
_DASH_SEPARATOR = re.compile(r"(?<!\s)\s+[-–—]\s+")
# ASCII digits only: str.isdigit() and \d also accept characters int() refuses (e.g. "²").
_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})(?:\.([0-9]{4}))?")
# A date typed without its year is the nearest such date, at most this many days away.
NEAREST_DATE_DAYS = 184


class ErrorCode(StrEnum):
    """Why a line or value the user typed in a conversation step was refused.

    The conversation says it with the text its flow's catalogue mapping holds for the code
    (``Catalogue.register_errors``, ``result_errors``, ``edit_errors``); the codes a flow can
    meet are the family sets below (``REGISTER_ERRORS``...), which a unit test checks each
    language's mapping covers.
    """

    BAD_FORMAT = "bad_format"
    BAD_NAME = "bad_name"
    BAD_DATE = "bad_date"
    BAD_BUY_IN = "bad_buy_in"
    NEGATIVE_BUY_IN = "negative_buy_in"
    BAD_VENUE = "bad_venue"
    BAD_EXTRA = "bad_extra"
    BAD_PLACE = "bad_place"
    BAD_PAYOUT = "bad_payout"
    NEGATIVE_PAYOUT = "negative_payout"
    BAD_BOUNTY = "bad_bounty"
    NEGATIVE_BOUNTY = "negative_bounty"
    BAD_FEE = "bad_fee"
    NEGATIVE_FEE = "negative_fee"
    BAD_REBUYS = "bad_rebuys"
    NEGATIVE_REBUYS = "negative_rebuys"
    BAD_ADDONS = "bad_addons"
    NEGATIVE_ADDONS = "negative_addons"
    BAD_COUNT = "bad_count"
    BAD_ENTRIES = "bad_entries"
    BAD_FIELD_SIZE = "bad_field_size"
    BAD_STARTING_STACK = "bad_starting_stack"
    BAD_CURRENCY = "bad_currency"
    BAD_GAME = "bad_game"
    BAD_TOURNAMENT_FORMAT = "bad_tournament_format"
    UNKNOWN_FIELD = "unknown_field"
    RESULT_INCOMPLETE = "result_incomplete"
    BAD_STATS_QUERY = "bad_stats_query"
    EDIT_EMPTY = "edit_empty"
    EDIT_TOO_MANY = "edit_too_many"
    EDIT_BAD_LINE = "edit_bad_line"
    EDIT_UNKNOWN_FIELD = "edit_unknown_field"
    EDIT_EMPTY_VALUE = "edit_empty_value"
    EDIT_BAD_VALUE = "edit_bad_value"
    MIXED_CURRENCY = "mixed_currency"  # two currencies in one buy-in (``$100+10€``) or result
    WRONG_CURRENCY = "wrong_currency"  # an amount not in the tournament's currency


class Amount(StrEnum):
    """What an amount is for, which names its two errors (``parse_money``)."""

    BUY_IN = "buy_in"
    PAYOUT = "payout"
    BOUNTY = "bounty"
    FEE = "fee"
    REBUYS = "rebuys"
    ADDONS = "addons"


# Per amount: its (bad, negative) error codes.
_AMOUNT_ERRORS: dict[Amount, tuple[ErrorCode, ErrorCode]] = {
    Amount.BUY_IN: (ErrorCode.BAD_BUY_IN, ErrorCode.NEGATIVE_BUY_IN),
    Amount.PAYOUT: (ErrorCode.BAD_PAYOUT, ErrorCode.NEGATIVE_PAYOUT),
    Amount.BOUNTY: (ErrorCode.BAD_BOUNTY, ErrorCode.NEGATIVE_BOUNTY),
    Amount.FEE: (ErrorCode.BAD_FEE, ErrorCode.NEGATIVE_FEE),
    Amount.REBUYS: (ErrorCode.BAD_REBUYS, ErrorCode.NEGATIVE_REBUYS),
    Amount.ADDONS: (ErrorCode.BAD_ADDONS, ErrorCode.NEGATIVE_ADDONS),
}

# The codes ``parse_registration`` returns, and those ``parse_result`` returns.
REGISTER_ERRORS = frozenset({
    ErrorCode.BAD_FORMAT, ErrorCode.BAD_NAME, ErrorCode.BAD_DATE, ErrorCode.BAD_BUY_IN,
    ErrorCode.NEGATIVE_BUY_IN, ErrorCode.BAD_VENUE, ErrorCode.BAD_EXTRA, ErrorCode.MIXED_CURRENCY,
})  # fmt: skip
RESULT_ERRORS = frozenset({
    ErrorCode.BAD_FORMAT, ErrorCode.BAD_PLACE, ErrorCode.BAD_PAYOUT, ErrorCode.NEGATIVE_PAYOUT,
    ErrorCode.BAD_BOUNTY, ErrorCode.NEGATIVE_BOUNTY, ErrorCode.MIXED_CURRENCY,
})  # fmt: skip

Code = TypeVar("Code", bound=StrEnum)


@dataclass(frozen=True)
class ParseError(Generic[Code]):
    """A refused input: ``code`` says why, ``value`` quotes what was refused."""

    code: Code
    value: str = ""
    field: str = ""  # for a ``field: value`` line, the field whose value was wrong
    currency: str = ""  # for WRONG_CURRENCY, the currency the amount had to be in


def quoted(text: str) -> str:
    """What an error shows of the user's text: stripped, at most ``MAX_ERROR_VALUE`` characters."""
    text = text.strip()
    return text if len(text) <= MAX_ERROR_VALUE else text[: MAX_ERROR_VALUE - 1] + "…"


_BUY_IN_PLUS_FEE = re.compile(r"(.+?)\s*\+\s*(.+)")
_INT = re.compile(r"[0-9]{1,10}")

# What users call the game types and formats, in English and Russian (lower case).
GAME_ALIASES: dict[str, Game] = {
    "nlhe": Game.NLHE, "nl": Game.NLHE, "nlh": Game.NLHE, "holdem": Game.NLHE,
    "hold'em": Game.NLHE, "холдем": Game.NLHE,
    "plo": Game.PLO, "omaha": Game.PLO, "омаха": Game.PLO, "plo4": Game.PLO,
    "plo5": Game.PLO5,
    "mixed": Game.MIXED, "mix": Game.MIXED, "микс": Game.MIXED,
    "other": Game.OTHER, "другое": Game.OTHER,
}
FORMAT_ALIASES: dict[str, Format] = {
    "freezeout": Format.FREEZEOUT, "freeze": Format.FREEZEOUT, "фриз": Format.FREEZEOUT,
    "фризаут": Format.FREEZEOUT,
    "reentry": Format.REENTRY, "re-entry": Format.REENTRY, "реентри": Format.REENTRY,
    "ре-энтри": Format.REENTRY, "реэнтри": Format.REENTRY,
    "rebuy": Format.REBUY, "ребай": Format.REBUY,
    "bounty": Format.BOUNTY, "pko": Format.BOUNTY, "ko": Format.BOUNTY, "knockout": Format.BOUNTY,
    "баунти": Format.BOUNTY, "нокаут": Format.BOUNTY,
    "satellite": Format.SATELLITE, "sat": Format.SATELLITE, "сателлит": Format.SATELLITE,
}


def split_parts(line: str) -> list[str]:
    if "|" in line:
        return [part.strip() for part in line.split("|")]
    return [part.strip() for part in _DASH_SEPARATOR.split(line.strip())]


def _nearest(day: int, month: int, today: date) -> date | None:
    """The date ``day.month`` nearest to ``today`` (the later one of a tie), if one is within
    ``NEAREST_DATE_DAYS``: 5.12 is 05.12.2025 on 15.06.2025 (173 days ahead, not 192 back)."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:  # 29.02 outside leap years, 31.04, 00.05...
            continue
    if not candidates:
        return None
    best = min(candidates, key=lambda d: (abs((d - today).days), -d.toordinal()))
    return best if abs((best - today).days) <= NEAREST_DATE_DAYS else None


def parse_date(text: str, today: date | None = None) -> date | ParseError[ErrorCode]:
    """``DD.MM.YYYY`` (one-digit day and month too); with ``today`` also ``DD.MM``, the
    nearest such date (``_nearest``).  A file is not a chat: CSV import gives no ``today``,
    so its dates keep their year."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        return ParseError(ErrorCode.BAD_DATE, quoted(text))
    day, month = int(m.group(1)), int(m.group(2))
    if m.group(3) is None:
        value = None if today is None else _nearest(day, month, today)
    else:
        try:
            value = date(int(m.group(3)), month, day)
        except ValueError:
            value = None
    if value is None or not MIN_YEAR <= value.year <= MAX_YEAR:
        return ParseError(ErrorCode.BAD_DATE, quoted(text))
    return value


def looks_like_one_line(text: str) -> bool:
    """Whether a message is a whole tournament in one line rather than just its name."""
    return "|" in text or bool(_DASH_SEPARATOR.search(text.strip()))


def parse_name(text: str, code: ErrorCode = ErrorCode.BAD_NAME) -> str | ParseError[ErrorCode]:
    """A name or venue: 1-100 characters, spaces collapsed, no control characters (NUL…)."""
    name = " ".join(text.split())
    if not 1 <= len(name) <= MAX_NAME_CHARS or any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        return ParseError(code)
    return name


class TypedAmount(NamedTuple):
    value: Decimal
    currency: str | None  # the ISO code typed with the amount; None when none was


class BuyIn(NamedTuple):
    buy_in: Decimal
    fee: Decimal
    currency: str | None  # the ISO code typed with either; None when none was


def parse_money(text: str, amount: Amount) -> TypedAmount | ParseError[ErrorCode]:
    """A non-negative amount (``money.read_amount``: ``12 500``, ``$850``, ``1000 руб``...)
    and its currency; else the amount's negative or bad error (``_AMOUNT_ERRORS``)."""
    bad, negative = _AMOUNT_ERRORS[amount]
    read = read_amount(text)
    if read is None:
        return ParseError(bad, quoted(text))
    if read.negative:
        return ParseError(negative, quoted(text))
    return TypedAmount(read.value, read.currency)


def one_currency(*codes: str | None) -> str | ParseError[ErrorCode] | None:
    """The one currency among those typed (``None`` if none was), or MIXED_CURRENCY."""
    typed = {c for c in codes if c}
    return ParseError(ErrorCode.MIXED_CURRENCY) if len(typed) > 1 else next(iter(typed), None)


def parse_buy_in(text: str) -> BuyIn | ParseError[ErrorCode]:
    """``100`` or ``100+10`` (buy-in + fee), a currency on either or both (``$50+5``,
    ``100+10 EUR``, ``€100+€10``; not two different ones).  Errors quote the whole text."""
    m = _BUY_IN_PLUS_FEE.fullmatch(text.strip())
    fee = read_amount(m.group(2)) if m else None
    # 100+-10 is no buy-in plus fee: read whole, it is a bad amount
    parts = [m.group(1), m.group(2)] if m and not (fee and fee.negative) else [text]
    read = [parse_money(part, Amount.BUY_IN) for part in parts]
    amounts: list[TypedAmount] = []
    for r in read:
        if isinstance(r, ParseError):
            return ParseError(r.code, quoted(text))
        amounts.append(r)
    currency = one_currency(*(a.currency for a in amounts))
    if isinstance(currency, ParseError):
        return ParseError(currency.code, quoted(text))
    return BuyIn(amounts[0].value, amounts[1].value if len(amounts) > 1 else ZERO, currency)


def parse_count(text: str, low: int, high: int, code: Code) -> int | ParseError[Code]:
    s = re.sub("[ \u00a0\u202f\u2009]", "", text.strip())  # 12 000, with any space a number may have
    if not _INT.fullmatch(s) or not low <= int(s) <= high:
        return ParseError(code, quoted(text))
    return int(s)


def parse_game(text: str) -> Game | ParseError[ErrorCode]:
    game = GAME_ALIASES.get(text.strip().lower())
    return ParseError(ErrorCode.BAD_GAME, quoted(text)) if game is None else game


def parse_format(text: str) -> Format | ParseError[ErrorCode]:
    fmt = FORMAT_ALIASES.get(text.strip().lower())
    return ParseError(ErrorCode.BAD_TOURNAMENT_FORMAT, quoted(text)) if fmt is None else fmt


def parse_registration(line: str, today: date | None = None) -> TournamentFields | ParseError[ErrorCode]:
    """``Name | DD.MM.YYYY | buy-in[+fee] | venue [| game] [| format]``.

    ``|`` or `` - `` between the parts; game and format are optional, in either order.  With
    ``today`` the date may be ``DD.MM`` (``parse_date``).  The currency typed with the buy-in
    is the tournament's; ``""`` when none was (the flow then puts the player's default).
    """
    parts = split_parts(line)
    if not 4 <= len(parts) <= 6:
        return ParseError(ErrorCode.BAD_FORMAT)
    name_text, date_text, buy_in_text, venue_text, *extra = parts
    name = parse_name(name_text)
    if isinstance(name, ParseError):
        return name
    played_on = parse_date(date_text, today)
    if isinstance(played_on, ParseError):
        return played_on
    money = parse_buy_in(buy_in_text)
    if isinstance(money, ParseError):
        return money
    venue = parse_name(venue_text, ErrorCode.BAD_VENUE)
    if isinstance(venue, ParseError):
        return venue
    game, fmt = Game.NLHE, Format.FREEZEOUT
    for part in extra:
        if (g := GAME_ALIASES.get(part.lower())) is not None:
            game = g
        elif (f := FORMAT_ALIASES.get(part.lower())) is not None:
            fmt = f
        else:
            return ParseError(ErrorCode.BAD_EXTRA, quoted(part))
    return TournamentFields(
        name=name, played_on=played_on, buy_in=money.buy_in, fee=money.fee, venue=venue,
        currency=money.currency or "", game=game, format=fmt,
    )
