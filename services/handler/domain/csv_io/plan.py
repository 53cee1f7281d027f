"""What reading a CSV file yields: the rows to store, the rows refused and why, or why the
whole file is refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from services.handler.domain.records import Result, TournamentFields


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
