"""One data row of an imported file: its cells read with the chat's parsers and limits, into a
tournament (and maybe its result) or the first problem, leftmost first."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from services.handler.domain.csv_io.cells import TEXT_COLUMNS, unguard_cell
from services.handler.domain.csv_io.plan import RowProblem
from services.handler.domain.currency import read_currency
from services.handler.domain.parsing import (
    ErrorCode,
    ParseError,
    parse_count,
    parse_date,
    parse_format,
    parse_game,
    parse_name,
)
from services.handler.domain.records import Format, Game, Result, TournamentFields
from shared.limits import (
    MAX_AMOUNT,
    MAX_ENTRIES,
    MAX_FIELD,
    MAX_PLACE,
    MAX_STACK,
    MAX_YEAR,
    MIN_YEAR,
)

MAX_ID = 2**63 - 1
MAX_ERROR_VALUE = 50  # longer offending cells are cut in RowError.value

# ASCII digits only: \d also accepts digits of other scripts.
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_ID = re.compile(r"[0-9]{1,19}")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_NUMBER_SPACES = re.compile(r"(?<=[0-9])[ \u00a0\u202f\u2009](?=[0-9])")
# A file's amount: its decimal mark known (the file's), so stricter than the chat's reading
# (money.read_amount), where 1,250 is 1250: here it is 1.25 in a file with decimal commas.
_CSV_AMOUNT = re.compile(r"[$€₽£]?\s*([0-9]{1,10}(?:\.[0-9]{1,2})?)\s*[$€₽£]?")


class Reject(Exception):
    def __init__(self, code: RowProblem, value: str) -> None:
        super().__init__(code)
        self.code = code
        self.value = shorten(value)


def shorten(value: str) -> str:
    return value if len(value) <= MAX_ERROR_VALUE else value[: MAX_ERROR_VALUE - 1] + "…"


class Row:
    """One data row's cells by column name, with the parsers of each kind of cell."""

    def __init__(self, cells: dict[str, str], decimal_comma: bool) -> None:
        self.cells = cells
        self.decimal_comma = decimal_comma

    def raw(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def text(self, column: str) -> str:
        value = self.cells.get(column, "").strip()
        return unguard_cell(value) if column in TEXT_COLUMNS else value

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value.strip():
            raise Reject(RowProblem.MISSING_VALUE, column)
        return value

    def amount(self, column: str, default: Decimal | None) -> Decimal | None:
        text = self.raw(column)
        if not text:
            return default
        s = _NUMBER_SPACES.sub("", text)
        if s.startswith(("-", "−")):
            if _parse_csv_amount(s[1:], self.decimal_comma) is not None:
                raise Reject(RowProblem.NEGATIVE_AMOUNT, text)
            raise Reject(RowProblem.BAD_AMOUNT, text)
        value = _parse_csv_amount(s, self.decimal_comma)
        if value is None:
            raise Reject(RowProblem.BAD_AMOUNT, text)
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
            raise Reject(code, text)
        return value

    def id(self) -> int | None:
        text = self.raw("id")
        if not text:
            return None
        if not _ID.fullmatch(text) or not 1 <= int(text) <= MAX_ID:
            raise Reject(RowProblem.BAD_ID, text)
        return int(text)


def _parse_csv_amount(text: str, decimal_comma: bool) -> Decimal | None:
    s = text.strip()
    if "," in s:
        if not decimal_comma or "." in s:
            return None
        s = s.replace(",", ".")
    m = _CSV_AMOUNT.fullmatch(s)
    value = None if m is None else Decimal(m.group(1))
    return value if value is not None and value <= MAX_AMOUNT else None


def _parse_csv_date(text: str) -> date | None:
    if m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
        try:
            value = date(year, month, day)
        except ValueError:
            return None
        return value if MIN_YEAR <= year <= MAX_YEAR else None
    parsed = parse_date(text)  # no ``today``: a file is not a chat, its dates keep their year
    return None if isinstance(parsed, ParseError) else parsed


def parse_row(row: Row) -> tuple[TournamentFields, Result | None]:
    # Checked in column order (after the id), so the first problem reported is the leftmost one.
    date_text = row.required("date")
    played_on = _parse_csv_date(date_text)
    if played_on is None:
        raise Reject(RowProblem.BAD_DATE, date_text)

    name = parse_name(row.required("name"), ErrorCode.BAD_NAME)
    if isinstance(name, ParseError):
        raise Reject(RowProblem.BAD_NAME, row.text("name"))
    venue = parse_name(row.required("venue"), ErrorCode.BAD_VENUE)
    if isinstance(venue, ParseError):
        raise Reject(RowProblem.BAD_VENUE, row.text("venue"))

    currency_text = row.text("currency")
    currency = read_currency(currency_text) or currency_text.upper()
    if currency and not _CURRENCY.fullmatch(currency):
        raise Reject(RowProblem.BAD_CURRENCY, currency_text)

    game_text = row.raw("game")
    game = parse_game(game_text) if game_text else Game.NLHE
    if isinstance(game, ParseError):
        raise Reject(RowProblem.BAD_GAME, game_text)
    format_text = row.raw("format")
    fmt = parse_format(format_text) if format_text else Format.FREEZEOUT
    if isinstance(fmt, ParseError):
        raise Reject(RowProblem.BAD_FORMAT, format_text)

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
        raise Reject(RowProblem.RESULT_INCOMPLETE, ", ".join(missing))

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
