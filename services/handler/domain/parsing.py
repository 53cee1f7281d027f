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

from services.handler.domain.money import looks_negative, parse_amount
from services.handler.domain.records import ZERO, Format, Game, Result, TournamentFields

MAX_NAME = 100
MAX_PLACE = 1_000_000
MAX_ENTRIES = 1000
MAX_FIELD = 1_000_000
MAX_STACK = 1_000_000_000
# The longest piece of what the user typed that an error quotes back; longer ones are cut, so
# the reply stays far below Telegram's 4096 characters whatever was sent.
MAX_ERROR_VALUE = 64

# "Name | date | ...", or the predecessor's " - " with hyphen, en dash or em dash.  The
# lookbehind starts a match only at the first space of a run: the same matches, without
# trying every space of a long run again (quadratic on a 4096-character message).
_DASH_SEPARATOR = re.compile(r"(?<!\s)\s+[-–—]\s+")
# ASCII digits only: str.isdigit() and \d also accept characters int() refuses (e.g. "²").
_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_PLACE = re.compile(r"[0-9]{1,7}")


@dataclass(frozen=True)
class ParseError:
    code: str
    value: str = ""
    field: str = ""  # for a ``field: value`` line, the field whose value was wrong


def _quoted(text: str) -> str:
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


def _split(line: str) -> list[str]:
    if "|" in line:
        return [part.strip() for part in line.split("|")]
    return [part.strip() for part in _DASH_SEPARATOR.split(line.strip())]


def parse_date(text: str) -> date | ParseError:
    m = _DATE.fullmatch(text.strip())
    if not m:
        return ParseError("bad_date", _quoted(text))
    day, month, year = (int(g) for g in m.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        return ParseError("bad_date", _quoted(text))
    if not 1970 <= year <= 2100:
        return ParseError("bad_date", _quoted(text))
    return value


def looks_like_one_line(text: str) -> bool:
    """Whether a message is a whole tournament in one line rather than just its name."""
    return "|" in text or bool(_DASH_SEPARATOR.search(text.strip()))


def parse_name(text: str, code: str = "bad_name") -> str | ParseError:
    """A name or venue: 1-100 characters, spaces collapsed, no control characters (NUL…)."""
    name = " ".join(text.split())
    if not 1 <= len(name) <= MAX_NAME or any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        return ParseError(code)
    return name


def parse_money(text: str, code: str) -> Decimal | ParseError:
    """A non-negative amount; ``negative_<code>`` / ``bad_<code>`` otherwise."""
    if looks_negative(text):
        return ParseError(f"negative_{code}", _quoted(text))
    value = parse_amount(text)
    return ParseError(f"bad_{code}", _quoted(text)) if value is None else value


def parse_buy_in(text: str) -> tuple[Decimal, Decimal] | ParseError:
    """``100`` or ``100+10`` (buy-in + fee): the buy-in and the fee."""
    m = _BUY_IN_PLUS_FEE.fullmatch(text.strip())
    if m and not looks_negative(m.group(2)):
        buy_in, fee = parse_money(m.group(1), "buy_in"), parse_money(m.group(2), "buy_in")
        if isinstance(buy_in, ParseError):
            return buy_in
        if isinstance(fee, ParseError):
            return fee
        return buy_in, fee
    buy_in = parse_money(text, "buy_in")
    return buy_in if isinstance(buy_in, ParseError) else (buy_in, ZERO)


def parse_count(text: str, low: int, high: int, code: str) -> int | ParseError:
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    if not _INT.fullmatch(s) or not low <= int(s) <= high:
        return ParseError(code, _quoted(text))
    return int(s)


def parse_game(text: str) -> Game | ParseError:
    game = GAME_ALIASES.get(text.strip().lower())
    return ParseError("bad_game", _quoted(text)) if game is None else game


def parse_format(text: str) -> Format | ParseError:
    fmt = FORMAT_ALIASES.get(text.strip().lower())
    return ParseError("bad_tournament_format", _quoted(text)) if fmt is None else fmt


def parse_registration(line: str) -> TournamentFields | ParseError:
    """``Name | DD.MM.YYYY | buy-in[+fee] | venue [| game] [| format]``.

    ``|`` or `` - `` between the parts; game and format are optional, in either order.
    """
    parts = _split(line)
    if not 4 <= len(parts) <= 6:
        return ParseError("bad_format")
    name_text, date_text, buy_in_text, venue_text, *extra = parts
    name = parse_name(name_text)
    if isinstance(name, ParseError):
        return name
    played_on = parse_date(date_text)
    if isinstance(played_on, ParseError):
        return played_on
    money = parse_buy_in(buy_in_text)
    if isinstance(money, ParseError):
        return money
    venue = parse_name(venue_text, "bad_venue")
    if isinstance(venue, ParseError):
        return venue
    game, fmt = Game.NLHE, Format.FREEZEOUT
    for part in extra:
        if (g := GAME_ALIASES.get(part.lower())) is not None:
            game = g
        elif (f := FORMAT_ALIASES.get(part.lower())) is not None:
            fmt = f
        else:
            return ParseError("bad_extra", _quoted(part))
    return TournamentFields(
        name=name, played_on=played_on, buy_in=money[0], fee=money[1], venue=venue,
        game=game, format=fmt,
    )


def parse_result(line: str) -> Result | ParseError:
    """``place | prize [| bounty]``, with `` - `` or spaces instead of ``|`` too."""
    text = line.strip()
    if looks_like_one_line(text):
        parts = _split(text)
    else:
        parts = text.split()
    if len(parts) not in (2, 3) or not all(parts):
        return ParseError("bad_format")
    place_text, prize_text, *rest = parts
    if not _PLACE.fullmatch(place_text) or not 1 <= int(place_text) <= MAX_PLACE:
        return ParseError("bad_place", _quoted(place_text))
    prize = parse_money(prize_text, "payout")
    if isinstance(prize, ParseError):
        return prize
    bounty = parse_money(rest[0], "bounty") if rest else ZERO
    if isinstance(bounty, ParseError):
        return bounty
    return Result(place=int(place_text), prize=prize, bounty=bounty)
