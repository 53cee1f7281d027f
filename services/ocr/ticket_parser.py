"""Reading a tournament ticket's fields out of OCR text: pure, no I/O, never raises.

``parse_ticket(text)`` finds, in Russian or English, the event name, the date, the buy-in
and fee (with their currency), the starting stack and the venue.  It looks for labelled
lines first (``Buy-in: 100 + 10``, ``Дата: 02.03.2025``, ``Стартовый стек 20 000``), then
falls back to what a ticket without labels shows: a date anywhere, an amount with a
currency, ``20,000 chips``, a line naming a casino or club, and the first prominent line as
the event's name.

OCR noise is expected: labels are matched after folding look-alike letters (Latin ``B``
read for Cyrillic ``В`` and the like), digits inside numbers are repaired (``2O25`` ->
``2025``, ``l00`` -> ``100``), and stray punctuation around values is dropped.

A result with no field at all means "unreadable".  So that an image of something that is
not a ticket (a page of prose, a screenshot) is not taken for one, guessed fields (the first
line as a name, a line mentioning a club as the venue, a bare date) count only beside a
labelled field, an amount with a currency, or enough other guesses.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from shared.limits import MAX_AMOUNT, MAX_NAME_CHARS, MAX_STACK, MAX_YEAR, MIN_YEAR
from shared.ocr_api import TicketFields

MAX_TEXT_CHARS = 20_000  # more than any ticket; bounds the work on garbage input
MAX_LINES = 200
MIN_STACK = 100  # fewer chips is a misread (a level or a table number), not a stack
CENT = Decimal("0.01")

# --------------------------------------------------------------------------------------------
# Text normalisation

# Cyrillic letters that OCR confuses with Latin ones, and the reverse: both sides fold to one
# Latin letter, character for character, so offsets in the folded text are offsets in the
# original.  Only used to *match* labels, never to produce values.
_FOLD = str.maketrans(
    {
        "а": "a", "А": "a", "в": "b", "В": "b", "е": "e", "Е": "e", "ё": "e", "Ё": "e",
        "к": "k", "К": "k", "м": "m", "М": "m", "н": "h", "Н": "h", "о": "o", "О": "o",
        "р": "p", "Р": "p", "с": "c", "С": "c", "т": "t", "Т": "t", "у": "y", "У": "y",
        "х": "x", "Х": "x", "і": "i", "І": "i", "ј": "j", "Ј": "j", "ѕ": "s", "Ѕ": "s",
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
        "ı": "i", "ǀ": "l",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """Look-alike letters and dashes folded to one form; same length as ``text``."""
    return text.translate(_FOLD)


_INVISIBLE_RE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Characters OCR leaves at the edges of a line (quotes, bullets, smudges read as punctuation).
_EDGE_JUNK = " \t'\"`´‘’‚‛“”„‟«»‹›.,;:!?|/\\_~*•·°^¬¦=-–—()[]{}<>"


def normalise(text: str) -> list[str]:
    """The text's non-empty lines, in Unicode NFKC, with spaces collapsed."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS])
    text = _INVISIBLE_RE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_RE.sub(" ", text)
    lines = []
    for raw in text.split("\n"):
        line = _SPACES_RE.sub(" ", raw).strip()
        if line:
            lines.append(line)
        if len(lines) >= MAX_LINES:
            break
    return lines


def tidy(value: str) -> str:
    """A text value without OCR's stray edge punctuation and with single spaces."""
    value = _SPACES_RE.sub(" ", value).strip(_EDGE_JUNK)
    # A closing bracket or quote belongs to the value when its opening one is there too.
    return value.strip()


# Inside a number OCR reads 0 as O/o/О/о, 1 as l/I/|, 3 as З, 5 as S.  A run of such
# characters is repaired only when it holds a real digit and is not part of a word.
_DIGITISH = "0-9OoОоIl|ЗS"
_NUMBER_RUN_RE = re.compile(
    rf"(?<![^\W\d_])[{_DIGITISH}](?:[{_DIGITISH}]|[.,'’ ](?=[{_DIGITISH}]))*"
    r"(?=[kKкКmMмМ]?(?:[^\w]|_|$)|тыс|млн)"
)
_DIGIT_FIX = str.maketrans(
    {"O": "0", "o": "0", "О": "0", "о": "0", "I": "1", "l": "1", "|": "1", "З": "3", "S": "5"}
)


