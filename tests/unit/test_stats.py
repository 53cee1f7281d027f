"""The tracker's formulas: every figure below is worked out by hand."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from services.handler.domain.records import Format, Result, Tournament
from services.handler.domain.stats import (
    breakdown,
    cost,
    cumulative_profit,
    monthly_roi,
    profit,
    roi,
    summarize,
    winnings,
)


def t(tid: int, played_on: date, buy_in: str, result: Result | None = None, **kw: Any) -> Tournament:
    kw.setdefault("name", f"T{tid}")
    kw.setdefault("venue", "Club")
    return Tournament(id=tid, player_id=1, played_on=played_on, buy_in=D(buy_in), result=result, **kw)


def res(place: int, prize: str, bounty: str = "0") -> Result:
    return Result(place=place, prize=D(prize), bounty=D(bounty))


# 220 spent (100 + 10 fee, re-entered once), 500 won: +280, 3rd of 120
DEEP_RUN = t(1, date(2025, 1, 10), "100", res(3, "500"), fee=D(10), entries=2, field_size=120)
# 55 + 100 rebuys + 50 add-on = 205 spent, only a 75 bounty back: -130, field unknown
REBUY_KO = t(2, date(2025, 1, 20), "50", res(5, "0", "75"), fee=D(5), rebuys=D(100), addons=D(50),
             format=Format.REBUY)
# a freeroll won: +20, 1st of 30
FREEROLL = t(3, date(2025, 2, 1), "0", res(1, "20"), field_size=30, venue="Online")
# 75 spent, bubble of a 9-player sit-and-go: -75
SNG = t(4, date(2025, 2, 5), "70", res(9, "0"), fee=D(5), field_size=9)
PENDING = t(5, date(2025, 2, 6), "1000")
ALL = [DEEP_RUN, REBUY_KO, FREEROLL, SNG, PENDING]


def test_cost_counts_fee_entries_rebuys_and_addons() -> None:
    assert cost(DEEP_RUN) == D(220)
    assert cost(REBUY_KO) == D(205)
    assert cost(FREEROLL) == D(0)
    assert cost(t(9, date(2025, 1, 1), "10.50", fee=D("1.05"), entries=3, rebuys=D(21), addons=D("10.5")))\
        == D("66.15")


def test_winnings_and_profit_include_the_bounty() -> None:
    assert winnings(res(2, "300", "45.50")) == D("345.50")
    assert profit(DEEP_RUN) == D(280)
    assert profit(REBUY_KO) == D(-130)
    assert profit(FREEROLL) == D(20)
    assert profit(PENDING) is None


def test_roi_is_none_when_nothing_was_spent() -> None:
    assert roi(D(750), D(100)) == D(750)
    assert roi(D(-50), D(200)) == D(-25)
    assert roi(D(20), D(0)) is None


def test_summary_of_a_mixed_history() -> None:
    s = summarize(ALL)
    assert (s.played, s.pending, s.entries) == (4, 1, 5)
    assert s.total_cost == D(500)  # 220 + 205 + 0 + 75; the pending 1000 is not counted
    assert s.total_winnings == D(595)  # 500 + 75 + 20 + 0
    assert s.total_bounty == D(75)
    assert s.profit == D(95)
    assert s.roi == D(19)
    assert s.itm_count == 2  # the bounty-only 5th place is not in the money
    assert s.itm_percent == D(50)
    assert s.abi == D(125)
    assert s.biggest_win is DEEP_RUN
    assert s.best_finish is FREEROLL
    # 3rd of 120, 1st of 30, 9th of 9; the 5th place with an unknown field does not count
    assert (s.final_tables, s.with_field_size) == (3, 3)


def test_summary_of_nothing_and_of_pending_only() -> None:
    s = summarize([])
    assert (s.played, s.pending, s.total_cost, s.profit) == (0, 0, D(0), D(0))
    assert (s.roi, s.itm_percent, s.abi, s.biggest_win, s.best_finish) == (None, None, None, None, None)
    assert summarize([PENDING]).pending == 1
    assert summarize([PENDING]).played == 0


def test_freerolls_only_have_profit_but_no_roi() -> None:
    s = summarize([FREEROLL, t(6, date(2025, 3, 1), "0", res(50, "0"))])
    assert (s.profit, s.roi, s.abi, s.itm_percent) == (D(20), None, D(0), D(50))


def test_uneven_division_is_exact_to_the_decimal_context() -> None:
    s = summarize([t(1, date(2025, 1, 1), "30", res(1, "40")), t(2, date(2025, 1, 2), "30", res(9, "0")),
                   t(3, date(2025, 1, 3), "30", res(9, "0"))])
    assert s.abi == D(30)
    assert s.roi is not None and s.roi.quantize(D("0.01")) == D("-55.56")  # -50 / 90
    assert s.itm_percent is not None and s.itm_percent.quantize(D("0.1")) == D("33.3")


def test_biggest_win_needs_a_profit_and_prefers_the_most_recent_on_ties() -> None:
    assert summarize([REBUY_KO, SNG, PENDING]).biggest_win is None
    even = t(7, date(2025, 1, 1), "10", res(2, "10"))  # profit 0 is not a win
    assert summarize([even]).biggest_win is None
    older = t(8, date(2025, 1, 1), "10", res(1, "110"))
    newer = t(9, date(2025, 1, 2), "20", res(2, "120"))
    assert summarize([newer, older]).biggest_win is newer
    assert summarize([older, newer]).biggest_win is newer


def test_best_finish_ties_go_to_the_larger_field_then_the_most_recent() -> None:
    small = t(1, date(2025, 1, 5), "10", res(1, "50"), field_size=20)
    large = t(2, date(2025, 1, 1), "10", res(1, "50"), field_size=200)
    unknown = t(3, date(2025, 1, 9), "10", res(1, "50"))
    assert summarize([small, large, unknown]).best_finish is large
    assert summarize([unknown, small]).best_finish is small  # a known field beats an unknown one
    same_a = t(4, date(2025, 1, 1), "10", res(2, "5"), field_size=50)
    same_b = t(5, date(2025, 1, 3), "10", res(2, "5"), field_size=50)
    same_c = t(6, date(2025, 1, 3), "10", res(2, "5"), field_size=50)
    assert summarize([same_b, same_c, same_a]).best_finish is same_c  # same day: the later id
    assert summarize([same_a, t(7, date(2025, 2, 1), "1", res(3, "100"), field_size=5000)]).best_finish is same_a


def test_final_tables_need_a_known_field_and_place_up_to_nine() -> None:
    ft = [t(i, date(2025, 1, i), "10", res(place, "0"), field_size=field)
          for i, (place, field) in enumerate([(9, 100), (10, 100), (1, None), (4, 4)], start=1)]
    s = summarize(ft)
    assert (s.final_tables, s.with_field_size) == (2, 3)


def test_breakdown_by_venue_groups_case_insensitively_most_profitable_first() -> None:
    rows = [
        t(1, date(2025, 1, 1), "100", res(1, "400"), venue="Casino Royal"),
        t(2, date(2025, 1, 2), "100", res(5, "0"), venue="casino  royal"),
        t(3, date(2025, 1, 3), "50", res(1, "500"), venue="Stars"),
        t(4, date(2025, 1, 4), "50", res(3, "0"), venue="Home"),
        t(5, date(2025, 1, 5), "50", venue="CASINO ROYAL"),
    ]
    got = breakdown(rows, "venue")
    assert [label for label, _ in got] == ["Stars", "Casino Royal", "Home"]
    royal = dict(got)["Casino Royal"]
    assert (royal.played, royal.pending, royal.total_cost, royal.profit, royal.roi) == (2, 1, D(200), D(200), D(100))
    assert dict(got)["Home"].profit == D(-50)


def test_breakdown_by_format_is_keyed_by_the_format() -> None:
    got = breakdown(ALL, "format")
    assert [key for key, _ in got] == [Format.FREEZEOUT, Format.REBUY]
    assert got[0][1].profit == D(225)  # 280 + 20 - 75
    assert got[1][1].profit == D(-130)
    assert breakdown([], "format") == []


def test_cumulative_profit_runs_in_date_then_id_order_over_finished_ones() -> None:
    a = t(3, date(2025, 1, 2), "10", res(1, "60"))  # +50
    b = t(1, date(2025, 1, 2), "10", res(9, "0"))  # -10
    c = t(2, date(2025, 1, 1), "20", res(9, "0"))  # -20
    assert cumulative_profit([a, PENDING, b, c]) == [
        (date(2025, 1, 1), D(-20)),
        (date(2025, 1, 2), D(-30)),
        (date(2025, 1, 2), D(20)),
    ]
    assert cumulative_profit([PENDING]) == []


def test_monthly_roi_with_a_freeroll_month() -> None:
    assert monthly_roi([*ALL, t(6, date(2025, 4, 30), "0", res(3, "0"))]) == [
        (date(2025, 1, 1), D(150) * 100 / D(425)),  # 280 - 130 over 220 + 205
        (date(2025, 2, 1), D(-55) * 100 / D(75)),  # 20 - 75 over 0 + 75; the pending one is left out
        (date(2025, 4, 1), None),  # freerolls only
    ]
    assert monthly_roi([t(1, date(2025, 5, 31), "100", res(1, "300")),
                        t(2, date(2025, 5, 1), "100", res(9, "0"))]) == [(date(2025, 5, 1), D(50))]


def test_every_view_agrees_on_random_histories() -> None:
    rng = random.Random(2025)
    for _ in range(200):
        ts = []
        for i in range(rng.randint(0, 30)):
            result = None
            if rng.random() < 0.8:
                result = Result(place=rng.randint(1, 300), prize=D(rng.choice([0, 0, 0, 150, 1200])) / 4,
                                bounty=D(rng.choice([0, 0, 25])))
            ts.append(t(i + 1, date(2024, 1, 1) + timedelta(days=rng.randint(0, 500)),
                        str(rng.choice([0, 5, 10, 55, 109])), result,
                        fee=D(rng.choice([0, 1])), entries=rng.randint(1, 3), rebuys=D(rng.choice([0, 10])),
                        venue=rng.choice(["A", "a", "B"]), format=rng.choice(list(Format))))
        s = summarize(ts)
        points = cumulative_profit(ts)
        assert (points[-1][1] if points else D(0)) == s.profit
        assert len(points) == s.played
        for by in ("venue", "format"):
            parts = [part for _, part in breakdown(ts, by)]  # type: ignore[arg-type]
            assert sum((p.profit for p in parts), D(0)) == s.profit
            assert sum((p.total_cost for p in parts), D(0)) == s.total_cost
            assert sum(p.played + p.pending for p in parts) == len(ts)
            assert [p.profit for p in parts] == sorted((p.profit for p in parts), reverse=True)
        assert s.profit == sum((profit(x) or D(0) for x in ts), D(0))
