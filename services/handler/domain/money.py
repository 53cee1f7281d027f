"""Money as exact decimals: parsing what users type and showing amounts back.

How a typed amount reads (``read_amount``; the chat's only reading of amounts):

- digits with at most two decimals after a dot or a comma: ``850``, ``850.5``, ``850,50``;
- thousands grouped by spaces (also the no-break, narrow no-break and thin spaces a phone or
  a copied number brings), by commas or by dots: ``12 500``, ``12,500``, ``12.500``, with
  decimals after the other mark: ``12,500.50``, ``12.500,50``, ``1 250,5``;
- the rule for a lone comma or dot: followed by exactly three digits it groups thousands,
  by one or two digits it is the decimal mark.  ``1,250`` and ``1.250`` are 1250, ``1,25``
  and ``1.25`` are 1.25: an amount never has three decimals, so no reading is lost;
- a currency before or after it, with or without a space (``$50``, ``50$``, ``100 EUR``,
  ``1000 руб.``; see ``currency.read_currency``), and a minus sign before it all.

At most ``MAX_AMOUNT``.  Anything else is not an amount: one reading only, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from services.handler.domain.currency import read_currency
from shared.limits import MAX_AMOUNT

CENT = Decimal("0.01")

_SPACE = "[ \u00a0\u202f\u2009]"  # the spaces that group digits: plain, no-break, narrow, thin
_FIRST = "[1-9][0-9]{0,2}"  # the first group of a grouped number: 1 to 3 digits, no leading 0
_NUMBER = re.compile(
    "(?P<int>[0-9]{1,10}"
    f"|{_FIRST}(?:{_SPACE}[0-9]{{3}}){{1,3}}(?=$|[.,][0-9]{{1,2}}$)"
    f"|{_FIRST}(?:,[0-9]{{3}}){{1,3}}(?=$|\\.[0-9]{{1,2}}$)"
    f"|{_FIRST}(?:\\.[0-9]{{3}}){{1,3}}(?=$|,[0-9]{{1,2}}$))"
    "(?:[.,](?P<frac>[0-9]{1,2}))?"
)
_SIGNS = ("-", "−", "–")
_DIGIT = re.compile("[0-9]")


class ReadAmount(NamedTuple):
    value: Decimal
    currency: str | None  # the ISO code typed with it; None when none was
    negative: bool  # a minus sign was typed before it


def parse_number(text: str) -> Decimal | None:
    """A bare number as the module docstring says (no sign, no currency); ``None`` if not one."""
    m = _NUMBER.fullmatch(text.strip())
    if not m:
        return None
    digits = re.sub("[^0-9]", "", m.group("int"))
    value = Decimal(digits + ("." + m.group("frac") if m.group("frac") else ""))
    return value if value <= MAX_AMOUNT else None


def read_amount(text: str) -> ReadAmount | None:
    """An amount with the currency and sign typed around it; ``None`` if it is not one.

    A currency on both sides must be the same one (``$100 USD``); two different are no amount.
    """
    s = text.strip()
    if len(s) > 200:
        return None
    digits = [m.start() for m in _DIGIT.finditer(s)]
    if not digits:
        return None
    before, core, after = s[: digits[0]].strip(), s[digits[0] : digits[-1] + 1], s[digits[-1] + 1 :].strip()
    negative = before.startswith(_SIGNS) or before.endswith(_SIGNS)
    if negative:
        before = (before[1:] if before.startswith(_SIGNS) else before[:-1]).strip()
    currencies = set()
    for side in (before, after):
        if side:
            code = read_currency(side)
            if code is None:
                return None
            currencies.add(code)
    value = parse_number(core)
    if value is None or len(currencies) > 1:
        return None
    return ReadAmount(value, currencies.pop() if currencies else None, negative)


def parse_amount(text: str) -> Decimal | None:
    """A non-negative amount, any currency around it ignored; ``None`` if it is not one."""
    read = read_amount(text)
    return None if read is None or read.negative else read.value


def looks_negative(text: str) -> bool:
    read = read_amount(text)
    return read is not None and read.negative


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


def format_number(value: Decimal, style: NumberStyle, places: int = 1) -> str:
    """A plain figure such as an average place: 5.3 / 5,3, 4 (zero decimals dropped)."""
    return _sign(value, places, False) + _digits(value, places, style)


def format_rate(value: Decimal, style: NumberStyle) -> str:
    """An exchange rate as exact as it was given: 0.92, 91.5, 0.00061 (0,92 in Russian)."""
    whole, _, frac = f"{value.normalize():f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", style.group)
    return grouped + (style.decimal + frac if frac else "")
