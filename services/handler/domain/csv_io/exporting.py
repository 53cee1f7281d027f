"""Writing a player's tournaments as the CSV file /export sends."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from services.handler.domain.csv_io.cells import COLUMNS, guard_cell
from services.handler.domain.records import Tournament

CENT = Decimal("0.01")


def format_csv_amount(value: Decimal) -> str:
    """Exact plain decimal with a dot: ``100``, ``52.50``, ``0.125`` (never an exponent)."""
    if value == value.to_integral_value():
        return format(value.to_integral_value(), "f")
    try:
        cents = value.quantize(CENT)
    except InvalidOperation:  # more digits than the context holds: not a real amount
        return format(value, "f")
    return format(cents if cents == value else value.normalize(), "f")


def _optional_int(value: int | None) -> str:
    return "" if value is None else str(value)


def export_row(t: Tournament) -> list[str]:
    r = t.result
    return [
        str(t.id),
        t.played_on.isoformat(),
        guard_cell(t.name),
        guard_cell(t.venue),
        guard_cell(t.currency),
        t.game.value,
        t.format.value,
        format_csv_amount(t.buy_in),
        format_csv_amount(t.fee),
        str(t.entries),
        format_csv_amount(t.rebuys),
        format_csv_amount(t.addons),
        _optional_int(t.field_size),
        _optional_int(t.starting_stack),
        "" if r is None else str(r.place),
        "" if r is None else format_csv_amount(r.prize),
        "" if r is None else format_csv_amount(r.bounty),
    ]


def export_csv(tournaments: Sequence[Tournament]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for t in tournaments:
        writer.writerow(export_row(t))
    # A lone surrogate cannot be encoded; it becomes "?" rather than failing the export.
    return ("\ufeff" + buf.getvalue()).encode("utf-8", errors="replace")
