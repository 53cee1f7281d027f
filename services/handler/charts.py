"""The /graph picture: cumulative profit over time and ROI by month, as a PNG.

Every visible word comes from ``ChartLabels`` (the caller's language); only numbers (in the
labels' ``NumberStyle``) and dates are formatted here, dates numerically (``15.03``,
``03.2025``, ``2025``) so they read the same in every language.  Matplotlib is imported on
the first call, through its object API with the Agg canvas (no pyplot global state), so
``render_graph`` can run in a worker thread (``asyncio.to_thread``).  Text is set in DejaVu
Sans, which ships with matplotlib and has Cyrillic.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.handler.domain.money import NumberStyle, format_percent, format_signed

WIDTH_PX, HEIGHT_PX, DPI = 1000, 700, 100
FONT = "DejaVu Sans"
GREEN, RED, LINE, GREY = "#2e9d4f", "#d64541", "#2b6cb0", "#888888"
MARKERS_UP_TO = 60  # points drawn with markers when there are at most this many
MONTH_TICKS_UP_TO = 12  # months each get a tick (MM.YYYY) when there are at most this many
BAR_VALUES_UP_TO = 18  # months labelled with their ROI when there are at most this many


@dataclass(frozen=True)
class ChartLabels:
    title: str  # above both panels
    profit_title: str  # upper panel: cumulative profit
    profit_axis: str  # its y axis, e.g. "Profit" or "Прибыль, ₽"
    roi_title: str  # lower panel: ROI by month
    roi_axis: str  # its y axis, e.g. "ROI, %"
    numbers: NumberStyle  # how numbers are written (the reader's language)
    date_axis: str = ""  # x axis of both panels; empty: none
    no_data: str = ""  # shown in a panel with nothing to draw


def _number(value: float, style: NumberStyle) -> str:
    """Axis numbers: 12,500 / 12 500 (thousands grouped the reader's way), 0.5 / 0,5 when small."""
    if abs(value) >= 10 or value == int(value):
        text = f"{value:,.0f}".replace(",", style.group)
    else:
        text = f"{value:.2f}".rstrip("0").rstrip(".").replace(".", style.decimal)
    return text.replace("-", "−")


def _money(value: Decimal, style: NumberStyle) -> str:
    """The annotated total: +12,500.50 / +12 500,50, −300 (its currency is on the axis)."""
    return format_signed(value, style).replace("-", "−")


def _date_formatter(mdates: Any, locator: Any) -> Any:
    formatter = mdates.ConciseDateFormatter(
        locator,
        formats=["%Y", "%m.%Y", "%d.%m", "%H:%M", "%H:%M", "%S.%f"],
        zero_formats=["", "%Y", "%d.%m", "%d.%m", "%H:%M", "%H:%M"],
        offset_formats=["", "%Y", "%Y", "%m.%Y", "%d.%m.%Y", "%d.%m.%Y %H:%M"],
    )
    return formatter


def _style_date_axis(ax: Any, mdates: Any) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_date_formatter(mdates, locator))


def _no_data(ax: Any, text: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    if text:
        ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes,
                fontfamily=FONT, fontsize=13, color=GREY)


