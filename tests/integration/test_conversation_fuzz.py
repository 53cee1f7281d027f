"""Any text in any step and any button data is answered, and never breaks the conversation.

Seeded random strings (see tests/unit/test_fuzz_inputs.py) sent as text and as callback data
to a user parked in each step in turn, on real PostgreSQL.
"""

from __future__ import annotations

import asyncpg
import pytest

from services.handler.conversation.state import ConversationState, Step
from services.handler.domain.edits import Draft
from tests.integration.bot_user import BotUser
from tests.unit.test_fuzz_inputs import strings

pytestmark = pytest.mark.integration


async def test_any_text_in_any_step_and_any_button_is_answered(tracker_pool: asyncpg.Pool) -> None:
    user = BotUser(tracker_pool)
    tid = await user.register("Fuzzed | 01.01.2025 | 10 | V")
    draft = Draft(name="T")
    states = [ConversationState(step=step, tournament_id=tid, draft=draft) for step in Step]
    for i, text in enumerate(strings(seed=11, count=1600)):
        state = states[i % len(states)]
        user.session = state.to_session()
        reply = await (user.press(text[:64] or "x") if i % 3 == 0 else user.send(text or "x"))
        assert reply.calls, (state.step, text)
        for method, payload in reply.calls:
            if method == "sendMessage":
                assert 0 < len(payload["text"]) <= 4096
    # The tournament survived whatever was typed at it, scoped to its player.
    assert "Fuzzed" in (await user.send("/tournaments")).text
