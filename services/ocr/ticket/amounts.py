"""Amounts, currencies and chip counts: the buy-in and fee (``$100 + $10``, ``1 000 + 100 ₽``),
a fee on its own line and the starting stack (``20 000``, ``20k``, ``20 тыс.``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from services.ocr.ticket.text import fix_digits, fold
from shared.limits import MAX_AMOUNT, MAX_STACK

MIN_STACK = 100  # fewer chips is a misread (a level or a table number), not a stack
CENT = Decimal("0.01")

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
