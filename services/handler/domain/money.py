"""Money as exact decimals: parsing what users type and showing amounts back."""

from __future__ import annotations

import re
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


def format_amount(value: Decimal) -> str:
    """750 -> '750', 12.5 -> '12.50'."""
    q = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return str(q.quantize(Decimal(1))) if q == q.to_integral_value() else str(q)


def format_signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + format_amount(value)


def format_percent(value: Decimal | None) -> str:
    """ROI-style percentage with one decimal, dropped when zero: 750%, 33.3%, n/a as '—'."""
    if value is None:
        return "—"
    q = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = str(q.quantize(Decimal(1))) if q == q.to_integral_value() else str(q)
    return f"{'+' if q > 0 else ''}{text}%"
