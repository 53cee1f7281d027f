"""services/ocr/ticket/: ticket fields out of OCR text, Russian and English, clean
and noisy, and never an exception whatever the text."""

from __future__ import annotations

import random
import string
from datetime import date
from decimal import Decimal

import pytest

from services.ocr.ticket import has_fields, parse_ticket
from services.ocr.ticket.amounts import find_amounts, parse_price, undo_ruble_misread
from services.ocr.ticket.dates import find_date
from services.ocr.ticket.labels import edit_distance
from services.ocr.ticket.text import fix_digits
from shared.ocr_api import TicketFields


def fields(text: str) -> dict[str, object]:
    return {k: v for k, v in parse_ticket(text).model_dump().items() if v is not None}


def test_a_clean_english_ticket() -> None:
    text = """
        POKER TICKET
        Tournament: Sunday Million
        Date: 02.03.2025
        Buy-in: $100 + $10
        Starting stack: 20,000
        Venue: Casino Royale
        Seat 5, Table 12
    """
    assert fields(text) == {
        "name": "Sunday Million", "played_on": date(2025, 3, 2), "buy_in": Decimal("100.00"),
        "fee": Decimal("10.00"), "currency": "USD", "starting_stack": 20000,
        "venue": "Casino Royale",
    }  # fmt: skip


def test_a_clean_russian_ticket() -> None:
    text = """Весенний кубок
Дата: 2 марта 2025 г.
Бай-ин: 5 000 ₽
Комиссия: 500 ₽
Стартовый стек: 20 тыс.
Место: Казино Сочи
Регистрация до 18:00"""
    assert fields(text) == {
        "name": "Весенний кубок", "played_on": date(2025, 3, 2), "buy_in": Decimal("5000.00"),
        "fee": Decimal("500.00"), "currency": "RUB", "starting_stack": 20000,
        "venue": "Казино Сочи",
    }  # fmt: skip


def test_noisy_ocr_of_a_russian_ticket() -> None:
    # What tesseract gave for small print: stray quotes, lost capitals, a misread label,
    # Latin letters inside Russian words, "RUB" read as Cyrillic, the ruble sign as "2".
    text = """
‘Главное событие

Гурнир. Главное событие
Дaта: 24/02/2025
Взнос: 15 000 + 1 500 ВОВ
C6op: 300 2
‘стек: 40 000

клуб: Покер-клуб Туз
за \\ ews
"""
    read = parse_ticket(text)
    assert read.name == "Главное событие"
    assert read.played_on == date(2025, 2, 24)
    assert (read.buy_in, read.fee, read.currency) == (Decimal(15000), Decimal(1500), "RUB")
    assert read.starting_stack == 40000 and read.venue == "Покер-клуб Туз"


def test_noisy_ocr_of_an_english_ticket() -> None:
    text = """POKER ПСОЕЕВ
Toumament: Friday Night Bounty
Date: O2.O3.2O25
Buy-irx: € 2 S00 + €25O
Steck 40 000
Casino Casino Royale
Nas trand aaite"""
    assert fields(text) == {
        "name": "Friday Night Bounty", "played_on": date(2025, 3, 2), "buy_in": Decimal(2500),
        "fee": Decimal(250), "currency": "EUR", "starting_stack": 40000, "venue": "Casino Royale",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Tournament Winter Series #3", "Winter Series #3"),  # the colon lost
        ("Tournament. Monster Stack", "Monster Stack"),  # the colon read as a dot
        ("Event — Main Event", "Main Event"),
        ("Название турнира: «Кубок Сочи»", "Кубок Сочи"),
        ("Турнир выходного дня", "Турнир выходного дня"),  # a name that starts with the word
        ("  “Deepstack Turbo”  ", "Deepstack Turbo"),
        ("Tournament: " + "x" * 150, "x" * 100),  # TicketFields allows 100 characters
    ],
)
def test_the_event_name(line: str, expected: str) -> None:
    assert parse_ticket(f"{line}\nDate: 01.01.2025").name == expected


