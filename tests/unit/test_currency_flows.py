"""Currencies as a player meets them: /currency, /rate, the question asked once, and every
amount shown with its currency, written the English or the Russian way."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from services.handler.conversation.flows import graph
from services.handler.conversation.state import Step
from services.handler.tracker.memory import MemoryStore
from tests.unit.bot_user import BotUser
from tests.unit.test_stats_flows import play

NBSP = "\u00a0"
CURRENCY_BUTTONS = ["cur:EUR", "cur:USD", "cur:RUB", "cur:GBP"]


@pytest.fixture
def charts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The labels /graph draws with (the picture itself is tested in test_charts.py)."""
    drawn: list[Any] = []

    def fake_render(points: Any, monthly: Any, labels: Any) -> bytes:
        drawn.append((points, labels))
        return b"\x89PNG fake"

    monkeypatch.setattr(graph, "render_graph", fake_render)
    return drawn


async def test_seen_club_two_typed_tournaments_and_a_ticket_in_rubles(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    reply = await user.send("/register Турнир A | 01.06.2025 | 1000 | Клуб")
    assert "В какой валюте вы играете?" in reply.text
    assert [data for _, data in reply.buttons][:4] == CURRENCY_BUTTONS
    reply = await user.send("/register Турнир B | 02.06.2025 | 1500 | Клуб")  # the question was ignored
    assert "Турнир зарегистрирован" in reply.text and "В какой валюте" not in reply.text
    a, b = [t.id for t in await user.tournaments()]
    await user.finish(a, "1 | 12500,50")
    await user.finish(b, "9 | 0")
    job = (await user.photo()).ocr_jobs[0]
    await user.ticket_read(job, name="Турнир C", played_on=date(2025, 6, 3), buy_in=Decimal(2000),
                           venue="Клуб", currency="RUB")
    assert "В какой валюте" not in (await user.press("tk:ok")).text

    text = (await user.send("/stats")).text
    assert "— RUB —" not in text and "валюта не указана" not in text  # no all-zero block
    assert "⏳ Ждут результата в других валютах: 1" in text
    assert "Турниров без валюты: 2. /currency проставит им вашу" in text

    reply = await user.send("/currency руб")
    assert reply.text == "Ваша валюта: RUB ✅\nВалюта проставлена турнирам, где её не было: 2."
    assert {t.currency for t in await user.tournaments()} == {"RUB"}
    text = (await user.send("/stats")).text
    assert "— RUB —" not in text and "без валюты" not in text  # one block, no currency headers
    assert f"Всего выиграно: 12{NBSP}500,50{NBSP}₽" in text
    assert f"Прибыль: +10{NBSP}000,50{NBSP}₽" in text
    assert "Ждут результата: 1" in text and "ROI: +400%" in text


async def test_english_amounts_grouped_with_the_currency_sign(store: MemoryStore) -> None:
    user = BotUser(store)
    await user.send("/currency EUR")
    await play(user, "A | 01.06.2025 | 1000 | V", "1 | 12500.50", "currency: EUR")
    await play(user, "B | 02.06.2025 | 1500 | V", "9 | 0", "currency: EUR")
    text = (await user.send("/stats")).text
    for expected in ["Total winnings: €12,500.50", "Total cost: €2,500", "Profit: +€10,000.50",
                     "ROI: +400%", "ITM: 50% (1)", "Biggest win: +€11,500.50"]:
        assert expected in text, expected
    assert "— EUR —" not in text


async def test_mixed_currencies_need_a_rate_then_add_up_in_the_default_one(
    store: MemoryStore, charts: list[Any]
) -> None:
    user = BotUser(store)
    await user.send("/currency EUR")
    await play(user, "A | 01.06.2025 | 100 | V", "1 | 300", "currency: EUR")  # +200 EUR
    await play(user, "B | 02.06.2025 | 50 | V", "2 | 150", "currency: USD")  # +100 USD
    text = (await user.send("/stats")).text
    assert "— EUR —" in text and "— USD —" in text and text.index("— EUR —") < text.index("— USD —")
    assert "Profit: +€200" in text and "Profit: +$100" in text
    assert "set the rate for USD, e.g. /rate USD 0.86 (1 USD = 0.86 EUR)." in text and "All together" not in text

    reply = await user.send("/graph")
    assert sorted(p["caption"] for _, p in reply.calls) == [
        "Your profit over time and ROI by month, in EUR.", "Your profit over time and ROI by month, in USD."]
    assert sorted(labels.profit_axis for _, labels in charts) == ["Profit, EUR", "Profit, USD"]

    assert (await user.send("/rate USD 0.92")).text == "Rate saved ✅ 1 USD = 0.92 EUR"
    text = (await user.send("/stats")).text
    combined = text[text.index("All together in EUR"):]
    # cost 100 + 50 x 0.92 = 146, won 300 + 150 x 0.92 = 438, profit 292, ROI 200%
    for expected in ["Total cost: €146", "Total winnings: €438", "Profit: +€292", "ROI: +200%",
                     "Rates: 1 USD = 0.92 EUR"]:
        assert expected in combined, expected

    charts.clear()
    reply = await user.send("/graph")
    assert [p["caption"] for _, p in reply.calls] == [
        "Your profit over time and ROI by month, all in EUR (1 USD = 0.92 EUR)."]
    ((points, labels),) = charts
    assert labels.profit_axis == "Profit, EUR" and points[-1][1] == Decimal(292)


async def test_combined_total_in_russian_rounds_only_when_shown(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    await user.send("/currency ₽")
    await play(user, "A | 01.06.2025 | 1000 | V", "1 | 3000", "валюта: RUB")
    await play(user, "B | 02.06.2025 | 10.01 | V", "2 | 0", "валюта: USD")
    assert (await user.send("/rate USD 90,125")).text == "Курс сохранён ✅ 1 USD = 90,125 RUB"
    text = (await user.send("/stats")).text
    # 2000 - 10.01 x 90.125 = 2000 - 902.15125 = 1097.84875 -> 1 097,85
    assert f"Прибыль: +1{NBSP}097,85{NBSP}₽" in text and "Курсы: 1 USD = 90,125 RUB" in text
    assert f"Прибыль: -10,01{NBSP}$" in text


async def test_graph_caption_and_axis_name_the_currency(store: MemoryStore, charts: list[Any]) -> None:
    user = BotUser(store, language="ru")
    await play(user, "A | 01.06.2025 | 100 | V", "1 | 300")
    await play(user, "B | 02.06.2025 | 100 | V", "1 | 300", "валюта: RUB")
    reply = await user.send("/graph")
    captions = sorted(p["caption"] for _, p in reply.calls)
    assert captions == ["Накопленная прибыль и ROI по месяцам, валюта: RUB.",
                        "Накопленная прибыль и ROI по месяцам, турниры без валюты."]
    assert all("валюте валюта" not in c for c in captions)
    assert sorted(labels.profit_axis for _, labels in charts) == ["Прибыль", "Прибыль, RUB"]
    assert {labels.numbers.decimal for _, labels in charts} == {","}


async def test_edit_result_tournaments_and_export_keep_the_currency(store: MemoryStore) -> None:
    user = BotUser(store)
    tid = await user.register("Sunday | 01.06.2025 | 100 | Casino")
    await user.press("cur:EUR")
    reply = await user.finish(tid, "3 | 70")
    for expected in ["Payout: €70", "Cost: €100", "Profit: -€30", "ROI: -30%"]:
        assert expected in reply.text, expected
    await user.send("/edit")
    assert "Profit: -€30" in (await user.press(f"ed:{tid}")).text
    await user.send("rebuys: 50")
    reply = await user.send("done")
    assert "Saved ✅" in reply.text and "Profit: -€80" in reply.text and "Rebuys: €50" in reply.text
    text = (await user.send("/tournaments")).text
    assert "cost €150, place 3, won €70, profit -€80" in text
    upload = (await user.send("/export")).uploads[0][2].decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(upload)))
    assert rows[0]["currency"] == "EUR" and rows[0]["buy_in"] == "100" and rows[0]["rebuys"] == "50"


