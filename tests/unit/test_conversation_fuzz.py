"""Any text in any step and any button data is answered, and never breaks the conversation.

Hypothesis draws what users type (tests/unit/test_fuzz_inputs.py: digits of other scripts,
separators, signs, control characters, whole-format lines with damaged parts, texts up to
Telegram's 4096 characters) and sends it as a message or as button data to a user parked
in any step, in English or Russian, on the in-memory tracker.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.handler.conversation.state import ConversationState, Step
from services.handler.domain.edits import Draft
from services.handler.tracker.memory import MemoryStore
from tests.unit.bot_user import BotUser
from tests.unit.test_fuzz_inputs import user_text

TELEGRAM_MAX_TEXT = 4096
CALLBACK_DATA_MAX_BYTES = 64


def telegram_text(text: str) -> str:
    """What Telegram can deliver: valid Unicode (no lone surrogate), never empty."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") or "x"


def button_data(text: str) -> str:
    """Callback data as Telegram carries it: 1..64 bytes."""
    return telegram_text(text).encode()[:CALLBACK_DATA_MAX_BYTES].decode("utf-8", "ignore") or "x"


@pytest.fixture(scope="module")
async def fuzzed() -> tuple[BotUser, int]:
    user = BotUser(MemoryStore())
    return user, await user.register("Fuzzed | 01.01.2025 | 10 | V")


@settings(
    max_examples=1200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    step=st.sampled_from(Step),
    text=user_text.map(telegram_text),
    press=st.booleans(),
    language=st.sampled_from(["en", "ru", "de", None]),
)
@example(step=Step.REG_DATE, text="0" * 4096, press=False, language="ru")
@example(step=Step.RESULT, text="1 | " + "9" * 4090, press=False, language="en")
@example(step=Step.REGISTER, text="a" + " " * 4094 + "b", press=False, language="en")
@example(step=Step.IDLE, text="/" + "x" * 199, press=False, language="en")
async def test_any_text_in_any_step_and_any_button_is_answered(
    fuzzed: tuple[BotUser, int], step: Step, text: str, press: bool, language: str | None
) -> None:
    user, tid = fuzzed
    user.language = language  # type: ignore[assignment]
    user.session = ConversationState(step=step, tournament_id=tid, draft=Draft(name="T")).to_session()
    reply = await (user.press(button_data(text)) if press else user.send(text))
    assert reply.calls, (step, text)
    for method, payload in reply.calls:
        if method == "sendMessage":
            assert 0 < len(payload["text"]) <= TELEGRAM_MAX_TEXT, (step, len(payload["text"]))
        if method == "answerCallbackQuery" and payload.get("text"):
            assert len(payload["text"]) <= 200  # Telegram's limit for the notification
    # The session the step leaves behind reads back.
    ConversationState.from_session(user.session)
    # The tournament survived whatever was typed at it, scoped to its player.
    t = await user.tournament(tid)
    assert (t and t.name) == "Fuzzed"


async def test_a_very_long_unknown_command_is_answered_in_one_message(fuzzed: tuple[BotUser, int]) -> None:
    user, _ = fuzzed
    user.session = {}
    reply = await user.send("/" + "x" * 4095)
    assert 0 < len(reply.text) <= TELEGRAM_MAX_TEXT
