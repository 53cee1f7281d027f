"""Money as exact decimals: parsing what users type and showing amounts back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shared.limits import MAX_AMOUNT

CENT = Decimal("0.01")

# 850, 850.5, 850,50 (decimal comma), 1,250.50 / 1.250,50 are not accepted: one reading only.
_PLAIN = re.compile(r"[0-9]{1,10}(?:[.,][0-9]{1,2})?")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?")


def parse_amount(text: str) -> Decimal | None:
    """Parse a non-negative amount with at most two decimals; ``None`` if it is not one."""
    s = text.strip().lstrip("$€₽£").rstrip("$€₽£").strip()
    if _PLAIN.fullmatch(s):
        value = Decimal(s.replace(",", "."))
    elif _GROUPED.fullmatch(s):
        value = Decimal(s.replace(",", ""))
    else:
        return None
    return value if value <= MAX_AMOUNT else None


def looks_negative(text: str) -> bool:
    s = text.strip()
    return s.startswith(("-", "−")) and parse_amount(s[1:]) is not None


@dataclass(frozen=True)
class NumberStyle:
    """How one language writes numbers and amounts of money (each catalogue has one,
    ``Catalogue.numbers``): English ``12,500.50`` and ``€1,250.50``, Russian ``12 500,50`` (a
    no-break space between thousands, a decimal comma) and ``1 250,50 €``.  Amounts are rounded
    to cents only when shown; the CSV export writes plain numbers instead (``csv_io.exporting``).
    """

    decimal: str  # the decimal separator
    group: str  # between groups of three digits
    symbol_first: bool  # a currency symbol before the number ($100) or after it (100 $)


EN_NUMBERS = NumberStyle(decimal=".", group=",", symbol_first=True)
RU_NUMBERS = NumberStyle(decimal=",", group="\u00a0", symbol_first=False)  # no-break space

# Shown as their sign; every other currency is shown as its ISO code after the number.
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "RUB": "₽", "GBP": "£"}


def _digits(value: Decimal, places: int, style: NumberStyle) -> str:
    """|value| rounded to ``places`` decimals, grouped; trailing zero decimals dropped."""
    q = abs(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{q:f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", style.group)
    if not frac or int(frac) == 0:
        return grouped
    return grouped + style.decimal + frac


def _sign(value: Decimal, places: int, signed: bool) -> str:
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if q < 0:
        return "-"
    return "+" if signed and q > 0 else ""


def format_amount(value: Decimal, style: NumberStyle) -> str:
    """750 -> '750', 12.5 -> '12.50', 12500.5 -> '12,500.50' / '12 500,50' (no sign for >= 0)."""
    return _sign(value, 2, False) + _digits(value, 2, style)


def format_signed(value: Decimal, style: NumberStyle) -> str:
    """A profit: '+750', '-30', '0'."""
    return _sign(value, 2, True) + _digits(value, 2, style)


def format_money(value: Decimal, currency: str, style: NumberStyle, signed: bool = False) -> str:
    """An amount with its currency: '€1,250.50', '-$30', '1,250 CHF'; '1 250,50 €', '+200 ₽'.

    ``currency`` "" (not known) shows the number alone.
    """
    sign = _sign(value, 2, signed)
    number = _digits(value, 2, style)
    symbol = CURRENCY_SYMBOLS.get(currency)
    if not currency:
        return sign + number
    if symbol is None:
        return f"{sign}{number}\u00a0{currency}"
    if style.symbol_first:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number}\u00a0{symbol}"


def format_percent(value: Decimal | None, style: NumberStyle) -> str:
    """ROI-style percentage with one decimal, dropped when zero: +750%, +33.3% / +33,3%, n/a as '—'."""
    if value is None:
        return "—"
    return _sign(value, 1, True) + _digits(value, 1, style) + "%"


def format_rate(value: Decimal, style: NumberStyle) -> str:
    """An exchange rate as exact as it was given: 0.92, 91.5, 0.00061 (0,92 in Russian)."""
    whole, _, frac = f"{value.normalize():f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", style.group)
    return grouped + (style.decimal + frac if frac else "")