def fix_digits(text: str) -> str:
    """Repair letters read for digits inside numbers: ``2O25`` -> ``2025``, ``l00`` -> ``100``."""

    def repair(match: re.Match[str]) -> str:
        run = match.group(0)
        if not any(ch.isdigit() for ch in run):
            return run
        return run.translate(_DIGIT_FIX)

    return _NUMBER_RUN_RE.sub(repair, text)


# --------------------------------------------------------------------------------------------
# Labels


def _label_re(pattern: str) -> re.Pattern[str]:
    """A label at the start of a (folded) line, ending at a non-letter."""
    return re.compile(rf"^(?:{fold(pattern)})(?![^\W\d_])", re.IGNORECASE)


_VENUE_WORDS_RE = re.compile(
    fold(r"(?<![^\W\d_])(?:casino|club|card\s*room|poker\s*room|клуб|казино|покер-клуб)(?![^\W\d_])"),
    re.IGNORECASE,
)


def _always(value: str) -> bool:
    return True


def _never(value: str) -> bool:
    return False


def _capitalised(value: str) -> bool:
    """``Tournament Winter Series``: a label whose colon OCR lost, followed by a proper name
    (``Турнир выходного дня`` is a name that starts with the word, not a label)."""
    return value[:1].isupper() or value[:1].isdigit() or value[:1] in "#№\"'«„“"


def _names_a_venue(value: str) -> bool:
    """``Club Casino Royale``: the label, then a venue's name; but ``Casino Royale`` alone is
    the venue's own name."""
    return _VENUE_WORDS_RE.search(fold(value)) is not None


@dataclass(frozen=True)
class Label:
    field: str
    pattern: re.Pattern[str]
    # Whether the label counts without a ":" (or the like) before ``value``.  Typed values
    # (dates, amounts) are checked anyway; for text a word like "Casino" or "Турнир" is
    # often the start of the value itself.
    bare: Callable[[str], bool] = _always


_B = r"[\s\-]*"  # between the words of a label: spaces or dashes, or nothing
LABELS: tuple[Label, ...] = (
    Label("name", _label_re(r"event\s+name|tournament\s+name|название\s+турнира")),
    Label("name", _label_re(
        rf"(?:event|tournament|tourney){_B}(?:name|title)?|турнир|событие|ивент"
        r"|название|наименование"
    ), bare=_capitalised),
    Label("date", _label_re(
        r"date(?:\s*(?:&|and|/)\s*time)?|дата(?:\s+и\s+время)?|when|когда|day|день"
        r"|start(?:s|\s+date|\s+time)?|начало|старт"
    )),
    Label("buy_in", _label_re(
        rf"buy{_B}(?:[i1l|!m][^\W\d_]{{0,2}})?|[б6]ай{_B}[иu][нh]|[б6]айин|entry(?:{_B}fee)?"
        r"|взнос|вход|стоимость(?:\s+участия)?|цена|price|cost"
    )),
    Label("fee", _label_re(
        r"(?:service|admin(?:istration)?|registration|reg|dealer|staff)?\s*fees?"
        r"|rake|комиссия|с[б6]ор|рейк|доп(?:\.|олнительный)?\s*взнос"
    )),
    Label("stack", _label_re(
        rf"(?:start(?:ing)?{_B})?(?:stack|chips)|стартов(?:ый|ые){_B}(?:стек|фишки)"
        r"|стек|фишки|фишек"
    )),
    Label("venue", _label_re(
        r"venue|location|place|where|address|место(?:\s+проведения)?|где|площадка|адрес"
    ), bare=_capitalised),
    Label("venue", _label_re(
        r"casino|club|card\s*room|poker\s*room|клуб|казино|покер[\s\-]*клуб"
    ), bare=_names_a_venue),
)  # fmt: skip

# ":" and its OCR misreadings (";", "=", "|", a "." before a space), or a spaced dash.
_EXPLICIT_SEPARATOR_RE = re.compile(r"\s*(?:[:：;=|]+|[.](?=\s)|\s[-–—]\s|-(?=\s))\s*")
_BARE_SEPARATOR_RE = re.compile(r"\s+")

