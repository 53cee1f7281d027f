"""Whatever a user types or a client forges, parsing answers with a value or an error code.

Seeded random strings over an alphabet of the characters that matter here (digits of
other scripts, superscripts, separators, signs, dots, commas, spaces, quotes).
"""

from __future__ import annotations

import random

import pytest

from services.handler.conversation.keyboards import parse_tournament_id
from services.handler.domain.edits import parse_edit_lines
from services.handler.domain.money import parse_amount
from services.handler.domain.parsing import (
    ParseError,
    parse_buy_in,
    parse_date,
    parse_format,
    parse_game,
    parse_registration,
    parse_result,
)

ALPHABET = list("0123456789|-–—.,:; $€₽+−eE") + ["²", "٣", "５", "Ⅻ", "½", " ", "\n", "\t", "\u00a0", "'", '"', "res", "a", "я", "🂡", "\x00"]


def strings(seed: int, count: int, max_len: int = 40) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, max_len))) for _ in range(count)]


PARSERS = [parse_registration, parse_result, parse_date, parse_buy_in, parse_game, parse_format]


@pytest.mark.parametrize(("seed", "parse"), list(enumerate(PARSERS)))
def test_parsers_never_raise(seed: int, parse) -> None:
    for text in strings(seed=seed, count=4000):
        result = parse(text)
        assert result is not None
        if isinstance(result, ParseError):
            assert result.code


def test_amounts_and_callback_ids_never_raise() -> None:
    for text in strings(seed=7, count=4000):
        amount = parse_amount(text)
        assert amount is None or amount >= 0
        tid = parse_tournament_id(text)
        assert tid is None or 0 <= tid < 2**63


def test_edit_lines_never_raise_and_name_the_offending_line() -> None:
    fields = ["name", "date", "buy-in", "fee", "place", "prize", "bounty", "entries", "stack",
              "field", "currency", "game", "format", "дата", "место", "выплата", "x"]
    rng = random.Random(5)
    for text in strings(seed=13, count=3000):
        line = f"{rng.choice(fields)}: {text}" if rng.random() < 0.8 else text
        result = parse_edit_lines(line + "\n" + line)
        if isinstance(result, ParseError):
            assert result.code.startswith("edit_")
        else:
            assert isinstance(result, dict) and result
