"""The tracker's formulas, in one place so every view agrees.

profit = payout - buy-in; ROI% = total profit / total buy-ins x 100;
ITM% = share of finished tournaments with a payout above zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

HUNDRED = Decimal(100)


def profit(buy_in: Decimal, payout: Decimal) -> Decimal:
    return payout - buy_in


def roi(total_profit: Decimal, total_cost: Decimal) -> Decimal | None:
    """ROI in percent, or ``None`` when nothing was spent (freerolls)."""
    if total_cost == 0:
        return None
    return total_profit / total_cost * HUNDRED


@dataclass(frozen=True)
class Stats:
    played: int
    pending: int
    total_buy_ins: Decimal
    total_payouts: Decimal
    itm_count: int

    @property
    def profit(self) -> Decimal:
        return self.total_payouts - self.total_buy_ins

    @property
    def roi(self) -> Decimal | None:
        return roi(self.profit, self.total_buy_ins)

    @property
    def itm_percent(self) -> Decimal | None:
        return None if self.played == 0 else Decimal(self.itm_count) / self.played * HUNDRED


def compute_stats(finished: Iterable[tuple[Decimal, Decimal]], pending: int = 0) -> Stats:
    """``finished`` holds (buy-in, payout) of every tournament that has a result."""
    played, buy_ins, payouts, itm = 0, Decimal(0), Decimal(0), 0
    for buy_in, payout in finished:
        played += 1
        buy_ins += buy_in
        payouts += payout
        itm += payout > 0
    return Stats(played, pending, buy_ins, payouts, itm)
