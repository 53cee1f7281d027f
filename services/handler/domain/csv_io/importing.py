"""Reading a CSV file into an import plan: size, encoding, delimiter and header checks, then
each row (``rows``), a repeated id refused after its first row."""

from __future__ import annotations

import csv
import io
import re

from services.handler.domain.csv_io.cells import COLUMNS, REQUIRED
from services.handler.domain.csv_io.plan import (
    FileError,
    ImportPlan,
    ImportRow,
    RowError,
    RowProblem,
)
from services.handler.domain.csv_io.rows import Reject, Row, parse_row, shorten
from services.handler.domain.parsing import ParseError

MAX_ROWS = 5000
MAX_BYTES = 1_048_576
MAX_HEADER_PROBLEMS = 10  # at most this many names in each list of import_bad_header

_HEADER_SEPARATORS = re.compile(r"[\s\-]+")


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


def _column_name(header_cell: str) -> str:
    """``Buy In`` / ``buy-in`` / ``BUY_IN`` -> ``buy_in``."""
    return _HEADER_SEPARATORS.sub("_", header_cell.strip().lstrip("\ufeff").strip().casefold())


def _check_header(names: list[str]) -> tuple[list[str], list[str]]:
    """The required columns missing, and the unknown or repeated column names (as written)."""
    present = [n for n in names if n]
    missing = [c for c in REQUIRED if c not in present]
    unknown: list[str] = []
    seen: set[str] = set()
    for n in present:
        if n not in COLUMNS or n in seen:
            unknown.append(n)
        seen.add(n)
    return missing, unknown


def _listed(names: list[str]) -> str:
    shown = [shorten(p) for p in names[:MAX_HEADER_PROBLEMS]]
    return ", ".join(shown) + (", …" if len(names) > len(shown) else "")


Records = list[tuple[int, list[str]]]  # (line where the row starts, its cells)


def _records(
    text: str, delimiter: str, max_rows: int
) -> tuple[list[str] | None, Records] | ParseError[FileError]:
    """The header (the first non-empty row; None if there is none) and the non-empty rows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: Records = []
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
    return header, records


def _plan(names: list[str], records: Records, decimal_comma: bool) -> ImportPlan:
    """Each row planned or rejected; a repeated id rejects every row but the first that has it,
    valid or not."""
    plan = ImportPlan()
    seen_ids: set[int] = set()
    for line, cells in records:
        extra = cells[len(names) :]
        named = {n: c for n, c in zip(names, cells, strict=False) if n}
        unnamed = [c for n, c in zip(names, cells, strict=False) if not n]
        if any(c.strip() for c in extra + unnamed):
            plan.rejected.append(RowError(line, RowProblem.TOO_MANY_COLUMNS, str(len(cells))))
            continue
        row = Row(named, decimal_comma=decimal_comma)
        try:
            tid = row.id()
            if tid is not None:
                if tid in seen_ids:
                    raise Reject(RowProblem.DUPLICATE_ID, str(tid))
                seen_ids.add(tid)
            fields_, result = parse_row(row)
        except Reject as e:
            plan.rejected.append(RowError(line, e.code, e.value))
            continue
        plan.rows.append(ImportRow(line=line, id=tid, fields=fields_, result=result))
    return plan


def parse_import(
    data: bytes, *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES
) -> ImportPlan | ParseError[FileError]:
    """Read a CSV file into the tournaments it holds and the rows it has to reject.

    File-level errors (``ParseError.code``, a ``FileError``, and ``value``):

    * ``import_too_large``: more than ``max_bytes`` bytes (checked first); value empty
    * ``import_not_utf8``: neither UTF-8 nor Windows-1251 text (e.g. UTF-16); value empty
    * ``import_empty``: no header, or a header and no non-empty row; value empty
    * ``import_bad_header``: required columns missing, unknown or repeated columns; value:
      the missing required ones, ``field``: the unknown or repeated ones, each comma-separated
      (``"buy_in"``, ``"price"``) or empty
    * ``import_too_many_rows``: more than ``max_rows`` non-empty data rows; value: ``max_rows``
    * ``import_malformed``: the CSV cannot be read (a cell over 128 KiB); value: the line
    """
    if len(data) > max_bytes:
        return ParseError(FileError.TOO_LARGE)
    text = _decode(data)
    if text is None:
        return ParseError(FileError.NOT_UTF8)
    delimiter = _sniff_delimiter(text)
    read = _records(text, delimiter, max_rows)
    if isinstance(read, ParseError):
        return read
    header, records = read
    if header is None:
        return ParseError(FileError.EMPTY)
    names = [_column_name(h) for h in header]
    missing, unknown = _check_header(names)
    if missing or unknown:
        return ParseError(FileError.BAD_HEADER, _listed(missing), _listed(unknown))
    if not records:
        return ParseError(FileError.EMPTY)
    return _plan(names, records, decimal_comma=delimiter == ";")
