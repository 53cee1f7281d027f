"""The conversations as a user lives them, with no I/O: a test driver keeps the session."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from services.handler.conversation.dispatcher import converse
from services.handler.conversation.replies import AnswerCallback, SendMessage
from services.handler.conversation.state import ConversationState, Step
from services.handler.telegram import Incoming
from tests.unit.fakes import InMemoryTracker

_ids = itertools.count(1000)


@dataclass
class Chat:
    """One user talking to the bot; the session dict is what the session service would keep."""

    tracker: InMemoryTracker
    user_id: int = 42
    language: str = "en"
    session: dict = field(default_factory=dict)
    keyboard: list[tuple[str, str]] = field(default_factory=list)

    async def _run(self, inc: Incoming) -> list:
        out = await converse(inc, ConversationState.from_session(self.session), self.tracker)
        self.session = out.state.to_session()
        for r in out.replies:
            if isinstance(r, SendMessage) and r.keyboard:
                self.keyboard = [(b.text, b.callback_data) for row in r.keyboard for b in row]
        return out.replies

    def _incoming(self, **kw) -> Incoming:
        base = dict(update_id=next(_ids), user_id=self.user_id, chat_id=self.user_id,
                    language_code=self.language, first_name="Ann")
        return Incoming(**(base | kw))

    async def send(self, text: str) -> str:
        if text.startswith("/"):
            head, _, args = text.partition(" ")
            inc = self._incoming(kind="command", text=text, command=head[1:], args=args)
        else:
            inc = self._incoming(kind="text", text=text)
        replies = await self._run(inc)
        return "\n".join(r.text for r in replies if isinstance(r, SendMessage))

    async def press(self, data: str) -> tuple[list[AnswerCallback], str]:
        replies = await self._run(self._incoming(kind="callback", callback_id="cb", callback_data=data))
        answers = [r for r in replies if isinstance(r, AnswerCallback)]
        return answers, "\n".join(r.text for r in replies if isinstance(r, SendMessage))

    @property
    def step(self) -> Step:
        return ConversationState.from_session(self.session).step


async def test_seed_scenario_register_result_button_score() -> None:
    chat = Chat(InMemoryTracker())
    assert "Name | DD.MM.YYYY | buy-in | venue" in await chat.send("/register")
    assert chat.step is Step.REGISTER
    reply = await chat.send("Sunday Major | 02.03.2025 | 100 | Casino Royal")
    assert "Tournament registered" in reply and chat.step is Step.IDLE

    reply = await chat.send("/result")
    assert chat.keyboard == [("Sunday Major · 02.03.2025", "res:1")]
    answers, reply = await chat.press("res:1")
    assert len(answers) == 1 and "Sunday Major" in reply and chat.step is Step.RESULT

    reply = await chat.send("3 | 850")
    assert "Place: 3" in reply and "Payout: 850" in reply
    assert "Profit: +750" in reply and "ROI: +750%" in reply
    assert chat.step is Step.IDLE and chat.session == {}
    assert chat.tracker.tournaments[1].result is not None


async def test_register_on_one_line_and_russian_texts() -> None:
    chat = Chat(InMemoryTracker(), language="ru")
    reply = await chat.send("/register Турнир - 01.02.2025 - 50 - Клуб")
    assert "Турнир зарегистрирован" in reply
    assert await chat.tracker.pending(42, 10)


async def test_wrong_input_keeps_the_step_open_and_says_what_is_expected() -> None:
    chat = Chat(InMemoryTracker())
    await chat.send("/register")
    reply = await chat.send("A | 31.02.2025 | 100 | V")
    assert "31.02.2025" in reply and "DD.MM.YYYY" in reply and chat.step is Step.REGISTER
    await chat.send("A | 28.02.2025 | 100 | V")
    await chat.send("/result")
    await chat.press(chat.keyboard[0][1])
    for wrong, expected in [("abc", "place | payout"), ("abc | 10", "not a place"),
                            ("3 | -850", "cannot be negative")]:
        reply = await chat.send(wrong)
        assert expected in reply and chat.step is Step.RESULT
    assert (await chat.tracker.get(42, 1)).result is None  # type: ignore[union-attr]
    assert "Result saved" in await chat.send("3 850")


async def test_cancel_at_any_step_leaves_a_clean_session() -> None:
    chat = Chat(InMemoryTracker())
    await chat.send("/register")
    assert "Cancelled" in await chat.send("/cancel")
    assert chat.session == {}
    assert "Nothing to cancel" in await chat.send("/cancel")


async def test_text_outside_any_step_gets_help_not_unknown_command() -> None:
    chat = Chat(InMemoryTracker())
    reply = await chat.send("hello")
    assert "/register" in reply and "Unknown command" not in reply
    assert "/frobnicate" in await chat.send("/frobnicate")


async def test_button_of_a_tournament_that_already_has_a_result() -> None:
    chat = Chat(InMemoryTracker())
    await chat.send("/register A | 01.01.2025 | 10 | V")
    await chat.send("/result")
    await chat.press("res:1")
    await chat.send("1 | 100")
    answers, reply = await chat.press("res:1")
    assert len(answers) == 1 and "already has a result" in reply and chat.step is Step.IDLE


async def test_another_players_tournament_cannot_be_reached_by_forged_button() -> None:
    tracker = InMemoryTracker()
    owner, intruder = Chat(tracker, user_id=1), Chat(tracker, user_id=2)
    await owner.send("/register Mine | 01.01.2025 | 10 | V")
    answers, reply = await intruder.press("res:1")
    assert answers and answers[0].text and "not available" in reply
    assert intruder.step is Step.IDLE
    for forged in ["res:", "res:abc", "res:99999999999999999999999", "zzz"]:
        answers, _ = await intruder.press(forged)
        assert len(answers) == 1


async def test_result_with_nothing_pending_and_typing_instead_of_pressing() -> None:
    chat = Chat(InMemoryTracker())
    assert "/register" in await chat.send("/result")
    await chat.send("/register A | 01.01.2025 | 10 | V")
    await chat.send("/result")
    assert "Tap one of the tournament buttons" in await chat.send("3 | 850")


async def test_tournaments_and_stats() -> None:
    chat = Chat(InMemoryTracker())
    assert "no tournaments" in await chat.send("/tournaments")
    assert "No results yet" in await chat.send("/stats")
    for line, score in [("A | 01.01.2025 | 100 | V", "1 | 400"), ("B | 02.01.2025 | 100 | V", "9 | 0")]:
        await chat.send("/register " + line)
        await chat.send("/result")
        await chat.press(chat.keyboard[0][1])
        await chat.send(score)
    await chat.send("/register C | 03.01.2025 | 50 | V")
    listing = await chat.send("/tournaments")
    assert listing.index("C (V)") < listing.index("B (V)") < listing.index("A (V)")
    stats = await chat.send("/stats")
    for expected in ["played: 2", "result: 1", "buy-ins: 200", "payouts: 400", "Profit: +200",
                     "ROI: +100%", "ITM: 50%"]:
        assert expected in stats


async def test_informational_commands_keep_an_open_step() -> None:
    chat = Chat(InMemoryTracker())
    await chat.send("/register")
    await chat.send("/stats")
    assert chat.step is Step.REGISTER


async def test_same_update_twice_stores_once() -> None:
    tracker = InMemoryTracker()
    inc = Incoming(update_id=5, kind="command", user_id=1, chat_id=1, language_code="en",
                   command="register", args="A | 01.01.2025 | 10 | V")
    await converse(inc, ConversationState(), tracker)
    await converse(inc, ConversationState(), tracker)
    assert len(tracker.tournaments) == 1
