from datetime import date
from decimal import Decimal

import pytest

from services.handler.domain.edits import Draft, parse_edit_lines
from services.handler.domain.money import (
    EN_NUMBERS,
    format_amount,
    format_percent,
    format_signed,
    parse_amount,
)
from services.handler.domain.parsing import (
    ParseError,
    parse_buy_in,
    parse_registration,
)
from services.handler.domain.records import Format, Game, Result, TournamentFields
from services.handler.domain.score import parse_result


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
    assert parse_registration(line) == TournamentFields(
        name="Sunday Major", played_on=date(2025, 3, 2), buy_in=Decimal("100"), venue="Casino Royal"
    )


def test_registration_keeps_hyphens_inside_names() -> None:
    reg = parse_registration("Mini-Main | 01.01.2025 | 52,50 | Poker-Club")
    assert isinstance(reg, TournamentFields)
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
        ("A | 01.01.2025 | 10.5555 | V", "bad_buy_in"),
        ("A | 01.01.2025 | 10.55.5 | V", "bad_buy_in"),
        ("A | 01.01.2025 | $100+10€ | V", "mixed_currency"),
        ("A | 01.01.2025 | 100 abc | V", "bad_buy_in"),
        ("A | 01.12 | 100 | V", "bad_date"),  # without today, a date needs its year
        ("A | 01.01.2025 | 100 | ", "bad_venue"),
        ("A | 01.01.2025 | 100+x | V", "bad_buy_in"),
        ("A | 01.01.2025 | 100 | V | chess", "bad_extra"),
        ("A | 01.01.2025 | 100 | V | PLO | pko | more", "bad_format"),
    ],
)
def test_registration_errors_name_the_problem(line: str, code: str) -> None:
    result = parse_registration(line)
    assert isinstance(result, ParseError) and result.code == code


@pytest.mark.parametrize(
    "line", ["3 | 850", "3|850", "3 - 850", "3 850", "  3   850  ", "3 — 850", "3 | 850.00"]
)
def test_result_accepts_the_documented_forms(line: str) -> None:
    assert parse_result(line) == Result(place=3, prize=Decimal("850"))


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
        ("3 | 850 | x", "bad_bounty"),
        ("3 | 850 | -1", "negative_bounty"),
        ("3 | 850 | 1 | 2", "bad_format"),
        ("", "bad_format"),
    ],
)
def test_result_errors_name_the_problem(line: str, code: str) -> None:
    result = parse_result(line)
    assert isinstance(result, ParseError) and result.code == code


def test_bust_out_with_zero_payout_is_a_result() -> None:
    assert parse_result("57 | 0") == Result(place=57, prize=Decimal("0"))


def test_result_with_bounties() -> None:
    assert parse_result("3 | 850 | 120") == Result(place=3, prize=Decimal(850), bounty=Decimal(120))


def test_registration_with_fee_game_and_format_in_any_order() -> None:
    reg = parse_registration("A | 01.01.2025 | 100 + 10 | V | bounty | PLO")
    assert isinstance(reg, TournamentFields)
    assert (reg.buy_in, reg.fee, reg.game, reg.format) == (Decimal(100), Decimal(10), Game.PLO, Format.BOUNTY)
    assert parse_buy_in("52.50+2.50") == (Decimal("52.50"), Decimal("2.50"), None)


def test_edit_lines_in_english_and_russian() -> None:
    changes = parse_edit_lines("Buy-in: 100+10\nстек: 20k\nДата = 02.03.2025\nfield size: 180\ncurrency: eur")
    assert changes == {"buy_in": Decimal(100), "fee": Decimal(10), "starting_stack": 20000,
                       "played_on": date(2025, 3, 2), "field_size": 180, "currency": "EUR"}
    assert parse_edit_lines("place: -") == {"place": None}


@pytest.mark.parametrize(
    ("text", "code", "value"),
    [
        ("", "edit_empty", ""),
        ("no colon here", "edit_bad_line", "no colon here"),
        ("colour: red", "edit_unknown_field", "colour"),
        ("fee:", "edit_empty_value", "fee"),
        ("date: 2025", "edit_bad_value", "date: 2025"),
        ("venue: " + "x" * 101, "edit_bad_value", ("venue: " + "x" * 101)[:100]),
        ("entries: 0", "edit_bad_value", "entries: 0"),
        ("\n".join(["fee: 1"] * 21), "edit_too_many", "20"),
    ],
)
def test_edit_line_errors_name_the_line(text: str, code: str, value: str) -> None:
    error = parse_edit_lines(text)
    assert isinstance(error, ParseError) and (error.code, error.value) == (code, value)


def test_draft_needs_the_required_fields_and_a_whole_result() -> None:
    draft = Draft(name="A", buy_in=Decimal(5))
    assert draft.missing == ["played_on", "venue"] and draft.fields() is None
    draft = draft.apply({"played_on": date(2025, 1, 1), "venue": "V", "place": 2})
    assert draft.fields() is not None
    assert isinstance(draft.result(), ParseError)
    assert draft.apply({"prize": Decimal(0)}).result() == Result(place=2, prize=Decimal(0))


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
    assert format_amount(Decimal("750"), EN_NUMBERS) == "750"
    assert format_amount(Decimal("12.5"), EN_NUMBERS) == "12.50"
    assert format_signed(Decimal("750"), EN_NUMBERS) == "+750"
    assert format_signed(Decimal("-100"), EN_NUMBERS) == "-100"
    assert format_percent(Decimal("750"), EN_NUMBERS) == "+750%"
    assert format_percent(Decimal("100") / 3, EN_NUMBERS) == "+33.3%"
    assert format_percent(None, EN_NUMBERS) == "—"
