"""/edit, /delete, /venue and /setvenue, driven as a user would (see bot_user.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from services.handler.conversation.state import Step
from services.handler.tracker.memory import MemoryStore
from tests.unit.bot_user import BotUser, columns


@pytest.fixture
def user(store: MemoryStore) -> BotUser:
    return BotUser(store)


async def row(user: BotUser, tid: int) -> dict[str, Any] | None:
    t = await user.tournament(tid)
    return None if t is None else columns(t)


async def test_edit_with_field_value_lines_until_done(user: BotUser) -> None:
    tid = await user.register("Main Event | 01.03.2025 | 100 | Casino")
    reply = await user.send("/edit")
    reply = await user.press(reply.button("Main Event"))
    assert user.step is Step.EDIT and "Buy-in: 100" in reply.text and "field: value" in reply.text
    reply = await user.send("buy-in: 100+10\nentries: 2\nrebuys: 50\nadd-ons: 20\nfield: 180\ncurrency: usd")
    assert "Entries: 2" in reply.text and "Fee: $10" in reply.text and user.step is Step.EDIT
    # A message with one bad line changes nothing, names the line and what is expected.
    reply = await user.send("place: 3\nprize: lots")
    assert "«prize: lots»" in reply.text and "prize: 850" in reply.text
    reply = await user.send("place: 3\nprize: 850\nbounty: 120\nformat: pko")
    assert "Place: 3" in reply.text
    reply = await user.send("done")
    assert "Saved" in reply.text and user.step is Step.IDLE
    # cost = (100 + 10) x 2 + 50 + 20 = 290; winnings 970; profit 680
    assert "Cost: $290" in reply.text and "Profit: +$680" in reply.text
    r = await row(user, tid)
    assert r is not None
    assert (r["fee"], r["entries"], r["rebuys"], r["addons"], r["field_size"], r["currency"],
            r["format"]) == (Decimal(10), 2, Decimal(50), Decimal(20), 180, "USD", "bounty")
    assert (r["place"], r["prize"], r["bounty"]) == (3, Decimal(850), Decimal(120))


async def test_edit_removes_a_result_and_refuses_half_a_result(user: BotUser) -> None:
    tid = await user.register("A | 01.03.2025 | 100 | V")
    await user.finish(tid, "5 | 200")
    await user.send("/edit")
    await user.press(f"ed:{tid}")
    await user.send("prize: -")
    reply = await user.send("done")
    assert "place and a prize" in reply.text and user.step is Step.EDIT
    assert (await row(user, tid))["prize"] == Decimal(200)  # type: ignore[index]
    await user.send("place: -")
    assert "Saved" in (await user.send("готово")).text
    assert (await row(user, tid))["place"] is None  # type: ignore[index]


async def test_edit_cancel_drops_the_changes_and_unknown_fields_are_named(user: BotUser) -> None:
    tid = await user.register("A | 01.03.2025 | 100 | V")
    await user.send("/edit")
    await user.press(f"ed:{tid}")
    reply = await user.send("colour: red")
    assert "«colour»" in reply.text and "Fields: name, date" in reply.text
    await user.send("buy-in: 999")
    await user.send("/cancel")
    assert (await row(user, tid))["buy_in"] == Decimal(100)  # type: ignore[index]


async def test_delete_the_result_or_the_tournament_with_confirmation(user: BotUser) -> None:
    tid = await user.register("A | 01.03.2025 | 100 | V")
    await user.finish(tid, "1 | 500")
    reply = await user.send("/delete")
    reply = await user.press(reply.button("A ·"))
    assert user.step is Step.DELETE_CONFIRM and "Delete what?" in reply.text
    assert [t for t, _ in reply.buttons] == ["Delete the result only", "Delete the whole tournament", "Keep it"]
    assert "Tap one of the buttons" in (await user.send("yes")).text
    reply = await user.press(reply.button("result only"))
    assert "result is deleted" in reply.text and (await row(user, tid))["place"] is None  # type: ignore[index]
    # The same confirmation pressed again is stale: nothing more is deleted.
    reply = await user.press(f"dx:t:{tid}")
    assert reply.answers[0]["text"] == "This button is no longer active." and await row(user, tid)
    await user.send("/delete")
    reply = await user.press(f"del:{tid}")
    assert [t for t, _ in reply.buttons] == ["Delete the whole tournament", "Keep it"]
    assert "Nothing was deleted" in (await user.press(f"dx:k:{tid}")).text and await row(user, tid)
    await user.send("/delete")
    await user.press(f"del:{tid}")
    assert "tournament is deleted" in (await user.press(f"dx:t:{tid}")).text
    assert await row(user, tid) is None
    assert "no tournaments" in (await user.send("/tournaments")).text


async def test_venue_and_setvenue(user: BotUser) -> None:
    assert "/setvenue" in (await user.send("/venue")).text
    await user.send("/setvenue")
    assert user.step is Step.SET_VENUE
    assert "1 to 100" in (await user.send("x" * 101)).text and user.step is Step.SET_VENUE
    assert "Current venue: Casino Royal" in (await user.send("Casino Royal")).text
    assert "Casino Royal" in (await user.send("/venue")).text
    await user.send("/setvenue -")
    assert "no current venue" in (await user.send("/venue")).text


async def test_russian_edit_and_delete(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    tid = await user.register("Турнир | 01.03.2025 | 100 | Клуб")
    await user.send("/edit")
    reply = await user.press(f"ed:{tid}")
    assert "поле: значение" in reply.text
    reply = await user.send("бай-ин: 100+10\nместо: 2\nвыплата: 400\nучастники: 50")
    assert "Участники: 50" in reply.text
    reply = await user.send("готово")
    assert "Сохранено" in reply.text and "Прибыль: +290" in reply.text
    reply = await user.send("/delete")
    reply = await user.press(f"del:{tid}")
    assert "Что удалить?" in reply.text
    assert "Турнир удалён" in (await user.press(reply.button("Весь турнир"))).text
