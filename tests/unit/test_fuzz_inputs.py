"""Whatever a user types or a client forges, parsing answers with a value or an error code.

Seeded random strings over an alphabet of the characters that matter here (digits of
other scripts, superscripts, separators, signs, dots, commas, spaces, quotes).
"""

from __future__ import annotations

import random

import pytest

from services.handler.conversation.dispatcher import converse
from services.handler.conversation.keyboards import parse_tournament_id
from services.handler.conversation.state import ConversationState, Step
from services.handler.domain.money import parse_amount
from services.handler.domain.parsing import (
    ParseError,
    parse_date,
    parse_registration,
    parse_result,
)
from services.handler.telegram import Incoming
from tests.unit.fakes import InMemoryTracker

ALPHABET = list("0123456789|-–—.,:; $€₽+−eE") + ["²", "٣", "５", "Ⅻ", "½", " ", "\n", "\t", "\u00a0", "'", '"', "res", "a", "я", "🂡", "\x00"]


def strings(seed: int, count: int, max_len: int = 40) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, max_len))) for _ in range(count)]


@pytest.mark.parametrize(("seed", "parse"), list(enumerate([parse_registration, parse_result, parse_date])))
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


async def test_any_text_in_any_step_and_any_button_is_answered() -> None:
    tracker = InMemoryTracker()
    states = [ConversationState(), ConversationState(step=Step.REGISTER),
              ConversationState(step=Step.RESULT_PICK), ConversationState(step=Step.RESULT, tournament_id=1)]
    for i, text in enumerate(strings(seed=11, count=1500)):
        kind = "callback" if i % 3 == 0 else "text"
        inc = Incoming(update_id=i, kind=kind, user_id=5, chat_id=5, language_code="en",
                       text=text, callback_id="c", callback_data=text[:64])
        outcome = await converse(inc, states[i % 4], tracker)
        assert outcome.replies, text
