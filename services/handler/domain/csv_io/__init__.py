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

Modules: ``cells`` (columns, the formula guard), ``exporting`` (``export_csv``), ``plan`` (what
an import yields and its error codes), ``rows`` (one data row's cells read and checked),
``importing`` (``parse_import``: encoding, delimiter, header, rows).
"""

from services.handler.domain.csv_io.cells import (
    COLUMNS,
    REQUIRED,
    guard_cell,
    unguard_cell,
)
from services.handler.domain.csv_io.exporting import export_csv, format_csv_amount
from services.handler.domain.csv_io.importing import MAX_BYTES, MAX_ROWS, parse_import
from services.handler.domain.csv_io.plan import (
    FileError,
    ImportPlan,
    ImportRow,
    RowError,
    RowProblem,
)
from services.handler.domain.csv_io.rows import MAX_ERROR_VALUE

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ERROR_VALUE",
    "MAX_ROWS",
    "REQUIRED",
    "FileError",
    "ImportPlan",
    "ImportRow",
    "RowError",
    "RowProblem",
    "export_csv",
    "format_csv_amount",
    "guard_cell",
    "parse_import",
    "unguard_cell",
]
