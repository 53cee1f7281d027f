"""/tournaments and /stats: read-only views, they leave any open step as it was.

/stats takes an optional query: a period (``30d``, ``2025``, ``03.2025``), a breakdown
(``venue``, ``format``) or a filter (``venue <name>``, ``format <format>``).
"""

from __future__ import annotations

import re
from itertools import groupby

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context, fmt_date
from services.handler.conversation.views import summary_text, tournament_line
from services.handler.domain import stats
from services.handler.domain.money import format_percent, format_signed
from services.handler.domain.parsing import ParseError
from services.handler.domain.records import Format, Game, Tournament
from services.handler.domain.stats_query import StatsQuery, parse_stats_query
from services.handler.texts import Catalogue

PAGE_SIZE = 10
_OFFSET = re.compile(r"[0-9]{1,9}")


async def tournaments(ctx: Context) -> None:
    await _page(ctx, 0)


async def on_page(ctx: Context) -> None:
    """« Newer / Older »: the page at the button's offset; an offset past the end (tournaments
    deleted since, or forged) shows the last page, one that is not a number is refused."""
    raw = keyboards.argument(ctx.incoming.callback_data)
    if not _OFFSET.fullmatch(raw):
        ctx.answer_callback(ctx.texts.button_expired)
        return
    await _page(ctx, int(raw))


async def _page(ctx: Context, offset: int) -> None:
    """Up to ``PAGE_SIZE`` tournaments from ``offset`` (newest first), with paging buttons."""
    newest_first = list(reversed(await ctx.tracker.all(ctx.user_id)))
    total = len(newest_first)
    if not total:
        ctx.say(ctx.texts.tournaments_empty)
        return
    offset = min(offset, (total - 1) // PAGE_SIZE * PAGE_SIZE)
    rows = newest_first[offset : offset + PAGE_SIZE]
    header = ctx.texts.tournaments_page_header.format(first=offset + 1, last=offset + len(rows), total=total)
    newer = max(offset - PAGE_SIZE, 0) if offset > 0 else None
    older = offset + PAGE_SIZE if offset + PAGE_SIZE < total else None
    text = "\n".join([header] + [tournament_line(t, ctx.texts) for t in rows])
    ctx.say(text, keyboards.tournament_pages(newer, older, ctx.texts))


def describe(query: StatsQuery, texts: Catalogue) -> str:
    """The query in words: "all time", "01.01.2025 – 31.12.2025, venue Casino"."""
    parts = []
    if query.since is None and query.until is None:
        parts.append(texts.stats_all_time)
    else:
        since = fmt_date(query.since) if query.since else "…"
        until = fmt_date(query.until) if query.until else "…"
        parts.append(f"{since} – {until}")
    if query.venue:
        parts.append(f"{texts.field_names['venue'].lower()} {query.venue}")
    if query.format:
        parts.append(f"{texts.field_names['format'].lower()} {texts.format_names[query.format]}")
    return ", ".join(parts)


async def selected_results(ctx: Context) -> tuple[StatsQuery, list[Tournament]] | None:
    """The command's query and the player's tournaments it selects; ``None`` (said why)
    when the query is wrong or selects no result.  Shared by /stats and /graph."""
    query = parse_stats_query(ctx.incoming.args, ctx.today)
    if isinstance(query, ParseError):
        ctx.say(ctx.texts.stats_bad_query.format(value=query.value))
        return None
    selected = query.select(await ctx.tracker.all(ctx.user_id))
    if not any(t.result for t in selected):
        ctx.say(ctx.texts.stats_empty.format(period=describe(query, ctx.texts)))
        return None
    return query, selected


async def show_stats(ctx: Context) -> None:
    if (found := await selected_results(ctx)) is None:
        return
    query, selected = found
    header = ctx.texts.stats_header.format(period=describe(query, ctx.texts))
    blocks = [header]
    # Amounts in different currencies are never added up: one block per currency.
    groups = by_currency(selected)
    for currency, rows in groups:
        if len(groups) > 1:
            blocks.append(f"— {currency or ctx.texts.stats_no_currency} —")
        if query.group_by is None:
            blocks.append(summary_text(stats.summarize(rows), ctx.texts))
        else:
            blocks.append(_breakdown(rows, query.group_by, ctx.texts))
    ctx.say("\n\n".join(blocks))


def by_currency(rows: list[Tournament]) -> list[tuple[str, list[Tournament]]]:
    ordered = sorted(rows, key=lambda t: t.currency)
    return [(c, list(g)) for c, g in groupby(ordered, key=lambda t: t.currency)]


def _breakdown(rows: list[Tournament], by: stats.GroupBy, texts: Catalogue) -> str:
    lines = []
    for key, s in stats.breakdown(rows, by):
        lines.append(
            texts.stats_group_line.format(
                group=group_label(key, by, texts),
                played=s.played,
                profit=format_signed(s.profit),
                roi=format_percent(s.roi),
                itm=format_percent(s.itm_percent).lstrip("+"),
            )
        )
    return "\n".join(lines)


def group_label(key: str, by: stats.GroupBy, texts: Catalogue) -> str:
    """A group's name: the venue as written, the format or level in this language (a level
    with its buy-in + fee bounds), the game as named."""
    if by == "format":
        return texts.format_names[Format(key)]
    if by == "game":
        return texts.game_names[Game(key)]
    if by == "level":
        starts = dict(stats.LEVELS)
        nxt = [start for _, start in stats.LEVELS if start > starts[key]]
        bounds = f"< {nxt[0]}" if starts[key] == 0 else f"{starts[key]}+" if not nxt else f"{starts[key]}–{nxt[0]}"
        return f"{texts.level_names[key]} ({bounds})"
    return key
