"""/graph: a PNG of cumulative profit over time and ROI by month, drawn in the handler.

Takes the same query as /stats (``/graph 2025``, ``/graph venue Casino``).  The picture is
drawn in a worker thread so the replica's event loop keeps serving its other partitions.
"""

from __future__ import annotations

import asyncio

from services.handler.charts import ChartLabels, render_graph
from services.handler.conversation.context import Context
from services.handler.conversation.flows.overview import (
    by_currency,
    describe,
    selected_results,
)
from services.handler.domain import stats


async def show(ctx: Context) -> None:
    if (found := await selected_results(ctx)) is None:
        return
    query, selected = found
    texts = ctx.texts
    labels = ChartLabels(
        title=texts.graph_title.format(period=describe(query, texts)),
        profit_title=texts.graph_profit_title,
        profit_axis=texts.graph_profit_axis,
        roi_title=texts.graph_roi_title,
        roi_axis=texts.graph_roi_axis,
        date_axis=texts.graph_date_axis,
        no_data=texts.graph_no_data,
    )
    # Amounts in different currencies are never added up: one chart per currency.
    groups = by_currency(selected)
    for currency, rows in groups:
        points = stats.cumulative_profit(rows)
        if not points:
            continue
        png = await asyncio.to_thread(render_graph, points, stats.monthly_roi(rows), labels)
        caption = (
            texts.graph_currency_caption.format(currency=currency or texts.stats_no_currency)
            if len(groups) > 1
            else texts.graph_caption
        )
        ctx.send_photo(png, f"pokertracker-graph{'-' + currency if currency else ''}.png", caption)
