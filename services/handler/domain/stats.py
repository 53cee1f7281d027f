"""The tracker's formulas, in one place so every view agrees (/stats, /tournaments, /graph, /export).

Standard tournament maths, exact decimals throughout:

* cost = (buy-in + fee) x entries + rebuys + add-ons
* winnings = prize + bounty; profit = winnings - cost (only once there is a result)
* ROI% = total profit / total cost x 100, ``None`` when nothing was spent (freerolls)
* ITM% = share of finished tournaments with a prize above zero (a bounty alone is not ITM)
* ABI (average buy-in) = total cost / finished tournaments
* biggest win = the finished tournament with the largest profit, only if that profit is > 0
  (ties: the most recent)
* best finish = the lowest place (ties: the larger known field, then the most recent)
* final tables = finished tournaments with a known field size and place <= 9
* average finish = the mean place of finished tournaments
* buy-in level, on the per-entry buy-in + fee in the tournament's currency: micro under 10,
  low 10 to under 50, mid 50 to under 200, high 200 and more in dollars, euros, pounds and
  the like; the same steps in roubles, hryvnias, tenge... at their usual scale (``levels``)

Every total in a ``Summary`` covers finished tournaments only (those with a result);
registered tournaments without a result are only counted, as ``pending``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from services.handler.domain.records import Result, Tournament, TournamentFields

ZERO = Decimal(0)
HUNDRED = Decimal(100)
FINAL_TABLE_PLACES = 9

GroupBy = Literal["venue", "format", "level", "game"]

# Buy-in levels: (name, the per-entry buy-in + fee it starts at), cheapest first, in
# dollars, euros, pounds, francs and any currency not in LEVEL_SCALE (or none).
LEVELS: tuple[tuple[str, Decimal], ...] = (
    ("micro", ZERO),
    ("low", Decimal(10)),
    ("mid", Decimal(50)),
    ("high", Decimal(200)),
)
# The same levels in currencies whose unit is worth much less: LEVELS times this, rounded
# to a figure players use (1,000 roubles is a $10-ish buy-in).  Not exchange rates: steps.
LEVEL_SCALE: dict[str, int] = {
    "RUB": 100, "UAH": 40, "KZT": 500, "BYN": 3, "PLN": 4, "CZK": 25, "TRY": 30, "GEL": 3,
    "AMD": 400, "UZS": 10_000, "KGS": 100, "SEK": 10, "NOK": 10, "DKK": 7, "HUF": 400,
    "JPY": 150, "CNY": 7, "INR": 80,
}  # fmt: skip


def levels(currency: str) -> tuple[tuple[str, Decimal], ...]:
    """The buy-in levels of a currency (``LEVELS``, scaled by ``LEVEL_SCALE``)."""
    scale = LEVEL_SCALE.get(currency, 1)
    return tuple((name, start * scale) for name, start in LEVELS)


def cost(t: TournamentFields) -> Decimal:
    """What the tournament cost: (buy-in + fee) x entries + rebuys + add-ons."""
    return (t.buy_in + t.fee) * t.entries + t.rebuys + t.addons


def winnings(result: Result) -> Decimal:
    """Prize plus bounties."""
    return result.prize + result.bounty


def profit(t: Tournament) -> Decimal | None:
    """Winnings minus cost, or ``None`` while the tournament has no result."""
    if t.result is None:
        return None
    return winnings(t.result) - cost(t)


def roi(total_profit: Decimal, total_cost: Decimal) -> Decimal | None:
    """ROI in percent, or ``None`` when nothing was spent (freerolls)."""
    if total_cost == 0:
        return None
    return total_profit * HUNDRED / total_cost


def level(t: TournamentFields) -> str:
    """The buy-in level (``levels`` of its currency) of the per-entry buy-in + fee."""
    per_entry = t.buy_in + t.fee
    return next(name for name, start in reversed(levels(t.currency)) if per_entry >= start)


def venue_key(venue: str) -> str:
    """How venues are compared: case-insensitively, runs of whitespace counting as one space."""
    return " ".join(venue.split()).casefold()


@dataclass(frozen=True)
class Summary:
    played: int  # finished tournaments (with a result)
    pending: int  # registered tournaments without a result
    entries: int  # entries over finished tournaments (1 + re-entries each)
    total_cost: Decimal
    total_winnings: Decimal  # prizes + bounties
    total_bounty: Decimal
    profit: Decimal
    roi: Decimal | None  # percent; None when total_cost is 0
    itm_count: int
    itm_percent: Decimal | None  # percent; None when nothing is finished
    abi: Decimal | None  # average cost per finished tournament; None when nothing is finished
    biggest_win: Tournament | None
    best_finish: Tournament | None
    final_tables: int
    with_field_size: int  # finished tournaments whose field size is known
    avg_finish: Decimal | None = None  # mean place of finished tournaments; None when none is


def _recency(t: Tournament) -> tuple[date, int]:
    return (t.played_on, t.id)


def _finish_rank(t: Tournament) -> tuple[int, int, int, int]:
    """Smaller is better: lower place, then larger field (unknown counts as smallest), then newer."""
    assert t.result is not None
    field = t.field_size if t.field_size is not None else 0
    return (t.result.place, -field, -t.played_on.toordinal(), -t.id)


def summarize(tournaments: Iterable[Tournament]) -> Summary:
    played = pending = entries = itm = final_tables = with_field = places = 0
    total_cost = total_winnings = total_bounty = ZERO
    biggest: Tournament | None = None
    biggest_key: tuple[Decimal, date, int] | None = None
    best: Tournament | None = None
    for t in tournaments:
        result = t.result
        if result is None:
            pending += 1
            continue
        played += 1
        places += result.place
        entries += t.entries
        c = cost(t)
        w = winnings(result)
        total_cost += c
        total_winnings += w
        total_bounty += result.bounty
        itm += result.prize > 0
        if t.field_size is not None:
            with_field += 1
            final_tables += result.place <= FINAL_TABLE_PLACES
        p = w - c
        if p > 0:
            key = (p, t.played_on, t.id)
            if biggest_key is None or key > biggest_key:
                biggest, biggest_key = t, key
        if best is None or _finish_rank(t) < _finish_rank(best):
            best = t
    total_profit = total_winnings - total_cost
    return Summary(
        played=played,
        pending=pending,
        entries=entries,
        total_cost=total_cost,
        total_winnings=total_winnings,
        total_bounty=total_bounty,
        profit=total_profit,
        roi=roi(total_profit, total_cost),
        itm_count=itm,
        itm_percent=None if played == 0 else Decimal(itm) * HUNDRED / played,
        abi=None if played == 0 else total_cost / played,
        biggest_win=biggest,
        best_finish=best,
        final_tables=final_tables,
        with_field_size=with_field,
        avg_finish=None if played == 0 else Decimal(places) / played,
    )


def breakdown(tournaments: Iterable[Tournament], by: GroupBy) -> list[tuple[str, Summary]]:
    """One ``Summary`` per venue, format, game or buy-in level.

    Venues are grouped case-insensitively and shown as first seen; formats and games are
    keyed by their enum member (a ``str``) and levels by their name in ``LEVELS``, so the
    caller can translate them.  Groups holding only pending tournaments are included
    (profit 0).  Levels come cheapest first; the others the most profitable first (ties: more
    finished tournaments first, then by name).
    """
    groups: dict[str, tuple[str, list[Tournament]]] = {}
    for t in tournaments:
        if by == "venue":
            key, label = venue_key(t.venue), t.venue
        elif by == "level":
            key = label = level(t)
        else:
            key = label = t.format if by == "format" else t.game
        if key not in groups:
            groups[key] = (label, [])
        groups[key][1].append(t)
    rows = [(label, summarize(items)) for label, items in groups.values()]
    if by == "level":
        order = [name for name, _ in LEVELS]
        rows.sort(key=lambda row: order.index(row[0]))
    else:
        rows.sort(key=lambda row: (-row[1].profit, -row[1].played, row[0].casefold()))
    return rows


def _finished_in_order(tournaments: Iterable[Tournament]) -> list[Tournament]:
    return sorted((t for t in tournaments if t.result is not None), key=_recency)


def cumulative_profit(tournaments: Iterable[Tournament]) -> list[tuple[date, Decimal]]:
    """The running profit after each finished tournament, ordered by date then id."""
    points: list[tuple[date, Decimal]] = []
    running = ZERO
    for t in _finished_in_order(tournaments):
        p = profit(t)
        assert p is not None
        running += p
        points.append((t.played_on, running))
    return points


def monthly_roi(tournaments: Iterable[Tournament]) -> list[tuple[date, Decimal | None]]:
    """ROI of the finished tournaments of each month that has any, oldest month first.

    The month is given as its first day; ROI is ``None`` for a month of freerolls only.
    """
    months: dict[date, tuple[Decimal, Decimal]] = {}
    for t in _finished_in_order(tournaments):
        month = t.played_on.replace(day=1)
        p = profit(t)
        assert p is not None
        total_profit, total_cost = months.get(month, (ZERO, ZERO))
        months[month] = (total_profit + p, total_cost + cost(t))
    return [(month, roi(p, c)) for month, (p, c) in months.items()]
