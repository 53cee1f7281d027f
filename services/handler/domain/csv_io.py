"""CSV export and import of a player's tournaments, as pure functions on bytes.

Export (``export_csv``): UTF-8 with a BOM (so Excel shows Cyrillic right), comma-delimited,
``\\r\\n`` line ends, one header row with ``COLUMNS`` in that order, dates ``YYYY-MM-DD``,
money as exact plain decimals with a dot (``100``, ``52.50``), empty cells for unknown values
and for the result of a tournament without one.  A text cell that a spreadsheet would take
for a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a CR, possibly after
apostrophes) gets a leading ``'``; import removes exactly that one ``'`` again.

Import (``parse_import``) accepts what export writes and what a spreadsheet makes of it:

* encoding: UTF-8 with or without BOM; otherwise Windows-1251 (what Russian Excel writes for
  "CSV (разделители — запятые)"); a UTF-16 file or one that is neither is ``import_not_utf8``;
* delimiter ``,`` or ``;`` (whichever the header line has more of); with ``;`` amounts may
  use a decimal comma (``52,50``); with ``,`` only a dot;
* spaces (also no-break spaces) between the digits of a number are ignored (``1 250,50``);
* header names case-insensitively (``Buy In`` and ``buy-in`` too), in any order; only ``date``, ``name``, ``venue`` and
  ``buy_in`` are required, a missing optional column takes the record's default;
* dates ``YYYY-MM-DD`` or ``DD.MM.YYYY``; game and format by value or alias, any case;
* cells are read with the chat's parsers and limits (``parsing``): names and venues have
  their whitespace collapsed (``parse_name``, 1..100 characters), counts via ``parse_count``
  (a starting stack may say ``20k``), game and format via ``parse_game`` / ``parse_format``;
  currency is three letters (upper-cased) or ``$ € £ ₽ руб``;
* rows whose cells are all empty are skipped; every other row is either a planned row or a
  rejected one (``RowError``), never both; the first problem of a row is reported.

File-level problems are ``ParseError`` codes (see ``parse_import``).  Neither function raises.
``parse_import(export_csv(ts))`` gives back every tournament's id, fields and result exactly,
for tournaments as the chat stores them (collapsed whitespace, amounts with at most two
decimals, a currency of three capital letters or none).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from services.handler.domain.money import parse_amount
from services.handler.domain.parsing import (
    ErrorCode,
    ParseError,
    parse_count,
    parse_date,
    parse_format,
    parse_game,
    parse_name,
)
from services.handler.domain.records import (
    Format,
    Game,
    Result,
    Tournament,
    TournamentFields,
)
from shared.limits import (
    MAX_ENTRIES,
    MAX_FIELD,
    MAX_PLACE,
    MAX_STACK,
    MAX_YEAR,
    MIN_YEAR,
)

COLUMNS: tuple[str, ...] = (
    "id", "date", "name", "venue", "currency", "game", "format", "buy_in", "fee", "entries",
    "rebuys", "addons", "field_size", "starting_stack", "place", "prize", "bounty",
)  # fmt: skip
REQUIRED: tuple[str, ...] = ("date", "name", "venue", "buy_in")

MAX_ROWS = 5000
MAX_BYTES = 1_048_576
MAX_ID = 2**63 - 1
MAX_ERROR_VALUE = 50  # longer offending cells are cut in RowError.value
MAX_HEADER_PROBLEMS = 10  # at most this many names in import_bad_header's value
CENT = Decimal("0.01")

CURRENCY_ALIASES: dict[str, str] = {
    "$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "руб": "RUB", "руб.": "RUB", "р": "RUB",
}  # fmt: skip

# Characters a spreadsheet reads as the start of a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_GUARD = "'"
_TEXT_COLUMNS = ("name", "venue", "currency")

# ASCII digits only: \d also accepts digits of other scripts.
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_ID = re.compile(r"[0-9]{1,19}")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_HEADER_SEPARATORS = re.compile(r"[\s\-]+")
_NUMBER_SPACES = re.compile(r"(?<=[0-9])[ \u00a0\u202f](?=[0-9])")


# --------------------------------------------------------------------------------------- export


def _needs_guard(text: str) -> bool:
    return text.lstrip(_GUARD).startswith(_FORMULA_START)


def guard_cell(text: str) -> str:
    """``=1+1`` -> ``'=1+1``; also ``'=x`` -> ``''=x`` so that ``unguard_cell`` is its inverse."""
    return _GUARD + text if _needs_guard(text) else text


def unguard_cell(text: str) -> str:
    if text.startswith(_GUARD) and _needs_guard(text[1:]):
        return text[1:]
    return text


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


# --------------------------------------------------------------------------------------- import


class FileError(StrEnum):
    """Why a whole file is refused (see ``parse_import``)."""

    TOO_LARGE = "import_too_large"
    NOT_UTF8 = "import_not_utf8"
    EMPTY = "import_empty"
    BAD_HEADER = "import_bad_header"
    TOO_MANY_ROWS = "import_too_many_rows"
    MALFORMED = "import_malformed"


class RowProblem(StrEnum):
    """Why one row of a file is refused; ``UNKNOWN_ID`` is found when the rows are stored."""

    UNKNOWN_ID = "unknown_id"
    BAD_ID = "bad_id"
    DUPLICATE_ID = "duplicate_id"
    BAD_DATE = "bad_date"
    BAD_NAME = "bad_name"
    BAD_VENUE = "bad_venue"
    MISSING_VALUE = "missing_value"
    BAD_AMOUNT = "bad_amount"
    NEGATIVE_AMOUNT = "negative_amount"
    BAD_PLACE = "bad_place"
    BAD_ENTRIES = "bad_entries"
    BAD_FIELD_SIZE = "bad_field_size"
    BAD_STARTING_STACK = "bad_starting_stack"
    BAD_CURRENCY = "bad_currency"
    BAD_GAME = "bad_game"
    BAD_FORMAT = "bad_format"
    RESULT_INCOMPLETE = "result_incomplete"
    TOO_MANY_COLUMNS = "too_many_columns"


@dataclass(frozen=True)
class ImportRow:
    line: int  # 1-based line of the file where the row starts (the header is line 1)
    id: int | None  # None: a new tournament
    fields: TournamentFields
    result: Result | None


@dataclass(frozen=True)
class RowError:
    line: int
    code: RowProblem
    value: str = ""


@dataclass(frozen=True)
class ImportPlan:
    rows: list[ImportRow] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)


class _Reject(Exception):
    def __init__(self, code: RowProblem, value: str) -> None:
        super().__init__(code)
        self.code = code
        self.value = _shorten(value)


def _shorten(value: str) -> str:
    return value if len(value) <= MAX_ERROR_VALUE else value[: MAX_ERROR_VALUE - 1] + "…"


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 ("Unicode text" from Excel)
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        return None


def _sniff_delimiter(text: str) -> str:
    first = re.split(r"\r\n|\r|\n", text.lstrip("\r\n"), maxsplit=1)[0]
    return ";" if first.count(";") > first.count(",") else ","


class _Row:
    """One data row's cells by column name, with the parsers of each kind of cell."""

    def __init__(self, cells: dict[str, str], decimal_comma: bool) -> None:
        self.cells = cells
        self.decimal_comma = decimal_comma

    def raw(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def text(self, column: str) -> str:
        value = self.cells.get(column, "").strip()
        return unguard_cell(value) if column in _TEXT_COLUMNS else value

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value.strip():
            raise _Reject(RowProblem.MISSING_VALUE, column)
        return value

    def amount(self, column: str, default: Decimal | None) -> Decimal | None:
        text = self.raw(column)
        if not text:
            return default
        s = _NUMBER_SPACES.sub("", text)
        if s.startswith(("-", "−")):
            if _parse_csv_amount(s[1:], self.decimal_comma) is not None:
                raise _Reject(RowProblem.NEGATIVE_AMOUNT, text)
            raise _Reject(RowProblem.BAD_AMOUNT, text)
        value = _parse_csv_amount(s, self.decimal_comma)
        if value is None:
            raise _Reject(RowProblem.BAD_AMOUNT, text)
        return value

    def integer(self, column: str, low: int, high: int, code: RowProblem, thousands: bool = False) -> int | None:
        text = self.raw(column)
        if not text:
            return None
        s = _NUMBER_SPACES.sub("", text)
        if thousands:  # 20k / 20к, as the edit step takes a starting stack
            s = s.lower().replace("k", "000").replace("к", "000")
        value = parse_count(s, low, high, code)
        if isinstance(value, ParseError):
            raise _Reject(code, text)
        return value

    def id(self) -> int | None:
        text = self.raw("id")
        if not text:
            return None
        if not _ID.fullmatch(text) or not 1 <= int(text) <= MAX_ID:
            raise _Reject(RowProblem.BAD_ID, text)
        return int(text)


def _parse_csv_amount(text: str, decimal_comma: bool) -> Decimal | None:
    s = text.strip()
    if "," in s:
        if not decimal_comma or "." in s:
            return None
        s = s.replace(",", ".")
    return parse_amount(s)


def _parse_csv_date(text: str) -> date | None:
    if m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
        try:
            value = date(year, month, day)
        except ValueError:
            return None
        return value if MIN_YEAR <= year <= MAX_YEAR else None
    parsed = parse_date(text)
    return None if isinstance(parsed, ParseError) else parsed


def _parse_row(row: _Row) -> tuple[TournamentFields, Result | None]:
    # Checked in column order (after the id), so the first problem reported is the leftmost one.
    date_text = row.required("date")
    played_on = _parse_csv_date(date_text)
    if played_on is None:
        raise _Reject(RowProblem.BAD_DATE, date_text)

    name = parse_name(row.required("name"), ErrorCode.BAD_NAME)
    if isinstance(name, ParseError):
        raise _Reject(RowProblem.BAD_NAME, row.text("name"))
    venue = parse_name(row.required("venue"), ErrorCode.BAD_VENUE)
    if isinstance(venue, ParseError):
        raise _Reject(RowProblem.BAD_VENUE, row.text("venue"))

    currency_text = row.text("currency")
    currency = CURRENCY_ALIASES.get(currency_text.casefold(), currency_text.upper())
    if currency and not _CURRENCY.fullmatch(currency):
        raise _Reject(RowProblem.BAD_CURRENCY, currency_text)

    game_text = row.raw("game")
    game = parse_game(game_text) if game_text else Game.NLHE
    if isinstance(game, ParseError):
        raise _Reject(RowProblem.BAD_GAME, game_text)
    format_text = row.raw("format")
    fmt = parse_format(format_text) if format_text else Format.FREEZEOUT
    if isinstance(fmt, ParseError):
        raise _Reject(RowProblem.BAD_FORMAT, format_text)

    row.required("buy_in")
    buy_in = row.amount("buy_in", None)
    assert buy_in is not None
    fee = row.amount("fee", Decimal(0))
    entries = row.integer("entries", 1, MAX_ENTRIES, RowProblem.BAD_ENTRIES)
    rebuys = row.amount("rebuys", Decimal(0))
    addons = row.amount("addons", Decimal(0))
    field_size = row.integer("field_size", 1, MAX_FIELD, RowProblem.BAD_FIELD_SIZE)
    starting_stack = row.integer("starting_stack", 0, MAX_STACK, RowProblem.BAD_STARTING_STACK, thousands=True)
    place = row.integer("place", 1, MAX_PLACE, RowProblem.BAD_PLACE)
    prize = row.amount("prize", None)
    bounty = row.amount("bounty", None)
    assert fee is not None and rebuys is not None and addons is not None

    result: Result | None = None
    if place is not None and prize is not None:
        result = Result(place=place, prize=prize, bounty=bounty if bounty is not None else Decimal(0))
    elif place is not None or prize is not None or bounty is not None:
        missing = [c for c, v in (("place", place), ("prize", prize)) if v is None]
        raise _Reject(RowProblem.RESULT_INCOMPLETE, ", ".join(missing))

    fields_ = TournamentFields(
        name=name,
        played_on=played_on,
        venue=venue,
        buy_in=buy_in,
        fee=fee,
        currency=currency,
        game=game,
        format=fmt,
        entries=entries if entries is not None else 1,
        rebuys=rebuys,
        addons=addons,
        field_size=field_size,
        starting_stack=starting_stack,
    )
    return fields_, result


def _column_name(header_cell: str) -> str:
    """``Buy In`` / ``buy-in`` / ``BUY_IN`` -> ``buy_in``."""
    return _HEADER_SEPARATORS.sub("_", header_cell.strip().lstrip("\ufeff").strip().casefold())


def _check_header(names: list[str]) -> list[str]:
    """The offending column names: missing required ones, then unknown or repeated ones."""
    present = [n for n in names if n]
    problems = [c for c in REQUIRED if c not in present]
    seen: set[str] = set()
    for n in present:
        if n not in COLUMNS or n in seen:
            problems.append(n)
        seen.add(n)
    return problems


def parse_import(
    data: bytes, *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES
) -> ImportPlan | ParseError[FileError]:
    """Read a CSV file into the tournaments it holds and the rows it has to reject.

    File-level errors (``ParseError.code``, a ``FileError``, and ``value``):

    * ``import_too_large``: more than ``max_bytes`` bytes (checked first); value empty
    * ``import_not_utf8``: neither UTF-8 nor Windows-1251 text (e.g. UTF-16); value empty
    * ``import_empty``: no header, or a header and no non-empty row; value empty
    * ``import_bad_header``: required columns missing, unknown or repeated columns; value:
      those names, comma-separated (``"buy_in, price"``)
    * ``import_too_many_rows``: more than ``max_rows`` non-empty data rows; value: ``max_rows``
    * ``import_malformed``: the CSV cannot be read (a cell over 128 KiB); value: the line
    """
    if len(data) > max_bytes:
        return ParseError(FileError.TOO_LARGE)
    text = _decode(data)
    if text is None:
        return ParseError(FileError.NOT_UTF8)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    last_line = 0
    try:
        for cells in reader:
            line = last_line + 1
            last_line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = cells
                continue
            records.append((line, cells))
            if len(records) > max_rows:
                return ParseError(FileError.TOO_MANY_ROWS, str(max_rows))
    except csv.Error:
        return ParseError(FileError.MALFORMED, str(last_line + 1))

    if header is None:
        return ParseError(FileError.EMPTY)
    names = [_column_name(h) for h in header]
    problems = _check_header(names)
    if problems:
        shown = [_shorten(p) for p in problems[:MAX_HEADER_PROBLEMS]]
        return ParseError(FileError.BAD_HEADER, ", ".join(shown) + (", …" if len(problems) > len(shown) else ""))
    if not records:
        return ParseError(FileError.EMPTY)

    plan = ImportPlan()
    seen_ids: set[int] = set()
    for line, cells in records:
        extra = cells[len(names) :]
        named = {n: c for n, c in zip(names, cells, strict=False) if n}
        unnamed = [c for n, c in zip(names, cells, strict=False) if not n]
        if any(c.strip() for c in extra + unnamed):
            plan.rejected.append(RowError(line, RowProblem.TOO_MANY_COLUMNS, str(len(cells))))
            continue
        row = _Row(named, decimal_comma=delimiter == ";")
        try:
            # A repeated id rejects every row but the first that has it, valid or not.
            tid = row.id()
            if tid is not None:
                if tid in seen_ids:
                    raise _Reject(RowProblem.DUPLICATE_ID, str(tid))
                seen_ids.add(tid)
            fields_, result = _parse_row(row)
        except _Reject as e:
            plan.rejected.append(RowError(line, e.code, e.value))
            continue
        plan.rows.append(ImportRow(line=line, id=tid, fields=fields_, result=result))
    return plan