@pytest.mark.parametrize(("language", "score", "currency", "expected"), [
    ("en", "3 | $850", "USD", ["Payout: $850", "Cost: $100", "Profit: +$750"]),
    ("ru", "3 | 850 руб", "RUB", ["Выплата: 850 ₽", "Затраты: 100 ₽", "Прибыль: +750 ₽"]),
])  # fmt: skip
async def test_a_result_with_a_currency_gives_it_to_a_tournament_without_one(
    store: MemoryStore, language: str, score: str, currency: str, expected: list[str]
) -> None:
    """Registered without a currency (the question left unanswered), then a result typed with
    one: the tournament keeps it, and so do its cost and the reply."""
    user = BotUser(store, language=language)
    tid = await user.register("Sunday | 01.06.2025 | 100 | Casino")
    reply = await user.finish(tid, score)
    for line in expected:
        assert line in reply.text.replace("\u00a0", " "), (line, reply.text)
    t = await user.tournament(tid)
    assert t is not None and t.result is not None
    assert (t.currency, t.buy_in, t.result.prize, t.result.place) == (currency, Decimal(100), Decimal(850), 3)


async def test_edit_profit_keeps_its_currency_in_russian(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    await user.send("/currency EUR")
    tid = await play(user, "Турнир | 01.06.2025 | 1250 | Клуб", "3 | 1220", "валюта: EUR")
    await user.send("/edit")
    await user.press(f"ed:{tid}")
    reply = await user.send("готово")
    assert f"Прибыль: -30{NBSP}€" in reply.text and f"Бай-ин: 1{NBSP}250{NBSP}€" in reply.text


async def test_currency_asked_once_and_the_answer_fills_the_tournaments(store: MemoryStore) -> None:
    user = BotUser(store)
    reply = await user.send("/register A | 01.06.2025 | 100 | V")
    assert "Which currency do you play in?" in reply.text
    assert [data for _, data in reply.buttons] == [*CURRENCY_BUTTONS, "cur:KZT", "cur:UAH", "cur:PLN", "cur:CHF"]
    user.session = {}  # a lost session: the question is remembered with the player
    reply = await user.send("/register B | 02.06.2025 | 100 | V")
    assert "Which currency" not in reply.text and not reply.buttons
    reply = await user.press("cur:USD")  # the old question's button still answers it
    assert reply.text == "Your currency: USD ✅\nTournaments without a currency now in it: 2."
    assert [t.currency for t in await user.tournaments()] == ["USD", "USD"]
    assert "Which currency" not in (await user.send("/register C | 03.06.2025 | 100 | V")).text


async def test_a_registration_run_again_after_a_crash_reads_the_same(store: MemoryStore) -> None:
    """A replica that died after saving and replying, before writing the session: the update
    runs again on the old session, and the player gets the same reply, question included."""
    user = BotUser(store)
    body = {"update_id": 424242, "message": user._message(text="/register A | 01.06.2025 | 100 | V")}
    first = await user.deliver(body)
    user.session = {}  # the session write never happened
    again = await user.deliver(body)
    assert again.calls == first.calls and "Which currency do you play in?" in again.text
    assert "Which currency" not in (await user.send("/register B | 02.06.2025 | 100 | V")).text


async def test_currency_is_not_asked_when_the_tournament_has_one(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    job = (await user.photo()).ocr_jobs[0]
    await user.ticket_read(job, name="T", played_on=date(2025, 6, 3), buy_in=Decimal(20), venue="V", currency="USD")
    assert "В какой валюте" not in (await user.press("tk:ok")).text
    assert "В какой валюте" in (await user.send("/register A | 01.06.2025 | 100 | V")).text


async def test_currency_command_shows_sets_and_explains(store: MemoryStore) -> None:
    user = BotUser(store)
    reply = await user.send("/currency")
    assert "no currency of your own yet" in reply.text and user.step is Step.CURRENCY
    assert [data for _, data in reply.buttons][:4] == CURRENCY_BUTTONS
    reply = await user.send("euro-ish")
    assert "«euro-ish» is not a currency I know" in reply.text and "EUR, USD" in reply.text
    assert user.step is Step.CURRENCY
    assert (await user.send("€")).text == "Your currency: EUR ✅" and user.step is Step.IDLE
    reply = await user.send("/currency")
    assert reply.text.startswith("Your currency: EUR.") and reply.buttons
    await user.press("cur:GBP")
    assert user.step is Step.IDLE
    assert (await user.send("/currency chf")).text == "Your currency: CHF ✅"
    assert "«XYZ» is not a currency" in (await user.send("/currency XYZ")).text
    assert (await user.press("cur:XYZ")).answers[0]["text"] == "This button is no longer active."


async def test_currency_in_russian(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    reply = await user.send("/currency")
    assert "Ваша валюта пока не задана" in reply.text
    assert "«доллар США» — такой валюты я не знаю" in (await user.send("доллар США")).text
    assert (await user.send("$")).text == "Ваша валюта: USD ✅"
    assert "/currency" in (await user.send("/help")).text and "/rate" in (await user.send("/help")).text


async def test_rate_command(store: MemoryStore) -> None:
    user = BotUser(store)
    assert "Set your own currency first with /currency" in (await user.send("/rate USD 0.92")).text
    await user.send("/currency EUR")
    assert "You have no rates yet" in (await user.send("/rate")).text
    assert (await user.send("/rate usd 0.92")).text == "Rate saved ✅ 1 USD = 0.92 EUR"
    assert (await user.send("/rate £ 1.17")).text == "Rate saved ✅ 1 GBP = 1.17 EUR"
    text = (await user.send("/rate")).text
    assert "1 GBP = 1.17 EUR\n1 USD = 0.92 EUR" in text
    assert "EUR is your own currency" in (await user.send("/rate EUR 1")).text
    assert "«ABC» is not a currency code" in (await user.send("/rate ABC 1")).text
    for bad in ["0", "-1", "abc", "2000000", "0.000000001"]:
        reply = (await user.send(f"/rate USD {bad}")).text
        assert f"«{bad}» is not a rate" in reply and "how much EUR one USD is worth" in reply, bad
    assert "Send /rate with a currency" in (await user.send("/rate USD")).text
    assert (await user.send("/rate USD -")).text == "Rate removed: 1 USD = 0.92 EUR"
    assert "There is no rate for USD against EUR" in (await user.send("/rate USD -")).text
    # Rates are against the default currency: another default has its own.
    await user.send("/currency USD")
    assert "You have no rates yet" in (await user.send("/rate")).text


async def test_rate_in_russian(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    assert "Сначала задайте свою валюту" in (await user.send("/rate USD 90")).text
    await user.send("/currency RUB")
    assert (await user.send("/rate USD 91,5")).text == "Курс сохранён ✅ 1 USD = 91,5 RUB"
    assert "«ноль» — не курс" in (await user.send("/rate USD ноль")).text
    assert "Ваши курсы к RUB:\n1 USD = 91,5 RUB" in (await user.send("/rate")).text


@pytest.mark.parametrize(
    ("language", "default", "example"),
    [
        ("en", "EUR", "/rate USD 0.86 (1 USD = 0.86 EUR)"),
        ("en", "USD", "/rate EUR 1.2 (1 EUR = 1.2 USD)"),
        ("ru", "RUB", "/rate USD 80 (1 USD = 80 RUB)"),
        ("ru", "EUR", "/rate USD 0,86 (1 USD = 0,86 EUR)"),
        ("en", "GEL", "/rate USD <how much GEL one USD is worth>"),
        ("ru", "KZT", "/rate USD 530 (1 USD = 530 KZT)"),
    ],
)
async def test_rate_examples_fit_the_players_currency(
    store: MemoryStore, language: str, default: str, example: str
) -> None:
    """A rate shown as an example is about the real one against the player's own currency
    (not 1 USD = 0.92 RUB), and one for a currency the bot knows no rough rate of is in words."""
    user = BotUser(store, language=language)
    await user.send(f"/currency {default}")
    assert example in (await user.send("/rate")).text
    assert example in (await user.send("/rate GBP")).text  # a rate missing: how to write one
    assert example in (await user.send("/rate XYZ 1")).text
