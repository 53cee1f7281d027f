"""Exchange rates a player set (/rate), and amounts in several currencies brought to one.

A rate is how much of the player's default currency one unit of another currency is worth
(``1 USD = 0.92 EUR``: rate 0.92 for USD against EUR), an exact ``Decimal`` as the player
typed it.  Converted amounts stay exact; they are rounded to cents only when shown.
Tournaments whose currency is unknown ("") cannot be converted.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.handler.domain.records import Result, Tournament

MIN_RATE = Decimal("0.00000001")
MAX_RATE = Decimal(1_000_000)  # 1 USD is worth under 100 000 of any currency in use
RATE_PLACES = 8  # numeric(18, 8)

# Plain decimal, dot or comma: 0.92, 91,5, 1 (no sign, no exponent, no grouping).
_RATE = re.compile(r"[0-9]{1,7}(?:[.,][0-9]{1,8})?")

# Roughly what one unit of the currencies /currency offers as buttons is worth in US dollars
# (late 2026, to one or two digits), only so that /rate's examples look like a rate the
# player might type (1 USD = 0.86 EUR, not 1 USD = 0.92 RUB); never used for an amount.
ROUGH_USD: Mapping[str, Decimal] = {
    "USD": Decimal(1), "EUR": Decimal("1.16"), "GBP": Decimal("1.33"), "CHF": Decimal("1.24"),
    "PLN": Decimal("0.27"), "RUB": Decimal("0.0125"), "UAH": Decimal("0.024"), "KZT": Decimal("0.0019"),
}  # fmt: skip


def parse_rate(text: str) -> Decimal | None:
    """A rate between ``MIN_RATE`` and ``MAX_RATE`` with at most 8 decimals; ``None`` if not one."""
    s = text.strip()
    if not _RATE.fullmatch(s):
        return None
    value = Decimal(s.replace(",", "."))
    return value if MIN_RATE <= value <= MAX_RATE else None


def example_code(default: str) -> str:
    """The currency /rate's examples show against ``default``: USD, or EUR for a USD player."""
    return "EUR" if default == "USD" else "USD"


def rough_rate(code: str, default: str) -> Decimal | None:
    """About how much ``default`` one ``code`` is worth, to two significant digits, for an
    example; ``None`` when either is not in ``ROUGH_USD``."""
    if code not in ROUGH_USD or default not in ROUGH_USD:
        return None
    value = ROUGH_USD[code] / ROUGH_USD[default]
    rounded = value.quantize(Decimal(1).scaleb(value.adjusted() - 1))
    return Decimal(int(rounded)) if rounded >= 10 else rounded.normalize()  # 80, not 8E+1


def convert(t: Tournament, rate: Decimal, currency: str) -> Tournament:
    """The tournament with every amount multiplied by ``rate`` and shown in ``currency``."""
    r = t.result
    return dataclasses.replace(
        t,
        currency=currency,
        buy_in=t.buy_in * rate,
        fee=t.fee * rate,
        rebuys=t.rebuys * rate,
        addons=t.addons * rate,
        result=None if r is None else Result(place=r.place, prize=r.prize * rate, bounty=r.bounty * rate),
    )


@dataclass(frozen=True)
class Combined:
    """Tournaments of several currencies brought to the default one, or why they cannot be."""

    tournaments: list[Tournament]  # converted (empty when something is missing)
    used: dict[str, Decimal]  # the rates used, by currency
    missing: list[str]  # currencies without a rate
    unknown: int  # tournaments with no currency


def combine(rows: Iterable[Tournament], default: str, rates: Mapping[str, Decimal]) -> Combined:
    """``rows`` in ``default``: possible only when every other currency has a rate and every
    tournament has a currency."""
    converted: list[Tournament] = []
    used: dict[str, Decimal] = {}
    missing: set[str] = set()
    unknown = 0
    for t in rows:
        if t.currency == default:
            converted.append(t)
        elif not t.currency:
            unknown += 1
        elif (rate := rates.get(t.currency)) is None:
            missing.add(t.currency)
        else:
            used[t.currency] = rate
            converted.append(convert(t, rate, default))
    if missing or unknown:
        converted = []
    return Combined(converted, dict(sorted(used.items())), sorted(missing), unknown)


def currency_order(currencies: Sequence[str], default: str) -> list[str]:
    """The default currency first, then the others by code, unknown ("") last."""
    return sorted(set(currencies), key=lambda c: (c != default, c == "", c))
