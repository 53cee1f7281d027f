"""The conversations as a user lives them: Update JSON in, Bot API calls out, the tracker in memory.

Each test is one or two players on a tracker of its own.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.handler.conversation.state import Step
from services.handler.tracker.memory import MemoryStore
from tests.unit.bot_user import BotUser


@pytest.fixture
def user(store: MemoryStore) -> BotUser:
    return BotUser(store)


async def result_of(user: BotUser, tournament_id: int) -> tuple | None:
    t = await user.tournament(tournament_id)
    r = None if t is None else t.result
    return None if r is None else (r.place, r.prize, r.bounty)


async def test_seed_scenario_register_result_button_score(user: BotUser) -> None:
    reply = await user.send("/register")
    assert "Name | DD.MM.YYYY | buy-in | venue" in reply.text and user.step is Step.REGISTER
    reply = await user.send("Sunday Major | 02.03.2025 | 100 | Casino Royal")
    assert "Tournament registered" in reply.text and user.step is Step.IDLE

    reply = await user.send("/result")
    ((label, data),) = reply.buttons
    assert label == "Sunday Major · 02.03.2025" and data.startswith("res:")
    reply = await user.press(data)
    assert "Sunday Major" in reply.text and user.step is Step.RESULT

    reply = await user.send("3 | 850")
    for expected in ["Place: 3", "Payout: 850", "Cost: 100", "Profit: +750", "ROI: +750%"]:
        assert expected in reply.text
    assert user.step is Step.IDLE and user.conversation == {}
    assert await result_of(user, int(data[4:])) == (3, Decimal("850"), Decimal("0"))


async def test_register_on_one_line_in_russian_with_fee_game_and_format(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    reply = await user.send("/register Турнир - 01.02.2025 - 50+5 - Клуб - PLO - pko")
    assert "Турнир зарегистрирован" in reply.text
    for expected in ["Бай-ин: 50", "Комиссия: 5", "Игра: PLO", "Формат: Баунти/PKO"]:
        assert expected in reply.text
    reply = await user.send("/result")
    reply = await user.press(reply.buttons[0][1])
    reply = await user.send("2 | 300 | 40")
    # cost 55, winnings 340: profit 285, ROI 518.2%
    for expected in ["Затраты: 55", "Прибыль: +285", "ROI: +518,2%", "Баунти: 40"]:
        assert expected in reply.text


async def test_register_step_by_step_with_buttons(user: BotUser) -> None:
    await user.send("/setvenue Casino Royal")
    await user.send("/register")
    reply = await user.send("Sunday Major")
    assert user.step is Step.REG_DATE and "Sunday Major" in reply.text
    assert [t for t, _ in reply.buttons] == ["Today", "Yesterday", "Tomorrow"]
    reply = await user.send("31.02.2025")  # wrong: the step stays, with what is expected
    assert "DD.MM.YYYY" in reply.text and user.step is Step.REG_DATE
    reply = await user.press(reply.button("Yesterday"))
    assert user.step is Step.REG_BUY_IN
    reply = await user.send("lots")
    assert "100+10" in reply.text and user.step is Step.REG_BUY_IN
    reply = await user.send("100+10")
    assert user.step is Step.REG_VENUE and reply.buttons == [("Casino Royal", "rv:cur")]
    reply = await user.press("rv:cur")
    assert user.step is Step.REG_GAME and [t for t, _ in reply.buttons][:3] == ["NLHE", "PLO", "PLO5"]
    reply = await user.send("chess")
    assert "Tap one of the games" in reply.text and user.step is Step.REG_GAME
    reply = await user.press("rg:PLO")
    assert user.step is Step.REG_FORMAT
    reply = await user.press(reply.button("Re-entry"))
    assert "Tournament registered" in reply.text and user.step is Step.IDLE
    for expected in ["Date: 14.06.2025", "Venue: Casino Royal", "Buy-in: 100", "Fee: 10",
                     "Game: PLO", "Format: Re-entry"]:
        assert expected in reply.text
    # A button of a step that is over does nothing.
    reply = await user.press("rf:bounty")
    assert reply.answers[0]["text"] == "This button is no longer active." and not reply.text


async def test_wrong_input_keeps_the_step_open_and_says_what_is_expected(user: BotUser) -> None:
    await user.send("/register")
    reply = await user.send("A | 31.02.2025 | 100 | V")
    assert "31.02.2025" in reply.text and "DD.MM.YYYY" in reply.text and user.step is Step.REGISTER
    tid = await user.register("A | 28.02.2025 | 100 | V")
    await user.send("/result")
    await user.press(f"res:{tid}")
    for wrong, expected in [("abc", "place | prize"), ("abc | 10", "not a place"),
                            ("3 | -850", "cannot be negative"), ("3 | 850 | x", "not a bounty")]:
        reply = await user.send(wrong)
        assert expected in reply.text and user.step is Step.RESULT
    assert await result_of(user, tid) is None
    assert "Result saved" in (await user.send("3 850")).text


async def test_cancel_at_any_step_leaves_a_clean_session(user: BotUser) -> None:
    await user.send("/register")
    await user.send("Name only")
    assert "Cancelled" in (await user.send("/cancel")).text
    assert user.conversation == {}
    assert "Nothing to cancel" in (await user.send("/cancel")).text


async def test_text_outside_any_step_gets_help_not_unknown_command(user: BotUser) -> None:
    reply = await user.send("hello")
    assert "/help" in reply.text and "know the command" not in reply.text
    assert "/frobnicate" in (await user.send("/frobnicate")).text


async def test_button_of_a_tournament_that_already_has_a_result(user: BotUser) -> None:
    tid = await user.register("A | 01.01.2025 | 10 | V")
    await user.finish(tid, "1 | 100")
    reply = await user.press(f"res:{tid}")
    assert "already has a result" in reply.text and user.step is Step.IDLE


async def test_another_players_tournament_cannot_be_reached_by_forged_buttons(store: MemoryStore) -> None:
    owner, intruder = BotUser(store), BotUser(store)
    tid = await owner.register("Mine | 01.01.2025 | 10 | V")
    await owner.finish(tid, "2 | 50")
    for data in [f"res:{tid}", f"ed:{tid}", f"del:{tid}"]:
        reply = await intruder.press(data)
        assert "not available" in reply.answers[0]["text"] and intruder.step is Step.IDLE
    # Even with a delete confirmation open for one of its own, another id is refused.
    own = await intruder.register("Own | 01.01.2025 | 10 | V")
    await intruder.press(f"del:{own}")
    for action in "rtk":
        reply = await intruder.press(f"dx:{action}:{tid}")
        assert reply.answers[0]["text"] == "This button is no longer active."
    for forged in ["res:", "res:abc", "ed:99999999999999999999999", "dx:t:", "zzz", "rg:Chess", "tk:ok"]:
        await intruder.press(forged)  # answered once (checked by the driver), nothing else
    assert await result_of(owner, tid) == (2, Decimal("50"), Decimal("0"))
    assert "Mine" in (await owner.send("/tournaments")).text


async def test_result_with_nothing_pending_and_typing_instead_of_pressing(user: BotUser) -> None:
    assert "/register" in (await user.send("/result")).text
    await user.register("A | 01.01.2025 | 10 | V")
    await user.send("/result")
    assert "Tap one of the tournament buttons" in (await user.send("3 | 850")).text


async def test_informational_commands_keep_an_open_step(user: BotUser) -> None:
    await user.send("/register")
    for command in ["/stats", "/tournaments", "/venue", "/graph", "/export"]:
        await user.send(command)
        assert user.step is Step.REGISTER, command


async def test_same_update_twice_stores_once(user: BotUser) -> None:
    body = {"update_id": 77, "message": user._message(text="/register A | 01.01.2025 | 10 | V")}
    await user.deliver(body)
    user.session = {}
    await user.deliver(body)
    assert len(await user.tournaments()) == 1