# Words of the labels above, to recognise them misread by a letter or two ("Toumament",
# "Гурнир", "Steck"): a word within the edit distance allowed for its length is read as the
# label word.
_LABEL_WORDS = frozenset(
    fold(word).lower()
    for word in (
        "tournament", "event", "date", "entry", "stack", "starting", "chips", "venue",
        "location", "casino", "club", "турнир", "событие", "название", "дата", "взнос",
        "комиссия", "сбор", "стартовый", "стек", "фишки", "место", "клуб", "казино",
        "проведения", "стоимость",
    )
)  # fmt: skip
_FIRST_WORD_RE = re.compile(r"([^\W\d_]+)([ \t]*)")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it is known to exceed it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char_a != char_b)))  # fmt: skip
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _allowed_typos(word: str) -> int:
    return 2 if len(word) >= 8 else 1 if len(word) >= 5 else 0


def _as_label_word(word: str, before_colon: bool) -> str | None:
    """The label word ``word`` is a misreading of, or ``None``.  A word before a colon is a
    label already by its place, so it may be misread more ("Locabon:" for "Location:")."""
    folded = fold(word).lower()
    if folded in _LABEL_WORDS:
        return None
    for label_word in _LABEL_WORDS:
        own = _allowed_typos(folded)
        limit = max(own, _allowed_typos(label_word)) if before_colon else min(own, _allowed_typos(label_word))
        if limit and edit_distance(folded, label_word, limit) <= limit:
            return label_word
    return None


def _repair_label_words(line: str) -> str:
    """``line`` with its first two words spelt as the label words they misread, if any."""
    out, pos = [], 0
    for _ in range(2):
        match = _FIRST_WORD_RE.match(line, pos)
        if match is None:
            break
        before_colon = line[match.end():match.end() + 1] in (":", "：")
        out.append((_as_label_word(match[1], before_colon) or match[1]) + match[2])
        pos = match.end()
    return "".join(out) + line[pos:]


@dataclass(frozen=True)
class Labelled:
    field: str
    value: str  # the original text after the label and its separator


def labelled(line: str) -> list[Labelled]:
    """The fields a line may be labelled as (in order), each with the value after the label;
    a misspelt label is tried only when the line as written has none."""
    line = line.lstrip(_EDGE_JUNK)
    found = _labelled_as_written(line)
    if not found and (repaired := _repair_label_words(line)) != line:
        found = _labelled_as_written(repaired)
    return found


def _labelled_as_written(line: str) -> list[Labelled]:
    folded = fold(line)
    found = []
    for label in LABELS:
        match = label.pattern.match(folded)
        if match is None:
            continue
        rest = line[match.end():]
        sep = _EXPLICIT_SEPARATOR_RE.match(rest)
        if sep is None:
            sep = _BARE_SEPARATOR_RE.match(rest)
            if sep is None or not label.bare(rest[sep.end():]):
                continue
        value = rest[sep.end():].strip()
        if value:
            found.append(Labelled(label.field, value))
    return found


# --------------------------------------------------------------------------------------------
# Dates

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


def find_date(text: str, *, labelled: bool = False) -> date | None:
    """The first date written in ``text`` in any of the usual ways, or ``None``.

    ``labelled``: the text followed a date label, so digits run together are a date too.
    """
    text = fix_digits(text)
    candidates: list[tuple[int, date]] = []
    for match in _NUMERIC_YMD_RE.finditer(text):
        found = _valid_date(int(match[1]), int(match[3]), int(match[4]))
        if found:
            candidates.append((match.start(), found))
    for match in _NUMERIC_DMY_RE.finditer(text):
        first, second, year = int(match[1]), int(match[3]), _year(match[4])
        # Day first, as in Russia and Europe; month first only when nothing else fits (3/25/2025).
        found = _valid_date(year, second, first) or (
            _valid_date(year, first, second) if match[2] == "/" else None
        )
        if found:
            candidates.append((match.start(), found))
    for match in _DAY_MONTH_YEAR_RE.finditer(text):
        month = _month_number(match[2])
        found = _valid_date(_year(match[3]), month, int(match[1])) if month else None
        if found:
            candidates.append((match.start(), found))
    for match in _MONTH_DAY_YEAR_RE.finditer(text):
        month = _month_number(match[1])
        found = _valid_date(_year(match[3]), month, int(match[2])) if month else None
        if found:
            candidates.append((match.start(), found))
    if not candidates and labelled:
        for match in _RUN_TOGETHER_DMY_RE.finditer(text):
            found = _valid_date(int(match[3]), int(match[2]), int(match[1]))
            if found:
                candidates.append((match.start(), found))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


