from datetime import date
from decimal import Decimal

import pytest

from services.handler.domain.money import (
    format_amount,
    format_percent,
    format_signed,
    parse_amount,
)
from services.handler.domain.parsing import (
    ParseError,
    Registration,
    ResultEntry,
    parse_registration,
    parse_result,
)


@pytest.mark.parametrize(
    "line",
    [
        "Sunday Major | 02.03.2025 | 100 | Casino Royal",
        "Sunday Major|02.03.2025|100|Casino Royal",
        "Sunday Major - 02.03.2025 - 100 - Casino Royal",
        "Sunday Major – 02.03.2025 – 100 – Casino Royal",
        "Sunday Major — 2.3.2025 — 100.00 — Casino Royal",
    ],
)
def test_registration_accepts_the_documented_separators(line: str) -> None:
    assert parse_registration(line) == Registration(
        "Sunday Major", date(2025, 3, 2), Decimal("100"), "Casino Royal"
    )


def test_registration_keeps_hyphens_inside_names() -> None:
    reg = parse_registration("Mini-Main | 01.01.2025 | 52,50 | Poker-Club")
    assert isinstance(reg, Registration)
    assert (reg.name, reg.buy_in, reg.venue) == ("Mini-Main", Decimal("52.50"), "Poker-Club")


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("just a name", "bad_format"),
        ("A | 01.01.2025 | 100", "bad_format"),
        (" | 01.01.2025 | 100 | V", "bad_name"),
        ("A | 31.02.2025 | 100 | V", "bad_date"),
        ("A | 2025-01-01 | 100 | V", "bad_date"),
        ("A | 01.13.2025 | 100 | V", "bad_date"),
        ("A | 01.01.2025 | abc | V", "bad_buy_in"),
        ("A | 01.01.2025 | -100 | V", "negative_buy_in"),
        ("A | 01.01.2025 | 10.555 | V", "bad_buy_in"),
        ("A | 01.01.2025 | 100 | ", "bad_venue"),
    ],
)
def test_registration_errors_name_the_problem(line: str, code: str) -> None:
    result = parse_registration(line)
    assert isinstance(result, ParseError) and result.code == code


@pytest.mark.parametrize(
    "line", ["3 | 850", "3|850", "3 - 850", "3 850", "  3   850  ", "3 — 850", "3 | 850.00"]
)
def test_result_accepts_the_documented_forms(line: str) -> None:
    assert parse_result(line) == ResultEntry(3, Decimal("850"))


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("abc", "bad_format"),
        ("abc | 850", "bad_place"),
        ("0 | 850", "bad_place"),
        ("3.5 | 850", "bad_place"),
        ("3 | -850", "negative_payout"),
        ("3 -850", "negative_payout"),
        ("3 | lots", "bad_payout"),
        ("3 | 850 | 1", "bad_format"),
        ("", "bad_format"),
    ],
)
def test_result_errors_name_the_problem(line: str, code: str) -> None:
    result = parse_result(line)
    assert isinstance(result, ParseError) and result.code == code


def test_bust_out_with_zero_payout_is_a_result() -> None:
    assert parse_result("57 | 0") == ResultEntry(57, Decimal("0"))


@pytest.mark.parametrize(
    ("text", "value"),
    [("100", "100"), ("52.5", "52.5"), ("52,50", "52.50"), ("1,250.50", "1250.50"), ("$100", "100")],
)
def test_amounts_are_exact_decimals(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "1e3", "NaN", "Infinity", "1.2.3", "10000000000000", "12,3456"])
def test_non_amounts_are_refused(text: str) -> None:
    assert parse_amount(text) is None


def test_amount_formatting() -> None:
    assert format_amount(Decimal("750")) == "750"
    assert format_amount(Decimal("12.5")) == "12.50"
    assert format_signed(Decimal("750")) == "+750"
    assert format_signed(Decimal("-100")) == "-100"
    assert format_percent(Decimal("750")) == "+750%"
    assert format_percent(Decimal("100") / 3) == "+33.3%"
    assert format_percent(None) == "—"
