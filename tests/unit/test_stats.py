from decimal import Decimal as D

from services.handler.domain.stats import compute_stats, profit, roi


def test_single_result_profit_and_roi() -> None:
    assert profit(D(100), D(850)) == D(750)
    assert roi(D(750), D(100)) == D(750)


def test_stats_over_several_tournaments() -> None:
    s = compute_stats([(D(100), D(850)), (D(50), D(0)), (D(50), D(0)), (D(200), D(100))], pending=2)
    assert (s.played, s.pending) == (4, 2)
    assert (s.total_buy_ins, s.total_payouts, s.profit) == (D(400), D(950), D(550))
    assert s.roi == D("137.5")
    assert s.itm_percent == D(50)


def test_freerolls_have_no_roi_and_no_results_no_itm() -> None:
    assert compute_stats([(D(0), D(10))]).roi is None
    assert compute_stats([]).itm_percent is None
