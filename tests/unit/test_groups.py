"""The bot in group and supergroup chats: silent but for its own commands, which get a link
to a private chat.  The updates are shaped as Telegram sends them (fixtures/group_updates.json:
service messages, chatter, stickers, other bots' commands, channel posts, ...)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from services.handler.conversation.state import Step
from services.handler.tracker.memory import MemoryStore
from tests.unit.bot_user import BOT, BotUser

SAMPLES = json.loads((Path(__file__).parent / "fixtures" / "group_updates.json").read_text())
USER_ID = SAMPLES["user"]["id"]


@pytest.fixture
def user(store: MemoryStore) -> BotUser:
    return BotUser(store, user_id=USER_ID)


def test_the_samples_are_telegram_shaped() -> None:
    """Group ids are negative, supergroup ids -100…; every sample has an update_id."""
    assert SAMPLES["bot"]["username"] == BOT.username
    for update in [*SAMPLES["silent"].values(), *(a["update"] for a in SAMPLES["answered"].values())]:
        assert isinstance(update["update_id"], int)
        body = next(v for k, v in update.items() if k != "update_id")
        chat = body["chat"]
        assert chat["id"] < 0 and chat["type"] in ("group", "supergroup", "channel")
        if chat["type"] != "group":
            assert str(chat["id"]).startswith("-100")


@pytest.mark.parametrize("name", sorted(SAMPLES["silent"]))
async def test_no_bot_api_call_for_what_is_not_our_command(user: BotUser, name: str) -> None:
    await user.send("/register")  # a step open in the private chat survives whatever the group does
    before = dict(user.session)
    update = SAMPLES["silent"][name]
    reply = await user.raw(update)
    assert reply.calls == [] and reply.uploads == [] and reply.ocr_jobs == []
    assert user.session == before and user.step is Step.REGISTER
    # Only a person's command gets as far as the conversation (to be told whose it is);
    # anything else is dropped on arrival, without reading a session.
    message = update.get("message") or {}
    a_command = (message.get("text") or "").startswith("/") and not message["from"]["is_bot"]
    assert reply.ignored is not a_command


@pytest.mark.parametrize("name", sorted(SAMPLES["answered"]))
async def test_our_command_in_a_group_links_to_a_private_chat(user: BotUser, name: str) -> None:
    sample: dict[str, Any] = SAMPLES["answered"][name]
    await user.send("/register")
    reply = await user.raw(sample["update"])
    ((method, payload),) = reply.calls  # exactly one call: the link, in the group
    assert method == "sendMessage" and payload["chat_id"] == sample["chat_id"]
    assert f"https://t.me/{BOT.username}?start={sample['payload']}" in payload["text"]
    assert "reply_markup" not in payload  # no menu in a group
    # Nothing ran: no tournament registered, the private step as it was.
    assert await user.tournaments() == [] and user.step is Step.REGISTER


async def test_the_link_is_in_the_players_language(user: BotUser) -> None:
    await user.send("/language ru")
    reply = await user.raw(SAMPLES["answered"]["group_command"]["update"])
    assert "личных сообщениях" in reply.text and f"t.me/{BOT.username}?start=stats" in reply.text


async def test_a_button_under_a_group_message_is_only_answered(user: BotUser) -> None:
    tid = await user.register("A | 01.01.2025 | 10 | V")
    reply = await user.raw(SAMPLES["group_button"] | {"callback_query": {
        **SAMPLES["group_button"]["callback_query"], "data": f"res:{tid}"}})
    assert reply.calls == [("answerCallbackQuery", {"callback_query_id": "4382151716813651101"})]
    assert user.step is Step.IDLE


async def test_without_a_known_username_the_answer_says_where_to_go(store: MemoryStore) -> None:
    from services.handler.conversation.identity import UNNAMED_BOT

    user = BotUser(store, user_id=USER_ID, bot=UNNAMED_BOT)
    reply = await user.raw(SAMPLES["answered"]["group_command"]["update"])
    assert "private chats" in reply.text and "t.me" not in reply.text
    # Without a username we cannot tell "@ours" from "@theirs": a named command is left alone.
    assert (await user.raw(SAMPLES["answered"]["group_command_to_us"]["update"])).calls == []


async def test_the_link_opens_a_private_chat_that_hints_the_command(user: BotUser) -> None:
    reply = await user.send("/start stats")
    assert "poker tournaments" in reply.text and "send /stats here" in reply.text.splitlines()[0]  # the hint first
    reply = await user.send("/start group")
    assert "poker tournaments" in reply.text and "group chat" not in reply.text
    user.language = "ru"
    assert "отправьте здесь /register" in (await user.send("/start register")).text


async def test_private_chats_are_as_before(user: BotUser) -> None:
    """The same commands and chatter in the private chat are run, not linked away."""
    assert "Send the tournament in one line" in (await user.send("/register@PokerTrackerTestBot")).text
    assert "registered" in (await user.send("Sunday | 01.03.2025 | 100 | Casino")).text
    assert "t.me" not in (await user.send("/stats")).text
    assert "/help" in (await user.send("anyone up for poker tonight?")).text
    assert "Reading your ticket" in (await user.photo()).text