def test_the_name_is_the_first_prominent_line_not_a_heading_or_a_field() -> None:
    text = "ENTRY TICKET\n| ‘ .\nDate: 01.01.2025\nHigh Roller\nBuy-in 100"
    assert parse_ticket(text).name == "High Roller"
    assert parse_ticket("Входной билет\nКубок Сочи\nДата: 01.01.2025").name == "Кубок Сочи"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02.03.2025", date(2025, 3, 2)),
        ("2/3/2025", date(2025, 3, 2)),
        ("03/25/2025", date(2025, 3, 25)),  # month first only when nothing else fits
        ("2025-03-02", date(2025, 3, 2)),
        ("2025/3/2", date(2025, 3, 2)),
        ("02.03.25", date(2025, 3, 2)),
        ("2 March 2025", date(2025, 3, 2)),
        ("Sunday, March 2nd, 2025, 18:00", date(2025, 3, 2)),
        ("2 Mar. 2025", date(2025, 3, 2)),
        ("2 марта 2025 г.", date(2025, 3, 2)),
        ("2 мая 2025", date(2025, 5, 2)),
        ("15 сент. 2024", date(2024, 9, 15)),
        ("2 мaрта 2025", date(2025, 3, 2)),  # a Latin "a" in the month
        ("O2.O3.2O25", date(2025, 3, 2)),
        ("31.02.2025", None),
        ("12:00", None),
        ("1 March 0025", None),
    ],
)
def test_dates(text: str, expected: date | None) -> None:
    assert find_date(text) == expected


def test_a_date_with_its_separators_lost_is_read_behind_a_label_only() -> None:
    assert parse_ticket("Дата 1506 2026\nВзнос: 100").played_on == date(2026, 6, 15)
    assert parse_ticket("Event: X\nDate: 2707/2026").played_on == date(2026, 7, 27)
    assert find_date("Ticket 1506 2026") is None


@pytest.mark.parametrize(
    ("value", "buy_in", "fee", "currency"),
    [
        ("100", "100", None, None),
        ("$100 + $10", "100", "10", "USD"),
        ("100 + 10 USD", "100", "10", "USD"),
        ("€1,000 + €100", "1000", "100", "EUR"),
        ("1 000 + 100 ₽", "1000", "100", "RUB"),
        ("1.000,50 EUR", "1000.50", None, "EUR"),
        ("10,50 $", "10.50", None, "USD"),
        ("5 000 руб.", "5000", None, "RUB"),
        ("5000 р.", "5000", None, "RUB"),
        ("5000 - 500 RUB", "5000", "500", "RUB"),  # "+" read as "-"
        ("100 - 200", "100", None, None),  # a range, not a fee
        ("100 плюс 10 рублей", "100", "10", "RUB"),
        ("25 000 ВОВ", "25000", None, "RUB"),  # RUB read with Cyrillic letters
        ("1.5k", "1500", None, None),
        ("£50", "50", None, "GBP"),
    ],
)
def test_prices(value: str, buy_in: str, fee: str | None, currency: str | None) -> None:
    price = parse_price(value)
    assert price is not None
    assert (price.buy_in, price.fee, price.currency) == (
        Decimal(buy_in), None if fee is None else Decimal(fee), currency
    )
    assert price.buy_in.as_tuple().exponent == -2  # money is Decimal with two places


@pytest.mark.parametrize(
    ("misread", "fixed"),
    [("15 0002", "15 000"), ("2 000 + 2002", "2 000 + 200"), ("1 500 2", "1 500"),
     ("15 000 ®", "15 000"), ("200?", "200")],
)  # fmt: skip
def test_the_ruble_sign_tesseract_does_not_know(misread: str, fixed: str) -> None:
    assert undo_ruble_misread(misread) == (fixed, True)
    russian = parse_ticket(f"Турнир: Кубок\nВзнос: {misread}")
    assert russian.currency == "RUB" and russian.buy_in == find_amounts(fixed)[0].value


@pytest.mark.parametrize("amount", ["2002", "5002", "15 000", "100 + 12"])
def test_a_real_trailing_two_is_kept(amount: str) -> None:
    assert undo_ruble_misread(amount) == (amount, False)
    # And an English ticket's amounts are never taken for rubles.
    assert parse_ticket(f"Tournament: Cup\nBuy-in: {amount} 2").currency is None


@pytest.mark.parametrize(
    ("line", "stack"),
    [("Starting stack: 20,000", 20000), ("Stack 20k", 20000), ("Стартовый стек: 20 тыс.", 20000),
     ("Стек: 20 тж", 20000), ("Стек: 30 000 фишек", 30000), ("Chips: 1.5k", 1500),
     ("25,000 chips", 25000), ("Stack: 12", None), ("Stack: 2.5", None)],
)  # fmt: skip
def test_stacks(line: str, stack: int | None) -> None:
    assert parse_ticket(f"Event: Cup\n{line}").starting_stack == stack


