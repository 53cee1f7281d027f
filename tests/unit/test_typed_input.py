"""Amounts, currencies and dates as players type them, driven as a user would (bot_user.py):
``$50+5``, ``100+10 EUR``, ``1000 руб``, ``12 500``, ``5.12``, the Tomorrow button, and the
player's default currency for a tournament registered without one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.handler.conversation.state import Step
from services.handler.domain.settings import PlayerSettings
from services.handler.tracker.memory import MemoryStore
from services.handler.tracker.model import Player
from tests.unit.bot_user import BotUser, columns


@pytest.fixture
def user(store: MemoryStore) -> BotUser:
    return BotUser(store)


@pytest.fixture
def russian(store: MemoryStore) -> BotUser:
    return BotUser(store, language="ru")


async def to_buy_in_step(user: BotUser, name: str = "Turbo") -> None:
    await user.send("/register")
    await user.send(name)
    await user.press("rd:today")
    assert user.step is Step.REG_BUY_IN


async def finish_steps(user: BotUser) -> None:
    """From the venue question to the saved tournament."""
    await user.send("Casino")
    await user.press("rg:NLHE")
    reply = await user.press("rf:freezeout")
    assert user.step is Step.IDLE, reply.text


async def latest(user: BotUser) -> dict[str, object]:
    return columns(max(await user.tournaments(), key=lambda t: t.id))


async def set_default_currency(user: BotUser, currency: str) -> None:
    """As /currency would (another flow's command): saved with the player, session fresh."""
    async with user.store.unit_of_work() as tracker:
        await tracker.save_settings(Player(user.user_id, "Ann", user.language), PlayerSettings(currency=currency))
    user.session = {}


async def test_dollar_before_the_buy_in_at_the_step_is_kept(user: BotUser) -> None:
    await to_buy_in_step(user)
    await user.send("$50+5")
    assert user.step is Step.REG_VENUE
    await finish_steps(user)
    t = await latest(user)
    assert (t["buy_in"], t["fee"], t["currency"]) == (Decimal(50), Decimal(5), "USD")


async def test_euro_in_the_one_line_register_is_kept(user: BotUser) -> None:
    reply = await user.send("/register Turbo | 07.12.2026 | €100 | X")
    assert "Tournament registered" in reply.text
    t = await latest(user)
    assert (t["name"], t["played_on"], t["buy_in"], t["currency"]) == ("Turbo", date(2026, 12, 7), Decimal(100), "EUR")


async def test_currency_after_the_fee_and_rubles_in_words_in_russian(russian: BotUser) -> None:
    reply = await russian.send("/register Турбо | 01.06.2025 | 100+10 EUR | Казино")
    assert "Турнир зарегистрирован" in reply.text
    t = await latest(russian)
    assert (t["buy_in"], t["fee"], t["currency"]) == (Decimal(100), Decimal(10), "EUR")
    await to_buy_in_step(russian, "Вечерний")
    reply = await russian.send("1000 руб")
    assert russian.step is Step.REG_VENUE, reply.text
    await finish_steps(russian)
    t = await latest(russian)
    assert (t["buy_in"], t["fee"], t["currency"]) == (Decimal(1000), Decimal(0), "RUB")


async def test_two_currencies_in_one_buy_in_are_refused_with_the_step_open(russian: BotUser) -> None:
    await to_buy_in_step(russian)
    reply = await russian.send("$100+10€")
    assert "«$100+10€»" in reply.text and "две разные валюты" in reply.text
    assert russian.step is Step.REG_BUY_IN
    reply = await russian.send("сто рублей")
    assert "«сто рублей»" in reply.text and "$100+10" in reply.text and russian.step is Step.REG_BUY_IN


async def test_thousands_with_a_no_break_space_at_the_buy_in_and_the_result(user: BotUser) -> None:
    await to_buy_in_step(user)
    await user.send("12\u00a0500")
    await finish_steps(user)
    t = await latest(user)
    assert t["buy_in"] == Decimal(12500)
    reply = await user.finish(int(t["id"]), "3 12 500")  # type: ignore[call-overload]
    assert "Result saved" in reply.text
    t = await latest(user)
    assert (t["place"], t["prize"], t["bounty"]) == (3, Decimal(12500), Decimal(0))


async def test_a_result_in_another_currency_is_refused_naming_the_tournaments(user: BotUser) -> None:
    tid = await user.register("Main | 01.06.2025 | €100 | Casino")
    reply = await user.finish(tid, "3 | $850")
    assert "EUR" in reply.text and "USD" in reply.text and "Result saved" not in reply.text
    assert user.step is Step.RESULT  # the step stays open
    assert (await user.tournament(tid)).result is None  # type: ignore[union-attr]
    reply = await user.send("3 | 850 €")
    assert "Result saved" in reply.text
    t = await user.tournament(tid)
    assert t is not None and t.result is not None and t.result.prize == Decimal(850)


async def test_a_prize_in_another_currency_is_refused_by_edit(user: BotUser) -> None:
    tid = await user.register("Main | 01.06.2025 | €100 | Casino")
    await user.send("/edit")
    await user.press(f"ed:{tid}")
    reply = await user.send("place: 3\nprize: $850")
    assert "«prize: $850»" in reply.text and "in EUR" in reply.text and user.step is Step.EDIT
    await user.send("place: 3\nprize: 850 EUR\nrebuys: €50")
    assert "Saved" in (await user.send("done")).text
    t = columns(await user.tournament(tid))  # type: ignore[arg-type]
    assert (t["prize"], t["rebuys"], t["currency"]) == (Decimal(850), Decimal(50), "EUR")


async def test_the_default_currency_is_stored_when_none_is_typed(user: BotUser) -> None:
    await set_default_currency(user, "RUB")
    await user.register("A | 01.06.2025 | 100 | V")
    assert (await latest(user))["currency"] == "RUB"
    await to_buy_in_step(user)
    await user.send("100+10")
    await finish_steps(user)
    assert (await latest(user))["currency"] == "RUB"
    await user.register("B | 01.06.2025 | $100 | V")  # a typed currency wins over the default
    assert (await latest(user))["currency"] == "USD"


async def test_no_default_and_no_currency_stores_none(user: BotUser) -> None:
    await user.register("A | 01.06.2025 | 100 | V")
    assert (await latest(user))["currency"] == ""


async def test_a_date_without_its_year_is_the_nearest_one(user: BotUser) -> None:
    user.today = date(2025, 6, 15)
    await user.register("A | 5.12 | 100 | V")  # 173 days ahead, not 192 back
    assert (await latest(user))["played_on"] == date(2025, 12, 5)
    await user.send("/register")
    await user.send("B")
    reply = await user.send("20.12")  # 188 days ahead, 177 back
    assert user.step is Step.REG_BUY_IN, reply.text
    await user.send("100")
    await finish_steps(user)
    assert (await latest(user))["played_on"] == date(2024, 12, 20)


async def test_the_tomorrow_button_and_the_old_buttons(russian: BotUser) -> None:
    russian.today = date(2025, 6, 15)
    await russian.send("/register")
    reply = await russian.send("Турбо")
    assert [t for t, _ in reply.buttons] == ["Сегодня", "Вчера", "Завтра"]
    assert "просто ДД.ММ" in reply.text
    await russian.press(reply.button("Завтра"))
    await russian.send("100")
    await finish_steps(russian)
    assert (await latest(russian))["played_on"] == date(2025, 6, 16)
    await russian.send("/register")
    await russian.send("Вчерашний")
    await russian.press("rd:yday")  # a button sent before the Tomorrow one was added
    await russian.send("100")
    await finish_steps(russian)
    assert (await latest(russian))["played_on"] == date(2025, 6, 14)


async def test_a_forged_date_button_is_refused(user: BotUser) -> None:
    await user.send("/register")
    await user.send("A")
    reply = await user.press("rd:nextweek")
    assert reply.answers[0]["text"] == "This button is no longer active." and user.step is Step.REG_DATE


async def test_amount_errors_say_a_currency_may_be_written(user: BotUser) -> None:
    reply = await user.send("/register Turbo | 07.12.2026 | 100 abc | X")
    assert "«100 abc»" in reply.text and "$100+10" in reply.text and user.step is Step.REGISTER
    tid = await user.register("Main | 01.06.2025 | 100 | Casino")
    reply = await user.finish(tid, "3 | lots")
    assert "«lots»" in reply.text and "$850" in reply.text and user.step is Step.RESULT
