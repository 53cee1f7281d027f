"""/tournaments and /stats: read-only views, they leave any open step as it was.

/stats takes an optional query: a period (``30d``, ``2025``, ``03.2025``), a breakdown
(``venue``, ``format``) or a filter (``venue <name>``, ``format <format>``).

Every amount shows its currency.  Tournaments in several currencies get a block each (only
currencies with a result in the period); below them, once the player has a default currency
and a rate for each other one (/rate), one total in the default currency with the rates used.
A breakdown (``/stats venue``) stays per currency.
"""

from __future__ import annotations

import re

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context, fmt_date
from services.handler.conversation.views import money, percent, rate_example, rate_line, summary_text, tournament_line
from services.handler.domain import rates, stats
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
    texts = ctx.texts
    blocks = [texts.stats_header.format(period=describe(query, texts))]
    # Amounts in different currencies are never added up as they are: one block per currency
    # with a result in the period, then (``_combined``) one total at the player's rates.
    groups = by_currency(selected, ctx.settings.currency)
    shown = [(c, rows) for c, rows in groups if any(t.result for t in rows)]
    for currency, rows in shown:
        if len(shown) > 1:
            blocks.append(f"— {currency or texts.stats_no_currency} —")
        if query.group_by is None:
            blocks.append(summary_text(stats.summarize(rows), texts, currency))
        else:
            blocks.append(_breakdown(rows, query.group_by, texts, currency))
    notes = []
    if pending := sum(len(rows) for _, rows in groups if not any(t.result for t in rows)):
        notes.append(texts.stats_pending_elsewhere.format(count=pending))
    if len(groups) > 1 and (unknown := sum(len(rows) for c, rows in shown if not c)):
        notes.append(texts.stats_unknown_currency.format(count=unknown))
    if notes:
        blocks.append("\n".join(notes))
    if len(shown) > 1 and query.group_by is None and (
        combined := await _combined(ctx, [t for _, rows in shown for t in rows])
    ):
        blocks.append(combined)
    ctx.say("\n\n".join(blocks))


async def combine_at_rates(ctx: Context, rows: list[Tournament]) -> rates.Combined | None:
    """``rows`` in the player's default currency at their rates; ``None`` without a default."""
    default = ctx.settings.currency
    if not default:
        return None
    return rates.combine(rows, default, await ctx.tracker.rates(ctx.user_id, default))


def rates_used(combined: rates.Combined, default: str, texts: Catalogue) -> str:
    return ", ".join(rate_line(code, rate, default, texts) for code, rate in combined.used.items())


async def _combined(ctx: Context, rows: list[Tournament]) -> str | None:
    """One total of every currency in the default one, or which rate it needs."""
    texts, default = ctx.texts, ctx.settings.currency
    if (c := await combine_at_rates(ctx, rows)) is None:
        return texts.stats_no_default
    if c.missing:
        return texts.stats_missing_rate.format(
            currency=default, missing=", ".join(c.missing), example=rate_example(default, texts, c.missing[0])
        )
    if c.unknown:  # said by stats_unknown_currency: /currency gives them the default
        return None
    s = stats.summarize(c.tournaments)
    total = texts.stats_combined.format(
        currency=default,
        cost=money(s.total_cost, default, texts),
        winnings=money(s.total_winnings, default, texts),
        profit=money(s.profit, default, texts, signed=True),
        roi=percent(s.roi, texts),
    )
    return total + "\n" + texts.stats_rates_used.format(rates=rates_used(c, default, texts))


def by_currency(rows: list[Tournament], default: str = "") -> list[tuple[str, list[Tournament]]]:
    """The rows by currency: the default currency first, then by code, no currency last."""
    groups: dict[str, list[Tournament]] = {c: [] for c in rates.currency_order([t.currency for t in rows], default)}
    for t in rows:
        groups[t.currency].append(t)
    return list(groups.items())


def _breakdown(rows: list[Tournament], by: stats.GroupBy, texts: Catalogue, currency: str = "") -> str:
    lines = []
    for key, s in stats.breakdown(rows, by):
        group = group_label(key, by, texts, currency)
        if s.played == 0:  # registered, nothing to count yet
            lines.append(texts.stats_group_waiting.format(group=group, pending=s.pending))
            continue
        lines.append(
            texts.stats_group_line.format(
                group=group,
                played=s.played,
                profit=money(s.profit, currency, texts, signed=True),
                roi=percent(s.roi, texts),
                itm=percent(s.itm_percent, texts, signed=False),
            )
        )
    return "\n".join(lines)


def group_label(key: str, by: stats.GroupBy, texts: Catalogue, currency: str = "") -> str:
    """A group's name: the venue as written, the format or level in this language (a level
    with its buy-in + fee bounds in ``currency``), the game as named."""
    if by == "format":
        return texts.format_names[Format(key)]
    if by == "game":
        return texts.game_names[Game(key)]
    if by == "level":
        steps = stats.levels(currency)
        starts = dict(steps)
        nxt = [start for _, start in steps if start > starts[key]]
        shown = [money(v, currency, texts) for v in (starts[key], *nxt[:1])]
        bounds = f"< {shown[1]}" if starts[key] == 0 else f"{shown[0]}+" if not nxt else f"{shown[0]}–{shown[1]}"
        return f"{texts.level_names[key]} ({bounds})"
    return key
