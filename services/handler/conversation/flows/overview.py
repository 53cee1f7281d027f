"""/tournaments and /stats: read-only views, they leave any open step as it was.

/stats takes an optional query: a period (``30d``, ``2025``, ``03.2025``), a breakdown
(``venue``, ``format``) or a filter (``venue <name>``, ``format <format>``).
"""

from __future__ import annotations

from itertools import groupby

from services.handler.conversation.context import Context, fmt_date
from services.handler.conversation.views import summary_text, tournament_line
from services.handler.domain import stats
from services.handler.domain.money import format_percent, format_signed
from services.handler.domain.parsing import ParseError
from services.handler.domain.records import Tournament
from services.handler.domain.stats_query import StatsQuery, parse_stats_query
from services.handler.texts import Catalogue

LATEST_LIMIT = 10


async def tournaments(ctx: Context) -> None:
    rows = await ctx.tracker.latest(ctx.user_id, LATEST_LIMIT)
    if not rows:
        ctx.say(ctx.texts.tournaments_empty)
        return
    ctx.say("\n".join([ctx.texts.tournaments_header] + [tournament_line(t, ctx.texts) for t in rows]))


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


def _breakdown(rows: list[Tournament], by: str, texts: Catalogue) -> str:
    lines = []
    for key, s in stats.breakdown(rows, by):  # type: ignore[arg-type]
        label = texts.format_names.get(key, key) if by == "format" else key  # type: ignore[call-overload]
        lines.append(
            texts.stats_group_line.format(
                group=label,
                played=s.played,
                profit=format_signed(s.profit),
                roi=format_percent(s.roi),
                itm=format_percent(s.itm_percent).lstrip("+"),
            )
        )
    return "\n".join(lines)
