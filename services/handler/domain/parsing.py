"""Parsers for every line a user types inside a conversation step.

Each returns either the parsed value or a ``ParseError`` whose ``code`` names the problem;
the conversation turns the code into a message in the user's language. They never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.handler.domain.money import looks_negative, parse_amount

MAX_NAME = 100
MAX_PLACE = 1_000_000

# "Name | date | ...", or the predecessor's " - " with hyphen, en dash or em dash.
_DASH_SEPARATOR = re.compile(r"\s+[-–—]\s+")
# ASCII digits only: str.isdigit() and \d also accept characters int() refuses (e.g. "²").
_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_PLACE = re.compile(r"[0-9]{1,7}")


@dataclass(frozen=True)
class ParseError:
    code: str
    value: str = ""


@dataclass(frozen=True)
class Registration:
    name: str
    played_on: date
    buy_in: Decimal
    venue: str


@dataclass(frozen=True)
class ResultEntry:
    place: int
    payout: Decimal


def _split(line: str) -> list[str]:
    if "|" in line:
        return [part.strip() for part in line.split("|")]
    return [part.strip() for part in _DASH_SEPARATOR.split(line.strip())]


def parse_date(text: str) -> date | ParseError:
    m = _DATE.fullmatch(text.strip())
    if not m:
        return ParseError("bad_date", text.strip())
    day, month, year = (int(g) for g in m.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        return ParseError("bad_date", text.strip())
    if not 1970 <= year <= 2100:
        return ParseError("bad_date", text.strip())
    return value


def parse_registration(line: str) -> Registration | ParseError:
    """``Name | DD.MM.YYYY | buy-in | venue`` (``|`` or `` - `` between the parts)."""
    parts = _split(line)
    if len(parts) != 4:
        return ParseError("bad_format")
    name, date_text, buy_in_text, venue = parts
    if not name or len(name) > MAX_NAME:
        return ParseError("bad_name")
    played_on = parse_date(date_text)
    if isinstance(played_on, ParseError):
        return played_on
    if looks_negative(buy_in_text):
        return ParseError("negative_buy_in", buy_in_text)
    buy_in = parse_amount(buy_in_text)
    if buy_in is None:
        return ParseError("bad_buy_in", buy_in_text)
    if not venue or len(venue) > MAX_NAME:
        return ParseError("bad_venue")
    return Registration(name=name, played_on=played_on, buy_in=buy_in, venue=venue)


def parse_result(line: str) -> ResultEntry | ParseError:
    """``place | payout``, ``place - payout`` or ``place payout``."""
    text = line.strip()
    if "|" in text or _DASH_SEPARATOR.search(text):
        parts = _split(text)
    else:
        parts = text.split()
    if len(parts) != 2 or not all(parts):
        return ParseError("bad_format")
    place_text, payout_text = parts
    if not _PLACE.fullmatch(place_text) or not 1 <= int(place_text) <= MAX_PLACE:
        return ParseError("bad_place", place_text)
    if looks_negative(payout_text):
        return ParseError("negative_payout", payout_text)
    payout = parse_amount(payout_text)
    if payout is None:
        return ParseError("bad_payout", payout_text)
    return ResultEntry(place=int(place_text), payout=payout)
