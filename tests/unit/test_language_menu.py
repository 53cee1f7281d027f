"""/language, /menu and its reply keyboard, and the short answers to what the bot does not get."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devkit.fake_telegram.params import validate_reply_markup
from services.handler.conversation.dispatcher import COMMANDS
from services.handler.conversation.state import Step
from services.handler.tracker.memory import MemoryStore
from tests.unit.bot_user import BotUser, Replies

MENU_EN = [["📝 Register", "🏁 Result"], ["📊 Stats", "📈 Graph"], ["✖️ Hide menu"]]
MENU_RU = [["📝 Регистрация", "🏁 Результат"], ["📊 Статистика", "📈 График"], ["✖️ Скрыть меню"]]
# ReplyKeyboardMarkup's fields (Bot API): anything else is refused.
_REPLY_KEYBOARD_FIELDS = {
    "keyboard", "is_persistent", "resize_keyboard", "one_time_keyboard", "input_field_placeholder", "selective",
}


@pytest.fixture
def user(store: MemoryStore) -> BotUser:
    return BotUser(store)


def menu_of(reply: Replies) -> list[list[str]] | None:
    """The labels of the reply keyboard the reply's message carries (None: none)."""
    ((method, payload),) = reply.calls
    assert method == "sendMessage"
    markup = payload.get("reply_markup")
    if markup is None or "keyboard" not in markup:
        return None
    return [[b["text"] for b in row] for row in markup["keyboard"]]


async def test_the_menu_is_a_valid_persistent_reply_keyboard(user: BotUser) -> None:
    reply = await user.send("/menu")
    markup = reply.calls[0][1]["reply_markup"]
    assert set(markup) <= _REPLY_KEYBOARD_FIELDS
    assert markup["is_persistent"] is True and markup["resize_keyboard"] is True
    assert all(set(b) == {"text"} and len(b["text"]) > 0 for row in markup["keyboard"] for b in row)
    assert validate_reply_markup(json.loads(json.dumps(markup))) == markup  # as it goes over the wire
    assert menu_of(reply) == MENU_EN and "/menu" in reply.text


async def test_start_shows_the_menu(user: BotUser) -> None:
    assert menu_of(await user.send("/start")) == MENU_EN
    user.language = "ru"
    assert menu_of(await user.send("/start")) == MENU_RU


async def test_hide_menu_removes_it_and_menu_brings_it_back(user: BotUser) -> None:
    reply = await user.send("✖️ Hide menu")
    assert reply.calls[0][1]["reply_markup"] == {"remove_keyboard": True} and "/menu" in reply.text
    assert menu_of(await user.send("/menu")) == MENU_EN


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_menu_buttons_of_either_language_run_their_command(store: MemoryStore, language: str) -> None:
    user = BotUser(store, language=language)
    tid = await user.register("Sunday | 01.03.2025 | 100 | Casino")
    for label in ("🏁 Result", "🏁 Результат"):
        reply = await user.send(label)
        assert reply.buttons == [("Sunday · 01.03.2025", f"res:{tid}")] and user.step is Step.RESULT_PICK
        await user.send("/cancel")
    for label in ("📝 Register", "📝 Регистрация"):
        await user.send(label)
        assert user.step is Step.REGISTER
        await user.send("/cancel")
    await user.finish(tid, "1 | 300")
    for label in ("📊 Stats", "📊 Статистика"):
        assert "ROI" in (await user.send(label)).text
    for label in ("📈 Graph", "📈 График"):
        assert [u[0] for u in (await user.send(label)).uploads] == ["sendPhoto"]
    for label in ("✖️ Hide menu", "✖️ Скрыть меню"):
        assert (await user.send(label)).calls[0][1]["reply_markup"] == {"remove_keyboard": True}


async def test_a_menu_press_in_a_step_is_the_command_typed(user: BotUser) -> None:
    """As typed: /stats leaves the step open, /register starts afresh."""
    await user.send("/register")
    await user.send("Sunday Major")
    assert user.step is Step.REG_DATE
    reply = await user.send("📊 Stats")
    assert "No results" in reply.text and user.step is Step.REG_DATE
    reply = await user.send("📝 Register")
    assert "Send the tournament in one line" in reply.text
    assert user.step is Step.REGISTER and user.conversation == {"step": "register"}


@pytest.mark.parametrize(("telegram", "choice", "answer", "later"), [
    ("en", "ru", "по-русски", "Что я умею"),
    ("ru", "en", "in English", "What I can do"),
])
async def test_language_buttons_switch_and_stick(
    store: MemoryStore, telegram: str, choice: str, answer: str, later: str
) -> None:
    user = BotUser(store, language=telegram)
    reply = await user.send("/language")
    assert reply.buttons == [
        ("English", "lang:en"), ("Русский", "lang:ru"),
        ("Auto (as in Telegram)" if telegram == "en" else "Авто (как в Telegram)", "lang:auto"),
    ]
    reply = await user.press(f"lang:{choice}")
    assert answer in reply.text  # the confirmation already in the language chosen, with its menu
    assert menu_of(Replies([reply.calls[1]], [], [])) == (MENU_RU if choice == "ru" else MENU_EN)
    user.session = {}  # a lost session: the choice is the player's, read from the tracker
    assert later in (await user.send("/help")).text
    assert later in (await BotUser(store, language=telegram, user_id=user.user_id).send("/help")).text


async def test_language_typed_and_back_to_auto(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    assert "in English" in (await user.send("/language en")).text
    assert "What I can do" in (await user.send("/help")).text
    reply = await user.send("/language auto")
    assert "языке вашего Telegram" in reply.text and menu_of(reply) == MENU_RU
    user.session = {}
    assert "Что я умею" in (await user.send("/help")).text
    assert "по-русски" in (await user.send("/language Русский")).text


async def test_a_wrong_language_is_answered_with_what_is_expected(user: BotUser) -> None:
    await user.send("/register")
    reply = await user.send("/language de")
    assert "«de»" in reply.text and "/language ru" in reply.text and len(reply.buttons) == 3
    assert user.step is Step.REGISTER  # /language leaves the step as it was
    reply = await user.send("/language " + "x" * 500)
    assert len(reply.text) < 300
    reply = await user.press("lang:de")
    assert reply.answers[0]["text"] == "This button is no longer active."
    assert "What I can do" in (await user.send("/help")).text


async def test_help_and_start_name_every_command_the_bot_knows(user: BotUser) -> None:
    for language in ("en", "ru"):
        user.language = language
        for command in ("/help", "/start"):
            text = (await user.send(command)).text
            named = set(re.findall(r"/([a-z]+)\b", text))
            assert set(COMMANDS) - {"start"} <= named, (language, command)
            assert named <= set(COMMANDS), (language, command)  # and nothing the bot does not know


def test_the_readmes_command_table_names_every_command() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## What the bot understands", 1)[1].split("\n\n", 2)[1]
    rows = set(re.findall(r"^\| `/([a-z]+)", table, re.MULTILINE))
    named = set(re.findall(r"`/([a-z]+)", table))
    assert set(COMMANDS) - {"start"} <= named and "start" in rows


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("what", ["hello there", "/frobnicate", "sticker"])
async def test_off_topic_gets_a_short_answer_pointing_to_help(store: MemoryStore, language: str, what: str) -> None:
    user = BotUser(store, language=language)
    if what == "sticker":
        reply = await user.deliver({"update_id": 1, "message": user._message(sticker={"file_id": "x", "emoji": "🃏"})})
    else:
        reply = await user.send(what)
    assert "/help" in reply.text and len(reply.text.splitlines()) <= 3
    assert "/export —" not in reply.text  # not the whole command list
