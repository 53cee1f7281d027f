"""/export sends every tournament as a CSV document; a CSV sent back imports it.

An import is all or nothing: if any row is wrong, or names a tournament that is not the
player's, nothing is stored and the reply lists every row to fix, by line.  Rows with an id
update that tournament (or are counted unchanged when they hold what is stored); rows without
one add a tournament.  A ``.txt`` or ``text/plain`` file is read as CSV too.
"""

from __future__ import annotations

from services.handler.conversation.context import Context
from services.handler.conversation.flows import ticket
from services.handler.domain import csv_io
from services.handler.domain.parsing import ParseError

MAX_IMPORT_BYTES = 1_048_576
MAX_LISTED_ERRORS = 10
CSV_TYPES = {"text/csv", "text/comma-separated-values", "application/csv", "text/plain",
             "application/vnd.ms-excel"}


async def export(ctx: Context) -> None:
    rows = await ctx.tracker.all(ctx.user_id)
    if not rows:
        ctx.say(ctx.texts.tournaments_empty)
        return
    filename = f"pokertracker-{ctx.today.isoformat()}.csv"
    ctx.send_document(
        csv_io.export_csv(rows), filename, "text/csv", ctx.texts.export_caption.format(count=len(rows))
    )


def is_csv(file_name: str, mime_type: str) -> bool:
    return file_name.lower().endswith((".csv", ".txt")) or mime_type in CSV_TYPES


async def on_document(ctx: Context) -> None:
    doc = ctx.incoming.attachment
    assert doc is not None
    if doc.is_image:
        await ticket.on_photo(ctx)
        return
    if not is_csv(doc.file_name, doc.mime_type):
        ctx.say(ctx.texts.document_unsupported)
        return
    if doc.file_size is not None and doc.file_size > MAX_IMPORT_BYTES:
        ctx.say(ctx.texts.import_errors[csv_io.FileError.TOO_LARGE].format(value=""))
        return
    data = await ctx.files.download(doc.file_id, MAX_IMPORT_BYTES)
    if data is None:
        ctx.say(ctx.texts.import_unavailable)
        return
    plan = csv_io.parse_import(data, max_bytes=MAX_IMPORT_BYTES)
    if isinstance(plan, ParseError):
        _refuse_file(ctx, plan)
        return
    # Every problem at once: the cells' and the ids that are not the player's.
    problems = [(e.line, e.code, e.value) for e in plan.rejected]
    problems += await _unknown_ids(ctx, plan.rows)
    if not problems:
        outcome = await ctx.tracker.import_rows(ctx.player, plan.rows, ctx.incoming.update_id)
        if outcome.applied:
            texts = ctx.texts
            ctx.say(texts.import_done.format(added=outcome.added, updated=outcome.updated, unchanged=outcome.unchanged))
            return
        problems = [(line, csv_io.RowProblem.UNKNOWN_ID, str(i)) for line, i in outcome.unknown_ids]
    _refuse(ctx, problems, total=len(plan.rows) + len(plan.rejected))


async def _unknown_ids(ctx: Context, rows: list[csv_io.ImportRow]) -> list[tuple[int, csv_io.RowProblem, str]]:
    """The rows naming an id that is none of the player's tournaments (the tracker refuses them)."""
    if not any(r.id is not None for r in rows):
        return []
    mine = {t.id for t in await ctx.tracker.all(ctx.user_id)}
    return [(r.line, csv_io.RowProblem.UNKNOWN_ID, str(r.id)) for r in rows if r.id is not None and r.id not in mine]


def _refuse_file(ctx: Context, error: ParseError[csv_io.FileError]) -> None:
    texts = ctx.texts
    if error.code is not csv_io.FileError.BAD_HEADER:
        ctx.say(texts.import_errors[error.code].format(value=error.value))
        return
    lines = [texts.import_errors[error.code].format(value=",".join(csv_io.COLUMNS))]
    if error.value:
        lines.append(texts.import_missing_columns.format(columns=error.value))
    if error.field:
        lines.append(texts.import_unknown_columns.format(columns=error.field))
    ctx.say("\n".join(lines))


def _refuse(ctx: Context, problems: list[tuple[int, csv_io.RowProblem, str]], total: int) -> None:
    texts = ctx.texts
    lines = [texts.import_refused.format(bad=len(problems), total=total)]
    for line, code, value in sorted(problems)[:MAX_LISTED_ERRORS]:
        reason = texts.import_row_errors[code]
        lines.append(texts.import_row_line.format(line=line, reason=reason.format(value=value[:60])))
    if len(problems) > MAX_LISTED_ERRORS:
        lines.append(texts.import_more.format(count=len(problems) - MAX_LISTED_ERRORS))
    lines.append(texts.import_fix_and_resend)
    ctx.say("\n".join(lines))
