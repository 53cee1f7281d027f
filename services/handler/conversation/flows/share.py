"""Inline mode: ``@bot stats`` in any chat offers the player's statistics as cards to send
there, and ``@bot result <id>`` (what a result's "Share" button types) that result's card.

Only the asker's own data: every read is scoped to their user id, so another player's
tournament id finds nothing, and nothing reaches a chat unless the user taps a card.  An
inline query answers with ``answerInlineQuery`` only: no chat message, and the conversation's
step stays exactly as it was (a flow here never touches ``ctx.state``).

Queries: ``result <id>`` / ``результат <id>`` → that finished tournament's card, or no card
at all (with a button to the bot); anything else (``stats``, ``статистика``, empty, …) → the
all-time card and this month's card (when the month has results), or one card saying there
are no results yet.  Cards are plain text (no parse_mode), so names and venues show as typed.
"""

from __future__ import annotations

import re

from services.handler.conversation import keyboards as kb
from services.handler.conversation.context import Context, fmt_date
from services.handler.conversation.flows.overview import by_currency
from services.handler.conversation.replies import AnswerInlineQuery, InlineArticle
from services.handler.conversation.views import money, percent
from services.handler.domain import stats
from services.handler.domain.records import Tournament
from services.handler.domain.stats_query import StatsQuery, parse_period
from services.handler.texts import Catalogue

_RESULT_WORDS = {kb.SHARE_RESULT, "результат"}
_ID = re.compile(r"[0-9]{1,19}")  # ASCII digits only, as in keyboards
_DESCRIPTION_MAX = 200  # a line under the card's title; Telegram cuts it anyway


async def on_inline_query(ctx: Context) -> None:
    words = ctx.incoming.text.split()
    if words and words[0].casefold() in _RESULT_WORDS:
        t = await _own_finished(ctx, words[1:])
        if t is None:
            _answer(ctx, (), start_text=ctx.texts.share_open_bot)
        else:
            _answer(ctx, (result_article(t, ctx.texts),))
        return
    _answer(ctx, await _stats_articles(ctx))


def _answer(ctx: Context, results: tuple[InlineArticle, ...], start_text: str = "") -> None:
    ctx.replies.append(AnswerInlineQuery(ctx.incoming.inline_query_id, results, start_text))


async def _own_finished(ctx: Context, args: list[str]) -> Tournament | None:
    """The asker's tournament the query names, if it has a result; ``None`` for anything else."""
    if len(args) != 1 or not _ID.fullmatch(args[0]) or int(args[0]) > kb.MAX_ID:
        return None
    t = await ctx.tracker.get(ctx.user_id, int(args[0]))
    return t if t is not None and t.result is not None else None


async def _stats_articles(ctx: Context) -> tuple[InlineArticle, ...]:
    texts = ctx.texts
    rows = await ctx.tracker.all(ctx.user_id)
    if not any(t.result for t in rows):
        return (InlineArticle("none", texts.share_none_title, texts.share_none_description, texts.share_none_text),)
    month_text = ctx.today.strftime("%m.%Y")
    period = parse_period(month_text, ctx.today)  # "06.2025": the calendar month
    assert period is not None
    month = StatsQuery(since=period[0], until=period[1]).select(rows)
    articles = [_stats_article("stats-all", texts.share_stats_all_title, texts.share_stats_all_header, rows, texts)]
    if any(t.result for t in month):
        header = texts.share_stats_month_header.format(month=month_text)
        articles.append(_stats_article(f"stats-{month_text}", texts.share_stats_month_title, header, month, texts))
    return tuple(articles)


def _stats_article(
    article_id: str, title: str, header: str, rows: list[Tournament], texts: Catalogue
) -> InlineArticle:
    """Played, profit and ROI (one line per currency: amounts in different currencies are
    never added up), ITM and the best finish."""
    s = stats.summarize(rows)
    profits = []
    lines = [header, texts.share_played.format(played=s.played)]
    for currency, group in by_currency(rows):
        g = stats.summarize(group)
        if g.played:
            profit = money(g.profit, currency, texts, signed=True)
            profits.append(profit)
            lines.append(texts.share_profit.format(profit=profit, roi=percent(g.roi, texts)))
    itm = percent(s.itm_percent, texts, signed=False)
    lines.append(texts.share_itm.format(itm=itm, itm_count=s.itm_count, played=s.played))
    if (best := s.best_finish) is not None and best.result is not None:
        lines.append(
            texts.share_best_finish.format(
                place=_place(best), name=best.name, date=fmt_date(best.played_on)
            )
        )
    description = texts.share_stats_description.format(played=s.played, itm=itm, profit=", ".join(profits))
    return InlineArticle(article_id, title, _cut(description), "\n".join(lines))


def result_article(t: Tournament, texts: Catalogue) -> InlineArticle:
    """One finished tournament: name, date, venue, place in the field, won, profit, ROI."""
    assert t.result is not None
    cost = stats.cost(t)
    profit = stats.winnings(t.result) - cost
    signed = money(profit, t.currency, texts, signed=True)
    card = texts.share_result_card.format(
        name=t.name,
        date=fmt_date(t.played_on),
        venue=t.venue,
        place=_place(t),
        won=money(stats.winnings(t.result), t.currency, texts),
        profit=signed,
        roi=percent(stats.roi(profit, cost), texts),
    )
    return InlineArticle(
        f"result-{t.id}",
        texts.share_result_title.format(name=t.name, place=_place(t)),
        _cut(texts.share_result_description.format(date=fmt_date(t.played_on), profit=signed)),
        card,
    )


def _place(t: Tournament) -> str:
    assert t.result is not None
    return f"{t.result.place}/{t.field_size}" if t.field_size else str(t.result.place)


def _cut(text: str) -> str:
    return text if len(text) <= _DESCRIPTION_MAX else text[: _DESCRIPTION_MAX - 1] + "…"
