"""The file's columns, and the guard that keeps a text cell from being read as a formula by
a spreadsheet (CSV injection)."""

from __future__ import annotations

COLUMNS: tuple[str, ...] = (
    "id", "date", "name", "venue", "currency", "game", "format", "buy_in", "fee", "entries",
    "rebuys", "addons", "field_size", "starting_stack", "place", "prize", "bounty",
)  # fmt: skip
REQUIRED: tuple[str, ...] = ("date", "name", "venue", "buy_in")

# Characters a spreadsheet reads as the start of a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_GUARD = "'"
TEXT_COLUMNS = ("name", "venue", "currency")


def _needs_guard(text: str) -> bool:
    return text.lstrip(_GUARD).startswith(_FORMULA_START)


def guard_cell(text: str) -> str:
    """``=1+1`` -> ``'=1+1``; also ``'=x`` -> ``''=x`` so that ``unguard_cell`` is its inverse."""
    return _GUARD + text if _needs_guard(text) else text


def unguard_cell(text: str) -> str:
    if text.startswith(_GUARD) and _needs_guard(text[1:]):
        return text[1:]
    return text
