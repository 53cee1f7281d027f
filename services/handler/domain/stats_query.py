"""What follows ``/stats``: a period, a grouping and filters, e.g. ``/stats 2025 venue``.

Grammar (words are case-insensitive, separated by spaces, in any order):

* period: ``30d`` / ``30д`` / ``30дн`` (the last N days up to and including today, N 1..3650),
  ``2025`` (a year, 1970..2100), ``03.2025`` or ``2025-03`` (a month), ``all`` / ``всё`` /
  ``все`` (all time, the same as no period);
* grouping: ``venue`` ``venues`` ``место`` ``места`` ``площадки`` (by venue), ``format``
  ``formats`` ``формат`` ``форматы`` (by format), ``level`` ``levels`` ``limit`` ``limits``
  ``уровень`` ``уровни`` ``лимит`` ``лимиты`` (by buy-in level, ``stats.LEVELS``), ``game``
  ``games`` ``игра`` ``игры`` (by game);
* filter ``venue <name>`` / ``место <name>``: the rest of the line is the venue name (runs of
  whitespace collapsed; matched case-insensitively, as ``stats.venue_key``), so it comes last: ``/stats 30d venue Casino
  Royal``.  ``venue`` followed only by periods and format filters (``/stats venue 2025``,
  ``/stats venue 30d format pko``) is the grouping;
* filter ``format <f>`` / ``формат <f>``: a ``Format`` value or alias (``parsing.parse_format``);
  ``format`` followed by anything else is the grouping.

At most one period, one grouping, one venue and one format.  Anything else is
``ParseError(ErrorCode.BAD_STATS_QUERY, <the offending word>)``; the parser never raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from services.handler.domain.parsing import (
    ErrorCode,
    ParseError,
    parse_format,
)
from services.handler.domain.records import Format, Tournament
from services.handler.domain.stats import GroupBy, venue_key
from shared.limits import MAX_NAME_CHARS, MAX_YEAR, MIN_YEAR

MAX_DAYS = 3650
MAX_ERROR_VALUE = 64  # longer offending words are cut, so an error message stays short

_ALL = {"all", "всё", "все", "всего"}
_GROUP_VENUE = {"venue", "venues", "место", "места", "площадка", "площадки"}
_GROUP_FORMAT = {"format", "formats", "формат", "форматы"}
_GROUP_LEVEL = {"level", "levels", "limit", "limits", "уровень", "уровни", "лимит", "лимиты"}
_GROUP_GAME = {"game", "games", "игра", "игры"}
_GROUP_WORDS: tuple[tuple[set[str], GroupBy], ...] = (
    (_GROUP_VENUE, "venue"),
    (_GROUP_FORMAT, "format"),
    (_GROUP_LEVEL, "level"),
    (_GROUP_GAME, "game"),
)
_GROUPS: dict[str, GroupBy] = {word: group for words, group in _GROUP_WORDS for word in words}
_VENUE_FILTER = {"venue", "место", "площадка"}
_FORMAT_FILTER = {"format", "формат"}

# ASCII digits only: \d also accepts digits of other scripts.
_DAYS = re.compile(r"([0-9]{1,4})(?:d|days?|д|дн|дн\.|дней|дня|день)")
_YEAR = re.compile(r"[0-9]{4}")
_MONTH_DOTTED = re.compile(r"([0-9]{1,2})[./]([0-9]{4})")
_MONTH_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_WORD = re.compile(r"\S+")


def _format(text: str) -> Format | None:
    fmt = parse_format(text)
    return None if isinstance(fmt, ParseError) else fmt


@dataclass(frozen=True)
class StatsQuery:
    since: date | None = None  # inclusive
    until: date | None = None  # inclusive
    group_by: GroupBy | None = None
    venue: str | None = None
    format: Format | None = None

    def select(self, tournaments: Iterable[Tournament]) -> list[Tournament]:
        """The tournaments in the period that pass the filters, pending ones included."""
        venue = venue_key(self.venue) if self.venue is not None else None
        return [
            t
            for t in tournaments
            if (self.since is None or t.played_on >= self.since)
            and (self.until is None or t.played_on <= self.until)
            and (venue is None or venue_key(t.venue) == venue)
            and (self.format is None or t.format == self.format)
        ]


def _month(year: int, month: int) -> tuple[date, date] | None:
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        return None
    first = date(year, month, 1)
    next_first = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first, next_first - timedelta(days=1)


def parse_period(word: str, today: date) -> tuple[date | None, date | None] | None:
    """(since, until) of one period word, ``(None, None)`` for all time, ``None`` if not one."""
    w = word.casefold()
    if w in _ALL:
        return None, None
    if m := _DAYS.fullmatch(w):
        days = int(m.group(1))
        if not 1 <= days <= MAX_DAYS:
            return None
        try:
            return today - timedelta(days=days - 1), today
        except OverflowError:
            return None
    if _YEAR.fullmatch(w):
        year = int(w)
        if not MIN_YEAR <= year <= MAX_YEAR:
            return None
        return date(year, 1, 1), date(year, 12, 31)
    if m := _MONTH_DOTTED.fullmatch(w):
        return _month(int(m.group(2)), int(m.group(1)))
    if m := _MONTH_ISO.fullmatch(w):
        return _month(int(m.group(1)), int(m.group(2)))
    return None


def _only_periods_and_formats(words: list[re.Match[str]], today: date) -> bool:
    """Whether the words are nothing but periods and format filters (``2025 format pko``)."""
    i = 0
    while i < len(words):
        word = words[i].group()
        if parse_period(word, today) is not None:
            i += 1
        elif (
            word.casefold() in _FORMAT_FILTER
            and i + 1 < len(words)
            and _format(words[i + 1].group()) is not None
        ):
            i += 2
        else:
            return False
    return True


def _error(word: str) -> ParseError[ErrorCode]:
    if len(word) > MAX_ERROR_VALUE:
        word = word[: MAX_ERROR_VALUE - 1] + "…"
    return ParseError(ErrorCode.BAD_STATS_QUERY, word)


def parse_stats_query(args: str, today: date) -> StatsQuery | ParseError[ErrorCode]:
    words = list(_WORD.finditer(args))
    period: tuple[date | None, date | None] | None = None
    group_by: GroupBy | None = None
    venue: str | None = None
    fmt: Format | None = None
    i = 0
    while i < len(words):
        word = words[i].group()
        w = word.casefold()
        has_rest = i + 1 < len(words)

        if w in _VENUE_FILTER and has_rest and not _only_periods_and_formats(words[i + 1 :], today):
            name = " ".join(args[words[i + 1].start() :].split())
            if len(name) > MAX_NAME_CHARS:
                return _error(name)
            venue = name
            break

        if w in _FORMAT_FILTER and has_rest and (f := _format(words[i + 1].group())) is not None:
            if fmt is not None:
                return _error(words[i + 1].group())
            fmt = f
            i += 2
            continue

        if w in _GROUPS:
            if group_by is not None:
                return _error(word)
            group_by = _GROUPS[w]
        elif (p := parse_period(word, today)) is not None:
            if period is not None:
                return _error(word)
            period = p
        else:
            return _error(word)
        i += 1

    since, until = period if period is not None else (None, None)
    return StatsQuery(since=since, until=until, group_by=group_by, venue=venue, format=fmt)
