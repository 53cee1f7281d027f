"""Dates as tickets write them: numeric (day first, or ISO), or with a month word in Russian
or English, within the tracker's year bounds."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date
from itertools import chain

from services.ocr.ticket.text import fix_digits
from shared.limits import MAX_YEAR, MIN_YEAR

_EN_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
} | {"sept": 9}
_RU_MONTHS = {
    "январ": 1, "янв": 1, "феврал": 2, "фев": 2, "март": 3, "мар": 3, "апрел": 4, "апр": 4,
    "ма": 5, "май": 5, "мая": 5, "июн": 6, "июл": 7, "август": 8, "авг": 8, "сентябр": 9,
    "сен": 9, "сент": 9, "октябр": 10, "окт": 10, "ноябр": 11, "ноя": 11, "нояб": 11,
    "декабр": 12, "дек": 12,
}  # fmt: skip
_MONTH_WORD = r"([^\W\d_]{3,10})\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th|-?(?:го|е|ое))?"
_YEAR = r"(\d{4}|\d{2})"
_NUMERIC_DMY_RE = re.compile(r"(?<!\d)(\d{1,2})\s?([./\-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?!\d)")
_NUMERIC_YMD_RE = re.compile(r"(?<!\d)(\d{4})\s?([./\-])\s?(\d{1,2})\s?\2\s?(\d{1,2})(?!\d)")
_DAY_MONTH_YEAR_RE = re.compile(rf"(?<!\d){_DAY}\s*{_MONTH_WORD}\s*,?\s*{_YEAR}(?!\d)")
_MONTH_DAY_YEAR_RE = re.compile(rf"(?<![^\W\d_]){_MONTH_WORD}\s*{_DAY}\s*,?\s*{_YEAR}(?!\d)")


_LATIN_TO_CYRILLIC = str.maketrans(
    {"a": "а", "b": "в", "e": "е", "k": "к", "m": "м", "h": "н", "o": "о", "p": "р",
     "c": "с", "t": "т", "y": "у", "x": "х"}
)  # fmt: skip


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _month_number(word: str) -> int | None:
    """The month a (possibly abbreviated, Russian or English) month word names."""
    word = word.lower().rstrip(".")
    if word in _EN_MONTHS:
        return _EN_MONTHS[word]
    # Russian: the stem decides (марта, март, мар.; мая, май); OCR may mix in Latin letters.
    cyrillic = word.translate(_LATIN_TO_CYRILLIC)
    for stem_length in range(len(cyrillic), 1, -1):
        number = _RU_MONTHS.get(cyrillic[:stem_length])
        if number is not None and (stem_length >= 3 or cyrillic in ("ма", "мая", "май")):
            return number
    return None


def _valid_date(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


# Behind a date label only: OCR dropped the separators ("1506 2026", "2707/2026").
_RUN_TOGETHER_DMY_RE = re.compile(r"(?<!\d)(\d{2})[./\- ]?(\d{2})[./\- ]?(\d{4})(?!\d)")


def _numeric_dates(text: str) -> Iterator[tuple[int, date | None]]:
    """(offset, date or None) of each ``2025-03-02`` and ``02.03.2025`` in ``text``."""
    for match in _NUMERIC_YMD_RE.finditer(text):
        yield match.start(), _valid_date(int(match[1]), int(match[3]), int(match[4]))
    for match in _NUMERIC_DMY_RE.finditer(text):
        first, second, year = int(match[1]), int(match[3]), _year(match[4])
        # Day first, as in Russia and Europe; month first only when nothing else fits (3/25/2025).
        yield match.start(), _valid_date(year, second, first) or (
            _valid_date(year, first, second) if match[2] == "/" else None
        )


def _worded_dates(text: str) -> Iterator[tuple[int, date | None]]:
    """(offset, date or None) of each ``2 марта 2025`` and ``March 2, 2025`` in ``text``."""
    for match in _DAY_MONTH_YEAR_RE.finditer(text):
        month = _month_number(match[2])
        yield match.start(), _valid_date(_year(match[3]), month, int(match[1])) if month else None
    for match in _MONTH_DAY_YEAR_RE.finditer(text):
        month = _month_number(match[1])
        yield match.start(), _valid_date(_year(match[3]), month, int(match[2])) if month else None


def _run_together_dates(text: str) -> Iterator[tuple[int, date | None]]:
    for match in _RUN_TOGETHER_DMY_RE.finditer(text):
        yield match.start(), _valid_date(int(match[3]), int(match[2]), int(match[1]))


def find_date(text: str, *, labelled: bool = False) -> date | None:
    """The first date written in ``text`` in any of the usual ways, or ``None``.

    ``labelled``: the text followed a date label, so digits run together are a date too.
    """
    text = fix_digits(text)
    written = chain(_numeric_dates(text), _worded_dates(text))
    candidates = [(at, found) for at, found in written if found]
    if not candidates and labelled:
        candidates = [(at, found) for at, found in _run_together_dates(text) if found]
    return min(candidates, key=lambda c: c[0])[1] if candidates else None
