"""How tournaments, drafts and statistics read in a message (texts from the catalogue)."""

from __future__ import annotations

from decimal import Decimal

from services.handler.conversation.context import fmt_date
from services.handler.domain import rates, stats
from services.handler.domain.edits import Draft
from services.handler.domain.money import format_money, format_number, format_percent, format_rate
from services.handler.domain.records import Tournament
from services.handler.texts import Catalogue

_NONE = "—"


def money(value: Decimal | None, currency: str, texts: Catalogue, signed: bool = False) -> str:
    """An amount with its currency, written the reader's way (``€1,250.50``, ``1 250,50 €``)."""
    if value is None:
        return _NONE
    return format_money(value, currency, texts.numbers, signed)


def percent(value: Decimal | None, texts: Catalogue, signed: bool = True) -> str:
    text = format_percent(value, texts.numbers)
    return text if signed else text.lstrip("+")


def rate_line(code: str, rate: Decimal, base: str, texts: Catalogue) -> str:
    """``1 USD = 0.92 EUR`` (``0,92`` in Russian)."""
    return f"1 {code} = {format_rate(rate, texts.numbers)} {base}"


def rate_example(base: str, texts: Catalogue, code: str | None = None) -> str:
    """A /rate command to show a player whose currency is ``base``: ``/rate USD 0.86 (1 USD =
    0.86 EUR)`` at about the real rate, or in words where no rough rate is known."""
    code = code or rates.example_code(base)
    rough = rates.rough_rate(code, base)
    if rough is None:
        return texts.rate_example_words.format(code=code, currency=base)
    return f"/rate {code} {format_rate(rough, texts.numbers)} ({rate_line(code, rough, base, texts)})"


def draft_card(d: Draft, texts: Catalogue) -> str:
    """Every field of a draft, one per line; required ones shown even when still empty."""
    names = texts.field_names
    cur = d.currency or ""
    lines = [
        f"{names['name']}: {d.name or _NONE}",
        f"{names['date']}: {fmt_date(d.played_on) if d.played_on else _NONE}",
        f"{names['venue']}: {d.venue or _NONE}",
        f"{names['buy_in']}: {money(d.buy_in, cur, texts)}",
    ]
    optional: list[tuple[str, str | None]] = [
        ("fee", money(d.fee, cur, texts) if d.fee else None),
        ("currency", d.currency),
        ("game", texts.game_names[d.game] if d.game else None),
        ("format", texts.format_names[d.format] if d.format else None),
        ("entries", str(d.entries) if d.entries and d.entries > 1 else None),
        ("rebuys", money(d.rebuys, cur, texts) if d.rebuys else None),
        ("addons", money(d.addons, cur, texts) if d.addons else None),
        ("field_size", str(d.field_size) if d.field_size else None),
        ("starting_stack", f"{d.starting_stack:,}".replace(",", texts.numbers.group) if d.starting_stack else None),
        ("place", str(d.place) if d.place else None),
        ("prize", money(d.prize, cur, texts) if d.prize is not None else None),
        ("bounty", money(d.bounty, cur, texts) if d.bounty else None),
    ]
    lines += [f"{names[k]}: {v}" for k, v in optional if v]
    return "\n".join(lines)


def tournament_card(t: Tournament, texts: Catalogue) -> str:
    """A saved tournament: its fields, and what it cost and returned."""
    card = draft_card(Draft.of(t), texts)
    cost = stats.cost(t)
    extra = [f"{texts.field_names['cost']}: {money(cost, t.currency, texts)}"]
    profit = stats.profit(t)
    if profit is not None:
        extra.append(f"{texts.field_names['profit']}: {money(profit, t.currency, texts, signed=True)}")
        extra.append(f"ROI: {percent(stats.roi(profit, cost), texts)}")
    return card + "\n" + "\n".join(extra)


def tournament_line(t: Tournament, texts: Catalogue) -> str:
    common = dict(
        date=fmt_date(t.played_on), name=t.name, venue=t.venue, cost=money(stats.cost(t), t.currency, texts)
    )
    profit = stats.profit(t)
    if t.result is None or profit is None:
        return texts.tournament_line_pending.format(**common)
    return texts.tournament_line_finished.format(
        place=t.result.place,
        winnings=money(stats.winnings(t.result), t.currency, texts),
        profit=money(profit, t.currency, texts, signed=True),
        **common,
    )


def summary_text(s: stats.Summary, texts: Catalogue, currency: str = "") -> str:
    """A ``Summary`` of tournaments in one ``currency`` ("" when they have none)."""
    lines = [
        texts.stats_played.format(played=s.played, pending=s.pending),
        texts.stats_money.format(
            entries=s.entries,
            cost=money(s.total_cost, currency, texts),
            winnings=money(s.total_winnings, currency, texts),
            bounty=money(s.total_bounty, currency, texts),
            profit=money(s.profit, currency, texts, signed=True),
            roi=percent(s.roi, texts),
            itm=percent(s.itm_percent, texts, signed=False),
            itm_count=s.itm_count,
            abi=money(s.abi, currency, texts),
        ),
    ]
    if s.biggest_win is not None and (win := stats.profit(s.biggest_win)) is not None:
        lines.append(
            texts.stats_biggest_win.format(
                profit=money(win, currency, texts, signed=True),
                name=s.biggest_win.name,
                date=fmt_date(s.biggest_win.played_on),
            )
        )
    if s.best_finish is not None and s.best_finish.result is not None:
        field = f"/{s.best_finish.field_size}" if s.best_finish.field_size else ""
        lines.append(
            texts.stats_best_finish.format(
                place=f"{s.best_finish.result.place}{field}",
                name=s.best_finish.name,
                date=fmt_date(s.best_finish.played_on),
            )
        )
    if s.avg_finish is not None:
        lines.append(texts.stats_avg_finish.format(avg=format_number(s.avg_finish, texts.numbers), finished=s.played))
    if s.with_field_size:
        lines.append(texts.stats_final_tables.format(final_tables=s.final_tables, known=s.with_field_size))
    return "\n".join(lines)
