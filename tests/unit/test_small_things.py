"""Issue 16's smaller things, as a player sees them: the ticket's venue replaced by the current
one, the venue question without a current venue, the import's header and row reports, unchanged
import rows, Undo after /delete, /tournaments paging, /stats by level and game, average finish."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.handler.conversation.state import Step
from services.handler.tracker.memory import MemoryStore
from services.handler.tracker.model import UNDO_WINDOW
from tests.unit.bot_user import BotUser

EXPORT_HEADER = "id,date,name,venue,currency,game,format,buy_in,fee,entries"


@pytest.fixture
def user(store: MemoryStore) -> BotUser:
    return BotUser(store)


@pytest.fixture
def ru(store: MemoryStore) -> BotUser:
    return BotUser(store, language="ru")


# ----------------------------------------------------------------------------- a) ticket venue


async def test_ticket_says_the_current_venue_replaced_the_one_read(user: BotUser, ru: BotUser) -> None:
    for player, expected in [
        (user, "Casino Royal is your current venue (/setvenue), so I used it instead of «Olympic Casino Riga»"),
        (ru, "Ваша текущая площадка — Casino Royal (/setvenue), поэтому я указал её вместо «Olympic Casino Riga»"),
    ]:
        await player.send("/setvenue Casino Royal")
        job = (await player.photo()).ocr_jobs[0]
        reply = await player.ticket_read(job, name="Main", played_on=date(2025, 3, 2), buy_in=Decimal(100),
                                         venue="Olympic Casino Riga")
        assert expected in reply.text and player.step is Step.TICKET
        # The same venue (any case), no venue read, or no current venue: no note.
        job = (await player.photo()).ocr_jobs[0]
        assert "/setvenue" not in (await player.ticket_read(job, name="M", venue="casino  ROYAL")).text
        job = (await player.photo()).ocr_jobs[0]
        assert "/setvenue" not in (await player.ticket_read(job, name="M")).text
        await player.send("/setvenue -")
        job = (await player.photo()).ocr_jobs[0]
        reply = await player.ticket_read(job, name="M", venue="Olympic Casino Riga")
        assert "Olympic Casino Riga" in reply.text and "/setvenue" not in reply.text


# ------------------------------------------------------------------------ b) the venue question


@pytest.mark.parametrize(("language", "plain", "with_current"), [
    ("en", "Where is it played? Send the name of the venue.", "or tap your current one"),
    ("ru", "Где проходит турнир? Отправьте название площадки.", "или нажмите текущую"),
])
async def test_the_venue_question_offers_the_current_one_only_when_there_is_one(
    store: MemoryStore, language: str, plain: str, with_current: str
) -> None:
    player = BotUser(store, language=language)

    async def venue_question() -> tuple[str, list[tuple[str, str]]]:
        await player.send("/register")
        await player.send("Main")
        await player.press("rd:today")
        reply = await player.send("100")
        assert player.step is Step.REG_VENUE
        return reply.text, reply.buttons

    assert await venue_question() == (plain, [])
    await player.send("/setvenue Casino Royal")
    text, buttons = await venue_question()
    assert with_current in text and buttons == [("Casino Royal", "rv:cur")]


# ----------------------------------------------------------------------- c) the file's header


async def test_a_wrong_header_names_the_expected_columns(user: BotUser, ru: BotUser) -> None:
    notes = b"date,name,venue,buy_in_x,just_some_notes\r\n2025-03-01,A,V,10,hi\r\n"
    reply = await user.document(notes, "notes.txt", "text/plain")
    assert "first line must be the /export header:\nid,date,name,venue,currency,game" in reply.text
    assert "Missing: buy_in." in reply.text
    assert "Not /export columns (or repeated): buy_in_x, just_some_notes." in reply.text
    reply = await ru.document(b"date,name,venue\r\n2025-03-01,A,V\r\n", "t.csv", "text/csv")
    assert "заголовком как в /export:\nid,date,name" in reply.text and "Не хватает: buy_in." in reply.text
    assert "Таких столбцов" not in reply.text
    assert await user.tournaments() == [] and await ru.tournaments() == []


async def test_a_txt_file_with_csv_content_imports(user: BotUser) -> None:
    content = b"date,name,venue,buy_in\r\n2025-03-01,A,V,10\r\n"
    for mime in ("text/plain", "application/octet-stream"):
        reply = await user.document(content, "tournaments.txt", mime)
        assert "Import done ✅ Added: 1" in reply.text
    assert len(await user.tournaments()) == 2


# -------------------------------------------------------------------- d) every bad row at once


async def test_every_bad_row_is_reported_at_once_with_unknown_ids(store: MemoryStore) -> None:
    owner, user, ru = BotUser(store), BotUser(store), BotUser(store, language="ru")
    theirs = await owner.register("Theirs | 01.03.2025 | 100 | Casino")
    content = (
        f"id,date,name,venue,buy_in\r\n"
        f"{theirs},2025-03-01,Hijack,V,10\r\n"
        f",2025-02-31,Bad date,V,10\r\n"
        f",2025-03-02,Bad amount,V,ten\r\n"
    ).encode()
    reply = await user.document(content, "t.csv", "text/csv")
    assert "Nothing was imported: rows to fix: 3 of 3" in reply.text
    lines = reply.text.splitlines()
    assert [x.split(":")[0] for x in lines if x.startswith("Line")] == ["Line 2", "Line 3", "Line 4"]
    assert f"Line 2: id {theirs} is not one of your tournaments" in reply.text
    reply = await ru.document(content, "t.csv", "text/csv")
    assert "3 из 3" in reply.text and "Строка 2:" in reply.text and "Строка 4:" in reply.text
    assert await user.tournaments() == [] and await ru.tournaments() == []
    assert [t.name for t in await owner.tournaments()] == ["Theirs"]


# -------------------------------------------------------------------------- e) unchanged rows


async def export_of(player: BotUser) -> bytes:
    return (await player.send("/export")).uploads[0][2]


async def test_reimporting_an_unchanged_export_says_unchanged(user: BotUser, ru: BotUser) -> None:
    for player, expected in [(user, "Added: 0, updated: 0, unchanged: 3."),
                             (ru, "Добавлено: 0, обновлено: 0, без изменений: 3.")]:
        for line in ("A | 01.03.2025 | 100+10 | V", "B | 02.03.2025 | 52.50 | V", "C | 03.03.2025 | 5 | W"):
            await player.register(line)
        await player.finish(min(t.id for t in await player.tournaments()), "3 | 850 | 20")
        before = await player.tournaments()
        reply = await player.document(await export_of(player), "export.csv", "text/csv")
        assert expected in reply.text
        assert await player.tournaments() == before


# ------------------------------------------------------------------------------------- f) undo


async def delete(player: BotUser, tid: int, what: str) -> str:
    await player.send("/delete")
    await player.press(f"del:{tid}")
    reply = await player.press(f"dx:{what}:{tid}")
    return reply.button("↩️")


async def test_undo_puts_back_the_deleted_tournament_with_its_id(user: BotUser) -> None:
    tid = await user.register("Main | 01.03.2025 | 100+10 | Casino")
    await user.finish(tid, "3 | 850 | 20")
    before = await user.tournaments()
    await user.send("/delete")
    await user.press(f"del:{tid}")
    reply = await user.press(f"dx:t:{tid}")
    assert "The tournament is deleted.\nChanged your mind? Tap Undo within 10 minutes." in reply.text
    undo = reply.button("Undo")
    assert undo.startswith("un:") and await user.tournaments() == []
    await user.send("/register")  # Undo works from any step, and leaves it open
    reply = await user.press(undo)
    assert "Undone ✅ The tournament is back:\nName: Main" in reply.text and "Place: 3" in reply.text
    assert await user.tournaments() == before and user.step is Step.REGISTER
    reply = await user.press(undo)  # twice
    assert "can no longer be undone" in reply.text and reply.answers[0]["text"].startswith("This can no longer")
    assert await user.tournaments() == before


async def test_undo_of_a_result_and_after_the_window_in_russian(store: MemoryStore, ru: BotUser) -> None:
    tid = await ru.register("Турнир | 01.03.2025 | 100 | Клуб")
    await ru.finish(tid, "2 | 400")
    undo = await delete(ru, tid, "r")
    t = await ru.tournament(tid)
    assert t is not None and t.result is None
    reply = await ru.press(undo)
    assert "Результат возвращён" in reply.text and "Место: 2" in reply.text
    t = await ru.tournament(tid)
    assert t is not None and t.result is not None and t.result.place == 2
    undo = await delete(ru, tid, "t")
    now = store.clock()
    store.clock = lambda: now + UNDO_WINDOW + timedelta(seconds=1)
    reply = await ru.press(undo)
    assert "уже нельзя вернуть" in reply.text and "10 минут" in reply.text
    assert await ru.tournaments() == []


async def test_undo_of_another_players_deletion_changes_nothing(store: MemoryStore) -> None:
    owner, intruder = BotUser(store), BotUser(store)
    tid = await owner.register("Main | 01.03.2025 | 100 | Casino")
    undo = await delete(owner, tid, "t")
    for forged in (undo, "un:abc", "un:99999999999999999999", "un:"):
        reply = await intruder.press(forged)
        assert "can no longer be undone" in reply.text
    assert await owner.tournaments() == [] and await intruder.tournaments() == []
    assert "is back" in (await owner.press(undo)).text


async def test_the_same_undo_press_processed_twice_answers_the_same(user: BotUser) -> None:
    tid = await user.register("Main | 01.03.2025 | 100 | Casino")
    undo = await delete(user, tid, "t")
    query = {"id": "q1", "from": user._from(), "data": undo, "message": user._message(text="…")}
    body = {"update_id": 777_001, "callback_query": query}
    first = await user.deliver(body)
    again = await user.deliver(body)  # a redelivery after a crash before the session write
    assert "is back" in first.text and again.text == first.text
    assert [t.id for t in await user.tournaments()] == [tid]


# ------------------------------------------------------------------------------------ g) paging


async def test_tournaments_page_through_all(user: BotUser, ru: BotUser) -> None:
    start = date(2025, 1, 1)
    for n in range(34):
        await user.register(f"T{n} | {(start + timedelta(days=n)).strftime('%d.%m.%Y')} | 10 | V")
    reply = await user.send("/tournaments")
    assert reply.text.startswith("Your tournaments, newest first: 1–10 of 34\n") and "T33" in reply.text
    assert reply.buttons == [("Older »", "tp:10")]
    reply = await user.press("tp:10")
    assert reply.text.startswith("Your tournaments, newest first: 11–20 of 34")
    assert "T23 (" in reply.text and "T14 (" in reply.text and "T13 (" not in reply.text and "T24 (" not in reply.text
    assert reply.buttons == [("« Newer", "tp:0"), ("Older »", "tp:20")]
    reply = await user.press("tp:30")
    assert reply.text.startswith("Your tournaments, newest first: 31–34 of 34") and "T0 " in reply.text
    assert reply.buttons == [("« Newer", "tp:20")]
    # Past the end (deleted since, or forged): the last page; not a number: refused.
    assert (await user.press("tp:999999")).text.startswith("Your tournaments, newest first: 31–34 of 34")
    reply = await user.press("tp:-5")
    assert reply.text == "" and reply.answers[0]["text"] == "This button is no longer active."
    await ru.register("Турнир | 01.03.2025 | 10 | Клуб")
    reply = await ru.send("/tournaments")
    assert reply.text.startswith("Ваши турниры, сначала новые: 1–1 из 1") and reply.buttons == []
    assert all(len(data.encode()) <= 64 for _, data in reply.buttons)


# ------------------------------------------------------------------------------------ h) stats


async def test_stats_by_level_and_game_and_the_average_finish(user: BotUser, ru: BotUser) -> None:
    for player in (user, ru):
        for line, score in [
            ("Micro | 01.03.2025 | 5+1 | V", "10 | 0"),
            ("Low | 02.03.2025 | 9+1 | V | PLO", "3 | 40"),
            ("Mid | 03.03.2025 | 100+10 | V", "1 | 500"),
            ("High | 04.03.2025 | 200 | V | PLO", "7 | 0"),
        ]:
            await player.finish(await player.register(line), score)
    reply = await user.send("/stats")
    assert "📍 Average finish: 5.3 (results counted: 4)" in reply.text
    reply = await user.send("/stats level")
    lines = reply.text.splitlines()[2:]
    assert [x.split(":")[0] for x in lines] == ["Micro (< 10)", "Low (10–50)", "Mid (50–200)", "High (200+)"]
    assert lines[1] == "Low (10–50): 1 played, profit +30, ROI +300%, ITM 100%"
    reply = await user.send("/stats game 2025")
    assert "PLO: 2 played" in reply.text and "NLHE: 2 played" in reply.text
    reply = await ru.send("/stats уровни")
    assert "Микролимиты (< 10)" in reply.text and "Высокие лимиты (200+)" in reply.text
    assert "Среднее место: 5,3" in (await ru.send("/stats")).text
    assert "PLO" in (await ru.send("/stats игра")).text
    assert "/stats level" in (await user.send("/stats level game")).text
    # A group with only a tournament waiting for its result says so, not "0 played, profit 0".
    for player in (user, ru):
        await player.register("Highroller | 05.03.2025 | 1000 | V | PLO5")
    assert "High (200+): 1 played, profit -200, ROI -100%, ITM 0%" in (await user.send("/stats level")).text
    assert "\nPLO5: 1 waiting for a result" in (await user.send("/stats game")).text
    assert "\nPLO5: ждут результата: 1" in (await ru.send("/stats игра")).text


async def test_buy_in_levels_follow_the_currency_scale(ru: BotUser) -> None:
    """A 1 000-rouble buy-in is a low-stakes game, not a high-roller: levels step in roubles."""
    for line, score in [
        ("Вечерний | 01.03.2025 | 900+100 руб | Клуб", "3 | 3 000"),
        ("Хайроллер | 02.03.2025 | 25 000 руб | Клуб", "9 | 0"),
        ("Онлайн | 03.03.2025 | $5+0,50 | Сайт", "4 | 0"),
    ]:
        await ru.finish(await ru.register(line), score)
    text = (await ru.send("/stats лимиты")).text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Низкие лимиты (1 000 ₽–5 000 ₽): сыграно 1" in text, text
    assert "Высокие лимиты (20 000 ₽+)" in text
    assert "Микролимиты (< 10 $)" in text, text