# --------------------------------------------------------------------------------------------
# Amounts and currencies

_THOUSANDS = r"(?:[ \u00a0\u202f\u2009]|[,.'’])"
_NUMBER_RE = re.compile(
    r"(?<![\d.,])"
    rf"(?P<int>\d{{1,3}}(?:{_THOUSANDS}\d{{3}})+|\d+)"
    r"(?:(?P<sep>[.,])(?P<frac>\d{1,2}))?(?![\d])"
    r"(?:\s?(?P<mult>[kKкК](?![^\W\d_])|тыс(?:\.|яч[а-я]*)?|млн\.?|[mMмМ](?![^\W\d_])))?"
)
_CURRENCIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(fold(pattern), re.IGNORECASE))
    for code, pattern in (
        ("USD", r"\$|\busd\b|\bdollars?\b|\bдолл?"),
        ("EUR", r"€|\beur\b|\beuros?\b|\bевро\b"),
        # After an amount, rus+eng tesseract reads a Latin "RUB" as "ВОВ" or "КОВ", and the
        # ruble sign as "Р", "P" or "PB".
        ("RUB", r"₽|\bруб|\brub\b|\brur\b|(?<=\d)\s?(?:[bkpr][o0uy][b8]|pb?\.?)(?![^\W\d_])"),
        ("GBP", r"£|\bgbp\b|\bpounds?\b"),
        ("KZT", r"₸|\bkzt\b|\bтенге\b"),
        ("UAH", r"₴|\buah\b|\bгрн\b"),
    )
)
_PLUS_RE = re.compile(r"\s*(?:\+|плюс|plus)\s*", re.IGNORECASE)
_SPACED_DASH_RE = re.compile(r"\s[-–—]\s")


@dataclass(frozen=True)
class Amount:
    value: Decimal
    start: int
    end: int


def find_amounts(text: str) -> list[Amount]:
    """Every amount in ``text``: thousands separators (``1 000``, ``1,000``, ``1.000``),
    decimals (``10,50``), ``20k`` / ``20 тыс.``."""
    amounts = []
    for match in _NUMBER_RE.finditer(text):
        digits = re.sub(r"\D", "", match["int"])
        frac = match["frac"]
        # "1.000" and "1,000" are thousands; "10.5" and "10,50" decimals.
        try:
            value = Decimal(digits + ("." + frac if frac else ""))
        except InvalidOperation:  # pragma: no cover - digits only
            continue
        multiplier = (match["mult"] or "").lower()
        if multiplier[:1] in ("k", "к", "т"):
            value *= 1000
        elif multiplier[:1] in ("m", "м"):
            value *= 1_000_000
        amounts.append(Amount(value, match.start(), match.end()))
    return amounts


def find_currency(text: str) -> str | None:
    folded = fold(text)
    hits = [(m.start(), code) for code, pattern in _CURRENCIES if (m := pattern.search(folded))]
    return min(hits)[1] if hits else None


def money(value: Decimal) -> Decimal | None:
    if value < 0 or value > MAX_AMOUNT:
        return None
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Price:
    buy_in: Decimal
    fee: Decimal | None
    currency: str | None


# tesseract's Russian model has no "₽": it reads the sign as "?", "®" or "2", often glued to
# the amount ("15 0002", "200 + 2002").  Undone only where the text is Russian and no other
# currency is written, and only where the result is a well-formed amount.
_RUBLE_AS_SYMBOL_RE = re.compile(r"(?<=\d)\s?[?®]\s*$")
_RUBLE_AS_LONE_TWO_RE = re.compile(r"(?<=\d)\s2\s*$")
# A "2" glued to the last amount, when the text groups thousands with spaces: "15 0002" (a
# group of four digits) or "2 000 + 2002".
_RUBLE_GLUED_RE = re.compile(r"(?<![\d])(\d{3})2\s*$")
_SPACE_GROUPED_RE = re.compile(r"\d[ \u00a0\u202f]\d{3}(?!\d)")


def undo_ruble_misread(text: str) -> tuple[str, bool]:
    """``text`` without a misread ruble sign at its end, and whether there was one."""
    for pattern in (_RUBLE_AS_SYMBOL_RE, _RUBLE_AS_LONE_TWO_RE):
        if pattern.search(text):
            return pattern.sub("", text), True
    glued = _RUBLE_GLUED_RE.search(text)
    if glued and _SPACE_GROUPED_RE.search(text[: glued.start()] + glued[1]):
        return text[: glued.start()] + glued[1], True
    return text, False