def _profit_panel(ax: Any, points: Sequence[tuple[date, Decimal]], labels: ChartLabels, mdates: Any,
                  ticker: Any) -> None:
    ax.set_title(labels.profit_title, fontfamily=FONT, fontsize=13, loc="left")
    ax.set_ylabel(labels.profit_axis, fontfamily=FONT)
    if labels.date_axis:
        ax.set_xlabel(labels.date_axis, fontfamily=FONT)
    if not points:
        _no_data(ax, labels.no_data)
        return
    xs = [mdates.date2num(d) for d, _ in points]
    ys = [float(v) for _, v in points]
    ax.axhline(0, color=GREY, linewidth=1, zorder=1)
    ax.plot(xs, ys, color=LINE, linewidth=2, zorder=3,
            marker="o" if len(points) <= MARKERS_UP_TO else None, markersize=4)
    if len(points) > 1:
        ax.fill_between(xs, ys, 0, where=[y >= 0 for y in ys], interpolate=True, color=GREEN, alpha=0.15)
        ax.fill_between(xs, ys, 0, where=[y < 0 for y in ys], interpolate=True, color=RED, alpha=0.15)

    last_x, last_y, last_value = xs[-1], ys[-1], points[-1][1]
    ax.annotate(_money(last_value, labels.numbers), xy=(last_x, last_y), xytext=(-8, 10 if last_y >= 0 else -18),
                textcoords="offset points", ha="right", fontfamily=FONT, fontsize=12, fontweight="bold",
                color=GREEN if last_value >= 0 else RED)

    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 0)
    pad = max(span // 20, 3)
    ax.set_xlim(mdates.date2num(first - timedelta(days=pad)), mdates.date2num(last + timedelta(days=pad)))
    low, high = min(min(ys), 0.0), max(max(ys), 0.0)
    margin = (high - low) * 0.12 or max(abs(high), abs(low), 1.0) * 0.12
    ax.set_ylim(low - margin, high + margin)
    _style_date_axis(ax, mdates)
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: _number(v, labels.numbers)))
    ax.grid(True, axis="y", alpha=0.3)


def _roi_panel(ax: Any, monthly: Sequence[tuple[date, Decimal | None]], labels: ChartLabels, mdates: Any,
               ticker: Any) -> None:
    ax.set_title(labels.roi_title, fontfamily=FONT, fontsize=13, loc="left")
    ax.set_ylabel(labels.roi_axis, fontfamily=FONT)
    if labels.date_axis:
        ax.set_xlabel(labels.date_axis, fontfamily=FONT)
    bars = [(month, value) for month, value in monthly if value is not None]
    if not bars:
        _no_data(ax, labels.no_data)
        return
    # Each bar spans most of its month, centred on the 15th.
    xs = [mdates.date2num(month.replace(day=15)) for month, _ in bars]
    ys = [float(value) for _, value in bars]
    colors = [GREEN if y >= 0 else RED for y in ys]
    ax.axhline(0, color=GREY, linewidth=1, zorder=1)
    drawn = ax.bar(xs, ys, width=24, color=colors, zorder=2)
    if len(bars) <= BAR_VALUES_UP_TO:
        ax.bar_label(drawn, labels=[format_percent(value, labels.numbers) for _, value in bars], padding=2,
                     fontfamily=FONT, fontsize=9)

    first, last = bars[0][0], bars[-1][0]
    ax.set_xlim(mdates.date2num(first - timedelta(days=20)), mdates.date2num(last + timedelta(days=50)))
    low, high = min(min(ys), 0.0), max(max(ys), 0.0)
    margin = (high - low) * 0.15 or max(abs(high), abs(low), 1.0) * 0.15
    ax.set_ylim(low - margin, high + margin)
    if len(bars) <= MONTH_TICKS_UP_TO:  # one tick per bar, under its middle
        ax.set_xticks(xs, labels=[month.strftime("%m.%Y") for month, _ in bars])
    else:
        _style_date_axis(ax, mdates)
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: _number(v, labels.numbers) + "%"))
    ax.grid(True, axis="y", alpha=0.3)


def render_graph(
    points: Sequence[tuple[date, Decimal]],
    monthly: Sequence[tuple[date, Decimal | None]],
    labels: ChartLabels,
) -> bytes:
    """A 1000x700 PNG: cumulative profit (``stats.cumulative_profit``) above ROI by month
    (``stats.monthly_roi``; months whose ROI is ``None`` are left out)."""
    from matplotlib import dates as mdates
    from matplotlib import ticker
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(labels.title, fontfamily=FONT, fontsize=16, fontweight="bold")
    profit_ax, roi_ax = fig.subplots(2, 1, height_ratios=[3, 2])
    _profit_panel(profit_ax, points, labels, mdates, ticker)
    _roi_panel(roi_ax, monthly, labels, mdates, ticker)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()
