"""/graph: a PNG of cumulative profit over time and ROI by month, drawn in the handler.

Takes the same query as /stats (``/graph 2025``, ``/graph venue Casino``).  The picture is
drawn in a worker thread so the replica's event loop keeps serving its other partitions.

Currencies: the profit axis names the currency (``Profit, EUR``).  Results in several
currencies are charted as one total in the player's default currency when they have a rate
for every other one (/rate; the caption gives the rates); otherwise one chart per currency,
each caption saying which.  Amounts are never added up across currencies without a rate.
"""

from __future__ import annotations

import asyncio

from services.handler.charts import ChartLabels, render_graph
from services.handler.conversation.context import Context
from services.handler.conversation.flows.overview import (
    by_currency,
    combine_at_rates,
    describe,
    rates_used,
    selected_results,
)
from services.handler.domain import stats
from services.handler.domain.records import Tournament
from services.handler.domain.stats_query import StatsQuery


def _labels(ctx: Context, query: StatsQuery, currency: str) -> ChartLabels:
    texts = ctx.texts
    return ChartLabels(
        title=texts.graph_title.format(period=describe(query, texts)),
        profit_title=texts.graph_profit_title,
        profit_axis=texts.graph_profit_axis_currency.format(currency=currency) if currency else texts.graph_profit_axis,
        roi_title=texts.graph_roi_title,
        roi_axis=texts.graph_roi_axis,
        numbers=texts.numbers,
        date_axis=texts.graph_date_axis,
        no_data=texts.graph_no_data,
    )


async def _chart(ctx: Context, query: StatsQuery, rows: list[Tournament], currency: str, caption: str) -> None:
    points = stats.cumulative_profit(rows)
    labels = _labels(ctx, query, currency)
    png = await asyncio.to_thread(render_graph, points, stats.monthly_roi(rows), labels)
    ctx.send_photo(png, f"pokertracker-graph{'-' + currency if currency else ''}.png", caption)


async def show(ctx: Context) -> None:
    if (found := await selected_results(ctx)) is None:
        return
    query, selected = found
    texts = ctx.texts
    groups = [(c, rows) for c, rows in by_currency(selected, ctx.settings.currency) if any(t.result for t in rows)]
    if len(groups) == 1:
        currency, rows = groups[0]
        await _chart(ctx, query, rows, currency, texts.graph_caption)
        return
    combined = await combine_at_rates(ctx, [t for _, rows in groups for t in rows])
    if combined is not None and combined.tournaments:
        default = ctx.settings.currency
        caption = texts.graph_combined_caption.format(currency=default, rates=rates_used(combined, default, texts))
        await _chart(ctx, query, combined.tournaments, default, caption)
        return
    for currency, rows in groups:
        caption = (
            texts.graph_currency_caption.format(currency=currency) if currency else texts.graph_no_currency_caption
        )
        await _chart(ctx, query, rows, currency, caption)