def _amount_text(text: str, rubles_likely: bool) -> tuple[str, str | None]:
    """The text with OCR damage to its digits repaired, and the currency it names."""
    text = fix_digits(text)
    currency = find_currency(text)
    if currency is None and rubles_likely:
        text, ruble = undo_ruble_misread(text)
        currency = "RUB" if ruble else None
    return text, currency


def parse_price(text: str, *, rubles_likely: bool = False) -> Price | None:
    """``100``, ``$100 + $10``, ``1 000 + 100 ₽``, ``100 (+10)``: buy-in, fee and currency."""
    text, currency = _amount_text(text, rubles_likely)
    parts = _PLUS_RE.split(text, maxsplit=1)
    # OCR reads a "+" as "-" now and then: "5000 - 500" is a fee if it is the smaller.
    dashed = len(parts) == 1 and len(parts := _SPACED_DASH_RE.split(text, maxsplit=1)) > 1
    first = find_amounts(parts[0])
    if not first:
        return None
    buy_in = money(first[0].value)
    if buy_in is None:
        return None
    fee = None
    if len(parts) > 1:
        second = find_amounts(parts[1])
        if second:
            fee = money(second[0].value)
        if dashed and fee is not None and fee >= buy_in:
            fee = None
    return Price(buy_in, fee, currency)


def parse_fee(text: str, *, rubles_likely: bool = False) -> tuple[Decimal, str | None] | None:
    text, currency = _amount_text(text, rubles_likely)
    amounts = find_amounts(text)
    if not amounts:
        return None
    value = money(amounts[0].value)
    return None if value is None else (value, currency)


# "20 тыс." as OCR may misread it: "20 тж", "20 Thc" (a stack is never a two-digit number).
_THOUSAND_WORD_RE = re.compile(r"\s?[tт]", re.IGNORECASE)


def parse_stack(text: str) -> int | None:
    text = fix_digits(text)
    amounts = find_amounts(text)
    if not amounts:
        return None
    value = amounts[0].value
    if value < 1000 and _THOUSAND_WORD_RE.match(fold(text[amounts[0].end:])):
        value *= 1000
    if value != value.to_integral_value() or not MIN_STACK <= value <= MAX_STACK:
        return None
    return int(value)


# --------------------------------------------------------------------------------------------
# Text fields

_LETTER_RE = re.compile(r"[^\W\d_]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_GENERIC_WORDS = frozenset(
    fold(word)
    for word in (
        "ticket", "tickets", "entry", "admission", "admit", "one", "pass", "voucher", "poker",
        "tournament", "event", "live", "invitation", "receipt", "official", "the", "of", "and",
        "билет", "входной", "вход", "пропуск", "покерный", "покер", "турнирный", "турнир",
        "ваучер", "приглашение", "квитанция", "чек", "на",
    )
)  # fmt: skip
_CHIPS_RE = re.compile(fold(r"(?<![^\W\d_])(?:chips|фишек|фишки|фишка)(?![^\W\d_])"), re.IGNORECASE)


def letters(text: str) -> int:
    return len(_LETTER_RE.findall(text))


def looks_like_words(text: str) -> bool:
    """At least three letters, and mostly letters: not a smudge read as ``| ‘ ,.``."""
    visible = text.replace(" ", "")
    count = letters(text)
    return count >= 3 and count >= 0.5 * len(visible)


def clean_name(value: str) -> str | None:
    value = tidy(value)
    if not looks_like_words(value):
        return None
    return value[:MAX_NAME_CHARS].rstrip() or None


def is_generic(line: str) -> bool:
    words = re.findall(r"[^\W\d_]+", fold(line).lower())
    return bool(words) and all(word in _GENERIC_WORDS for word in words)


# --------------------------------------------------------------------------------------------
# The whole ticket


@dataclass
class _Reading:
    values: dict[str, Any] = field(default_factory=dict)
    labelled: set[str] = field(default_factory=set)  # fields found behind their label
    guessed: set[str] = field(default_factory=set)  # fields found without one
    used_lines: set[int] = field(default_factory=set)

    def put(self, name: str, value: Any, line: int, *, guessed: bool = False) -> None:
        if value is None or name in self.values:
            return
        self.values[name] = value
        (self.guessed if guessed else self.labelled).add(name)
        self.used_lines.add(line)

    def trusted(self) -> bool:
        """Enough evidence that this is a ticket at all."""
        return bool(self.labelled) or "buy_in" in self.guessed or len(self.guessed) >= 3


