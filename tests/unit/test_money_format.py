"""Numbers and money written the reader's way (domain/money.py), and rates (domain/rates.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from itertools import permutations

import pytest

from services.handler.domain.money import (
    EN_NUMBERS,
    RU_NUMBERS,
    format_amount,
    format_money,
    format_percent,
    format_rate,
    format_signed,
)
from services.handler.domain.rates import ROUGH_USD, combine, convert, currency_order, parse_rate, rough_rate
from services.handler.domain.records import Result, Tournament
from services.handler.domain.stats import summarize

NBSP = "\u00a0"


def test_english_groups_thousands_with_commas_and_a_decimal_point() -> None:
    assert format_amount(D("12500.5"), EN_NUMBERS) == "12,500.50"
    assert format_amount(D("1234567"), EN_NUMBERS) == "1,234,567"
    assert format_amount(D("750"), EN_NUMBERS) == "750"
    assert format_signed(D("-1250.005"), EN_NUMBERS) == "-1,250.01"  # half away from zero, at display
    assert format_signed(D("0.001"), EN_NUMBERS) == "0"
    assert format_percent(D(100) / 3, EN_NUMBERS) == "+33.3%"
    assert format_percent(D("1250"), EN_NUMBERS) == "+1,250%"
    assert format_percent(None, EN_NUMBERS) == "—"


def test_russian_groups_with_a_no_break_space_and_a_decimal_comma() -> None:
    assert format_amount(D("12500.5"), RU_NUMBERS) == f"12{NBSP}500,50"
    assert format_signed(D("-30"), RU_NUMBERS) == "-30"
    assert format_percent(D(100) / 3, RU_NUMBERS) == "+33,3%"
    assert format_percent(D("-12.04"), RU_NUMBERS) == "-12%"


def test_currency_sign_before_in_english_after_in_russian_code_after_in_both() -> None:
    assert format_money(D("1250.5"), "EUR", EN_NUMBERS) == "€1,250.50"
    assert format_money(D("100"), "USD", EN_NUMBERS) == "$100"
    assert format_money(D("-30"), "GBP", EN_NUMBERS, signed=True) == "-£30"
    assert format_money(D("200"), "RUB", EN_NUMBERS, signed=True) == "+₽200"
    assert format_money(D("1250.5"), "CHF", EN_NUMBERS) == f"1,250.50{NBSP}CHF"
    assert format_money(D("1250.5"), "EUR", RU_NUMBERS) == f"1{NBSP}250,50{NBSP}€"
    assert format_money(D("100"), "RUB", RU_NUMBERS) == f"100{NBSP}₽"
    assert format_money(D("-30"), "KZT", RU_NUMBERS, signed=True) == f"-30{NBSP}KZT"
    assert format_money(D("5"), "", RU_NUMBERS) == "5"  # no currency known: the number alone


def test_rates_are_shown_as_exactly_as_given() -> None:
    assert format_rate(D("0.92"), EN_NUMBERS) == "0.92"
    assert format_rate(D("0.00006100"), RU_NUMBERS) == "0,000061"
    assert format_rate(D("12000"), RU_NUMBERS) == f"12{NBSP}000"


@pytest.mark.parametrize(("text", "value"), [("0.92", D("0.92")), ("90,5", D("90.5")), ("1", D(1)),
                                             ("0.00000001", D("0.00000001")), ("1000000", D(1_000_000))])
def test_rates_read(text: str, value: D) -> None:
    assert parse_rate(text) == value


@pytest.mark.parametrize("text", ["0", "0.0", "-1", "1e3", "abc", "1000000.01", "0.000000001", "1,000.5", ""])
def test_rates_refused(text: str) -> None:
    assert parse_rate(text) is None


def _t(tid: int, currency: str, buy_in: str, prize: str | None) -> Tournament:
    result = None if prize is None else Result(place=1, prize=D(prize))
    return Tournament(id=tid, player_id=1, name="T", played_on=date(2025, 1, tid), venue="V",
                      buy_in=D(buy_in), currency=currency, result=result)


def test_combining_converts_exactly_and_names_what_is_missing() -> None:
    rows = [_t(1, "EUR", "100", "300"), _t(2, "USD", "33.33", "0")]
    assert convert(rows[1], D("0.925"), "EUR").buy_in == D("30.83025")  # exact until shown
    c = combine(rows, "EUR", {"USD": D("0.925")})
    assert c.used == {"USD": D("0.925")} and not c.missing and c.unknown == 0
    assert summarize(c.tournaments).profit == D("300") - D("100") - D("30.83025")
    missing = combine([*rows, _t(3, "GBP", "1", None)], "EUR", {})
    assert missing.missing == ["GBP", "USD"] and missing.tournaments == []
    assert combine([_t(4, "", "1", "1")], "EUR", {}).unknown == 1
    assert currency_order(["USD", "", "EUR", "GBP", "USD"], "EUR") == ["EUR", "GBP", "USD", ""]


def test_every_rough_example_rate_is_one_a_player_could_type() -> None:
    for code, default in permutations(ROUGH_USD, 2):
        rough = rough_rate(code, default)
        assert rough is not None and parse_rate(format(rough, "f")) == rough, (code, default)
    assert rough_rate("USD", "GEL") is None and rough_rate("GEL", "EUR") is None
