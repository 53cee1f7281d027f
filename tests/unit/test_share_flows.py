"""Inline mode and the Share button, as a player sees them: ``@bot stats`` and ``@bot result <id>``
typed in any chat offer cards of the player's own data, and nothing else reaches anyone."""

from __future__ import annotations

from typing import Any

import pytest

from services.handler.conversation.replies import Button, InlineArticle
from services.handler.conversation.state import Step
from services.handler.texts.en import EN
from services.handler.texts.ru import RU
from services.handler.tracker.memory import MemoryStore
from tests.unit.bot_user import BotUser


async def play(user: BotUser, line: str, score: str | None, edits: str = "") -> int:
    tid = await user.register(line)
    if edits:
        await user.send("/edit")
        await user.press(f"ed:{tid}")
        await user.send(edits)
        await user.send("done")
    if score:
        await user.finish(tid, score)
    return tid


def articles(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The answer's results by id, each checked against Telegram's limits on the way."""
    assert answer["is_personal"] is True  # cached per user: the cards are personal
    assert 0 <= answer["cache_time"] <= 60
    assert len(answer["results"]) <= 50
    out = {}
    for r in answer["results"]:
        assert r["type"] == "article" and r["title"]
        assert 1 <= len(r["id"].encode()) <= 64
        content = r["input_message_content"]
        assert 1 <= len(content["message_text"]) <= 4096
        assert "parse_mode" not in content  # plain text: what players typed shows as typed
        out[r["id"]] = r
    return out


def text_of(article: dict[str, Any]) -> str:
    return str(article["input_message_content"]["message_text"])


def everything(answer: dict[str, Any]) -> str:
    """Every text the answer would show or send (the query's own id aside)."""
    return repr({k: v for k, v in answer.items() if k != "inline_query_id"})


@pytest.fixture
async def player(store: MemoryStore) -> BotUser:
    """Today is 15.06.2025 for the bot: two results this month, two before, one pending."""
    user = BotUser(store)
    await play(user, "Main | 10.06.2025 | 100+10 | Casino | reentry", "2 | 1000 | 200",
               "entries: 2\nrebuys: 50\nfield: 120")  # cost 270, won 1200: +930
    await play(user, "Turbo | 01.06.2025 | 50+5 | Casino", "40 | 0")  # -55
    await play(user, "PKO | 15.12.2024 | 200+20 | Club | bounty", "15 | 0 | 30")  # -190
    await play(user, "Freeroll | 02.02.2024 | 0 | Club", "3 | 15", "field: 300")  # +15
    await play(user, "Later | 14.06.2025 | 30 | Casino", None)
    return user


@pytest.mark.parametrize("query", ["stats", "", "  статистика ", "стат", "Stats", "anything else"])
async def test_stats_offers_all_time_and_this_month(player: BotUser, query: str) -> None:
    replies = await player.inline(query)
    cards = articles(replies.inline_answer)
    assert list(cards) == ["stats-all", "stats-06.2025"]

    all_time = text_of(cards["stats-all"])
    for expected in ["all time", "Played: 4", "Profit: +700 · ROI +128.4%", "ITM: 50% (2 of 4)",
                     "Best finish: 2/120 — Main (10.06.2025)"]:
        assert expected in all_time, expected
    assert cards["stats-all"]["title"] == EN.share_stats_all_title
    assert "4 played" in cards["stats-all"]["description"]

    month = text_of(cards["stats-06.2025"])
    for expected in ["06.2025", "Played: 2", "Profit: +875 · ROI +269.2%", "ITM: 50% (1 of 2)",
                     "Best finish: 2/120 — Main"]:
        assert expected in month, expected
    assert "Freeroll" not in month and "-190" not in month


async def test_this_month_follows_today_and_is_left_out_when_empty(player: BotUser) -> None:
    player.today = player.today.replace(year=2024, month=12, day=31)
    cards = articles((await player.inline("stats")).inline_answer)
    assert "Played: 1" in text_of(cards["stats-12.2024"]) and "Profit: -190" in text_of(cards["stats-12.2024"])

    player.today = player.today.replace(year=2025, month=7, day=1)
    assert list(articles((await player.inline("stats")).inline_answer)) == ["stats-all"]


async def test_amounts_in_different_currencies_are_not_added_up(store: MemoryStore) -> None:
    user = BotUser(store)
    await play(user, "A | 01.06.2025 | 100 | V", "1 | 300", "currency: USD")
    await play(user, "B | 02.06.2025 | 1000 | V", "9 | 0", "currency: RUB")
    card = text_of(articles((await user.inline("stats")).inline_answer)["stats-all"])
    assert "Profit: +$200 · ROI +200%" in card and "Profit: -₽1,000 · ROI -100%" in card
    assert "-800" not in card


async def test_a_player_without_results_gets_one_card_saying_so(store: MemoryStore) -> None:
    user = BotUser(store)
    await user.register("Secret Game | 20.06.2025 | 500 | Hidden Club")  # pending only
    for query in ("stats", "result 1"):
        answer = (await user.inline(query)).inline_answer
        assert "Secret Game" not in everything(answer) and "Hidden Club" not in everything(answer)
    cards = articles((await user.inline("stats")).inline_answer)
    assert list(cards) == ["none"] and text_of(cards["none"]) == EN.share_none_text

    stranger = BotUser(store)  # never wrote to the bot
    assert list(articles((await stranger.inline("")).inline_answer)) == ["none"]


async def test_only_the_askers_own_numbers_ever_appear(store: MemoryStore) -> None:
    alice, bob = BotUser(store), BotUser(store)
    await play(alice, "Alice Cup | 05.06.2025 | 100 | Alice Room", "1 | 400")
    bob_tid = await play(bob, "Bob Secret | 06.06.2025 | 777 | Bob Den", "2 | 5098", "field: 999")

    for query in ("stats", "", f"result {bob_tid}", "result 1", "статистика"):
        answer = (await alice.inline(query)).inline_answer
        shown = everything(answer)
        for secret in ("Bob Secret", "Bob Den", "4321", "4,321", "5098", "5,098", "777", "999"):
            assert secret not in shown, (query, secret)
    assert articles((await alice.inline(f"result {bob_tid}")).inline_answer) == {}

    # Bob's own tournament is his to share.
    [card] = articles((await bob.inline(f"result {bob_tid}")).inline_answer).values()
    assert "Bob Secret" in text_of(card) and "+4,321" in text_of(card)


async def test_result_card_of_an_own_finished_tournament(store: MemoryStore) -> None:
    user = BotUser(store)
    tid = await play(user, "Sunday Major | 02.03.2025 | 100+10 | Casino Royal", "3 | 850 | 120",
                     "field: 180\ncurrency: USD")
    cards = articles((await user.inline(f"result {tid}")).inline_answer)
    assert list(cards) == [f"result-{tid}"]
    card = cards[f"result-{tid}"]
    assert text_of(card).splitlines() == [
        "🏆 Sunday Major", "📅 02.03.2025, Casino Royal", "🏅 Place: 3/180", "💰 Won: $970",
        "📈 Profit: +$860", "📊 ROI: +781.8%",
    ]
    assert card["title"] == "🏆 Sunday Major: place 3/180"
    assert card["description"] == "02.03.2025 · profit +$860"
    assert list(articles((await user.inline(f"результат {tid}")).inline_answer)) == [f"result-{tid}"]


@pytest.mark.parametrize(
    "query", ["result", "result abc", "result -1", "result 0", "result 99999999999999999999",
              "result 9223372036854775808", "result ²", "result 1:2", "result {tid} {tid}", "result {tid}x",
              "result {pending}"],
)
async def test_result_queries_that_name_no_finished_tournament_of_the_asker_find_nothing(
    store: MemoryStore, query: str
) -> None:
    user = BotUser(store)
    tid = await play(user, "Mine | 02.03.2025 | 100 | Here", "3 | 850")
    pending = await user.register("Later | 20.06.2025 | 100 | Here")
    answer = (await user.inline(query.format(tid=tid, pending=pending))).inline_answer
    assert articles(answer) == {}
    assert "Mine" not in everything(answer) and "850" not in everything(answer)
    # A button over the empty list leads to the bot, nothing more.
    assert answer["button"] == {"text": EN.share_open_bot, "start_parameter": "inline"}


async def test_names_show_exactly_as_typed(store: MemoryStore) -> None:
    user = BotUser(store)
    tid = await play(user, "<b>&Co | 02.03.2025 | 100 | <i>Club & Bar</i>", "1 | 500")
    answer = (await user.inline(f"result {tid}")).inline_answer
    [card] = articles(answer).values()
    # No parse_mode anywhere: Telegram shows the text as it is, tags and ampersands included.
    assert "parse_mode" not in repr(answer)
    assert "🏆 <b>&Co" in text_of(card) and "<i>Club & Bar</i>" in text_of(card)
    stats = articles((await user.inline("stats")).inline_answer)
    assert "<b>&Co (02.03.2025)" in text_of(stats["stats-all"])


async def test_cards_in_russian(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    tid = await play(user, "Кубок | 10.06.2025 | 100 | Клуб", "1 | 500", "поле: 50")
    cards = articles((await user.inline("статистика")).inline_answer)
    assert cards["stats-all"]["title"] == RU.share_stats_all_title
    card = text_of(cards["stats-all"])
    assert "за всё время" in card and "Сыграно: 1" in card and "Прибыль: +400 · ROI +400%" in card
    assert "Лучшее место: 1/50 — Кубок (10.06.2025)" in card
    [result] = articles((await user.inline(f"result {tid}")).inline_answer).values()
    assert "🏅 Место: 1/50" in text_of(result) and result["title"] == "🏆 Кубок: 1/50 место"
    empty = (await user.inline("result 0")).inline_answer
    assert empty["button"]["text"] == RU.share_open_bot


async def test_result_saved_has_a_share_button(store: MemoryStore) -> None:
    user = BotUser(store)
    tid = await user.register("Sunday Major | 02.03.2025 | 100 | Casino")
    replies = await user.finish(tid, "3 | 850")
    assert "Result saved" in replies.text
    assert replies.keyboard == [{"text": EN.button_share, "switch_inline_query": f"result {tid}"}]
    # What the button types is answered with this result's card.
    [card] = articles((await user.inline(replies.keyboard[0]["switch_inline_query"])).inline_answer).values()
    assert "Sunday Major" in text_of(card)

    ru = BotUser(store, language="ru")
    tid = await ru.register("Кубок | 02.03.2025 | 100 | Клуб")
    replies = await ru.finish(tid, "3 | 850")
    assert replies.keyboard == [{"text": RU.button_share, "switch_inline_query": f"result {tid}"}]


async def test_edit_saved_offers_share_only_for_a_finished_tournament(store: MemoryStore) -> None:
    user = BotUser(store)
    pending = await user.register("Later | 20.06.2025 | 100 | Casino")
    await user.send("/edit")
    await user.press(f"ed:{pending}")
    await user.send("field: 100")
    saved = await user.send("done")
    assert "Saved" in saved.text and saved.keyboard == []

    await user.send("/edit")
    await user.press(f"ed:{pending}")
    await user.send("place: 2\nprize: 300")
    saved = await user.send("done")
    assert saved.keyboard == [{"text": EN.button_share, "switch_inline_query": f"result {pending}"}]


@pytest.mark.parametrize("query", ["stats", "result 1", ""])
async def test_an_inline_query_leaves_an_open_step_exactly_as_it_was(store: MemoryStore, query: str) -> None:
    user = BotUser(store)
    await play(user, "Done | 02.03.2025 | 100 | Casino", "3 | 850")
    tid = await user.register("Open | 10.06.2025 | 100 | Casino")
    await user.send("/edit")
    await user.press(f"ed:{tid}")
    await user.send("field: 77")
    before = user.conversation
    assert user.step is Step.EDIT and before

    replies = await user.inline(query)
    assert [m for m, _ in replies.calls] == ["answerInlineQuery"]  # no chat message
    assert user.conversation == before

    saved = await user.send("done")  # the step goes on where it was
    assert "Saved" in saved.text
    assert (await user.tournament(tid)).field_size == 77  # type: ignore[union-attr]


async def test_an_inline_query_mid_result_keeps_the_step(store: MemoryStore) -> None:
    user = BotUser(store)
    tid = await user.register("Open | 10.06.2025 | 100 | Casino")
    await user.send("/result")
    await user.press(f"res:{tid}")
    before = user.conversation
    await user.inline("stats")
    assert user.step is Step.RESULT and user.conversation == before
    assert "Result saved" in (await user.send("1 | 500")).text


def test_a_button_carries_exactly_one_action_within_telegrams_limits() -> None:
    assert Button("Share", switch_inline_query="result 1").to_json() == {
        "text": "Share", "switch_inline_query": "result 1"}
    assert Button("Share", switch_inline_query="").to_json()["switch_inline_query"] == ""
    with pytest.raises(ValueError):
        Button("x", "res:1", switch_inline_query="result 1")
    with pytest.raises(ValueError):
        Button("x", switch_inline_query="q" * 257)
    with pytest.raises(ValueError):
        Button("x")
    with pytest.raises(ValueError):
        InlineArticle("i" * 65, "t", "", "text")
    with pytest.raises(ValueError):
        InlineArticle("id", "t", "", "x" * 4097)


def test_inline_queries_reach_the_senders_partition() -> None:
    from services.gateway.webhook import AcceptedUpdate, parse_update

    body = (b'{"update_id": 7, "inline_query": {"id": "99", "from": {"id": 4242, "is_bot": false, '
            b'"first_name": "Ann"}, "query": "stats", "offset": "", "chat_type": "group"}}')
    assert parse_update(body) == AcceptedUpdate(7, 4242)