def _apply_label(reading: _Reading, index: int, found: Labelled, rubles_likely: bool) -> bool:
    """Store a labelled value if it parses; say whether it did."""
    before = dict(reading.values)
    if found.field == "name":
        reading.put("name", clean_name(found.value), index)
    elif found.field == "venue":
        reading.put("venue", clean_name(found.value), index)
    elif found.field == "date":
        reading.put("played_on", find_date(found.value, labelled=True), index)
    elif found.field == "buy_in":
        price = parse_price(found.value, rubles_likely=rubles_likely)
        if price is not None:
            reading.put("buy_in", price.buy_in, index)
            if price.fee is not None:
                reading.put("fee", price.fee, index)
            reading.put("currency", price.currency, index)
    elif found.field == "fee":
        fee = parse_fee(found.value, rubles_likely=rubles_likely)
        if fee is not None:
            reading.put("fee", fee[0], index)
            reading.put("currency", fee[1], index)
    elif found.field == "stack":
        reading.put("starting_stack", parse_stack(found.value), index)
    return reading.values != before or index in reading.used_lines


def _read(text: str) -> _Reading:
    lines = normalise(text)
    reading = _Reading()
    # Mostly Cyrillic: a Russian ticket, whose amounts are in rubles unless it says otherwise.
    rubles_likely = len(_CYRILLIC_RE.findall(text)) > len(_LATIN_RE.findall(text))
    labelled_lines: set[int] = set()
    for index, line in enumerate(lines):
        for found in labelled(line):
            if _apply_label(reading, index, found, rubles_likely):
                labelled_lines.add(index)
                break
    free = [(i, line) for i, line in enumerate(lines) if i not in labelled_lines]
    # Guesses, each from a line no label claimed.
    for index, line in free:
        if "played_on" not in reading.values and (found_date := find_date(line)):
            reading.put("played_on", found_date, index, guessed=True)
    for index, line in free:
        if index in reading.used_lines or "buy_in" in reading.values:
            continue
        repaired = fix_digits(line)
        if find_currency(repaired) and find_amounts(repaired) and not _CHIPS_RE.search(fold(line)):
            price = parse_price(line, rubles_likely=rubles_likely)
            if price is not None:
                reading.put("buy_in", price.buy_in, index, guessed=True)
                if price.fee is not None:
                    reading.put("fee", price.fee, index, guessed=True)
                reading.put("currency", price.currency, index, guessed=True)
    for index, line in free:
        if "starting_stack" not in reading.values and _CHIPS_RE.search(fold(line)):
            reading.put("starting_stack", parse_stack(line), index, guessed=True)
    for index, line in free:
        if index in reading.used_lines or "venue" in reading.values:
            continue
        if _VENUE_WORDS_RE.search(fold(line)) and not find_amounts(fix_digits(line)):
            reading.put("venue", clean_name(line), index, guessed=True)
    if "name" not in reading.values:
        for index, line in free:
            if index in reading.used_lines or is_generic(line):
                continue
            if find_date(line) or find_amounts(fix_digits(line)) and letters(line) < 6:
                continue
            if (name := clean_name(line)) is not None:
                reading.put("name", name, index, guessed=True)
                break
    return reading


def _valid_fields(values: dict[str, Any]) -> TicketFields:
    """The values that satisfy TicketFields' constraints, each checked on its own."""
    kept: dict[str, Any] = {}
    for name, value in values.items():
        try:
            TicketFields.model_validate({name: value})
        except ValidationError:
            continue
        kept[name] = value
    return TicketFields.model_validate(kept)


def parse_ticket(text: str) -> TicketFields:
    """The fields readable in a ticket's OCR text; all ``None`` when it does not look like one."""
    try:
        if not isinstance(text, str):
            return nothing_read()
        reading = _read(text)
        if not reading.trusted():
            return nothing_read()
        return _valid_fields(reading.values)
    except Exception:  # noqa: BLE001 - a parser bug must not lose the job: nothing read
        return nothing_read()


def nothing_read() -> TicketFields:
    """Every field ``None``."""
    return TicketFields.model_validate({})


def has_fields(fields: TicketFields) -> bool:
    return any(value is not None for value in fields.model_dump().values())