@pytest.mark.parametrize(
    ("line", "venue"),
    [("Venue: Casino Royale", "Casino Royale"), ("Location Golden Palace", "Golden Palace"),
     ("Club: Aces", "Aces"), ("Казино: Шангри Ла", "Шангри Ла"), ("Место проведения: Клуб Ривер", "Клуб Ривер"),
     ("Клуб Покер-клуб Туз", "Покер-клуб Туз"), ("Aces Poker Club, Minsk", "Aces Poker Club, Minsk"),
     ("Место: 5", None)],
)  # fmt: skip
def test_venues(line: str, venue: str | None) -> None:
    assert parse_ticket(f"Event: Cup\n{line}").venue == venue


def test_lines_that_are_not_fields_are_left_alone() -> None:
    read = parse_ticket("Main Event\nSeat 5, Table 12\nTicket No. 004512\nRegistration closes 18:00\nBuy-in: 100")
    assert read.starting_stack is None and read.venue is None and read.fee is None
    assert read.name == "Main Event" and read.buy_in == Decimal(100)


def test_a_ticket_without_labels() -> None:
    text = "Sunday Million\nSunday, 2 March 2025\n$100 + $10\n20,000 chips\nAces Poker Club"
    assert fields(text) == {
        "name": "Sunday Million", "played_on": date(2025, 3, 2), "buy_in": Decimal(100),
        "fee": Decimal(10), "currency": "USD", "starting_stack": 20000, "venue": "Aces Poker Club",
    }  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        "It was a lovely day at the club.\nWe walked for hours and talked.",
        "Мы гуляли по набережной и ели мороженое.\nПривет всем, кто остался дома!",
        "| ‘ , . ~ —\n;; ::",
        "12345 678\n90",
    ],
)
def test_text_that_is_no_ticket_reads_as_nothing(text: str) -> None:
    assert parse_ticket(text) == TicketFields() and not has_fields(parse_ticket(text))


def test_one_field_is_enough_when_it_is_labelled() -> None:
    assert fields("blurry\nДата: 01.02.2025") == {"name": "blurry", "played_on": date(2025, 2, 1)}
    assert fields("Buy-in: 50") == {"buy_in": Decimal(50)}


def test_repairs_stay_inside_numbers() -> None:
    assert fix_digits("2O25 l00 O2.O3.2O25 $1,5OO 2Ok S00") == "2025 100 02.03.2025 $1,500 20k 500"
    assert fix_digits("Sunday Ole Io lol SOS") == "Sunday Ole Io lol SOS"


def test_edit_distance() -> None:
    assert edit_distance("toumament", "tournament", 2) == 2
    assert edit_distance("stack", "steck", 1) == 1
    assert edit_distance("abc", "xyzzy", 1) == 2  # past the limit: limit + 1


ALPHABETS = (
    string.printable,
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ0123456789 .,:;-+/\n",
    "Buy-in Бай-ин Date Дата Stack Стек Venue Место Fee Сбор $€₽ 0123456789 ,.:+-\n kKтыс",
)


def _garbage(rng: random.Random) -> str:
    kind = rng.randrange(4)
    length = rng.randrange(0, 400)
    if kind == 0:
        return "".join(rng.choice(rng.choice(ALPHABETS)) for _ in range(length))
    if kind == 1:  # any Unicode, surrogates and controls included
        return "".join(chr(rng.randrange(0, 0x110000)) for _ in range(length))
    if kind == 2:  # ticket words in random order
        words = ["Buy-in:", "Дата:", "31.02.2025", "99999999999999999999", "+", "1e9", "k", "тыс", "₽",
                 "RUB", "Stack:", "Venue:", "Club", "!", "0,0001"]
        return " ".join(rng.choice(words) for _ in range(length // 4)) + "\n" * rng.randrange(3)
    return "\n".join(("Buy-in: " + "9" * rng.randrange(1, 40), "Date: " + "1" * rng.randrange(1, 12),
                      "Stack: " + "9" * rng.randrange(1, 30) + "k", "x" * rng.randrange(0, 300)))  # fmt: skip


def test_never_raises_and_always_satisfies_the_contract() -> None:
    rng = random.Random(20250302)
    for _ in range(2000):
        text = _garbage(rng)
        read = parse_ticket(text)
        assert isinstance(read, TicketFields)
        TicketFields.model_validate(read.model_dump())  # within every constraint
        for amount in (read.buy_in, read.fee):
            assert amount is None or (isinstance(amount, Decimal) and amount.as_tuple().exponent == -2)


def test_huge_input_is_cut_short() -> None:
    read = parse_ticket("Buy-in: 100\n" + "Ж" * 5_000_000)
    assert read.buy_in == Decimal(100)
