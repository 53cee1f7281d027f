"""/reminders and the result reminder's nudge, as a player sees them (in-memory tracker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.handler.domain.reminders import NotAChoice, parse_reminder_choice, reminder_due
from services.handler.tracker.memory import MemoryStore
from services.handler.tracker.model import DueReminder
from shared.reminder_api import KIND_REMINDER, ReminderDue, reminder_event_id
from shared.topology import HEADER_KIND
from tests.unit.bot_user import TODAY, BotUser, Replies

NOON = datetime(2025, 6, 15, 12, tzinfo=UTC)


async def due_by(store: MemoryStore, when: datetime) -> list[DueReminder]:
    """The reminders a scheduler would publish at ``when`` (marked published, as it would)."""
    async with store.claim_due(when, 100) as due:
        return due


async def nudge(user: BotUser, tournament_id: int) -> Replies:
    """The reminder of ``tournament_id`` reaching the user's partition."""
    message = ReminderDue(
        user_id=user.user_id, chat_id=user.user_id, tournament_id=tournament_id,
        event_id=reminder_event_id(tournament_id), language_code=user.language,
    )
    return await user.deliver(message.model_dump(mode="json"), {HEADER_KIND: KIND_REMINDER})


async def settings_of(user: BotUser):
    async with user.store.unit_of_work() as tracker:
        return await tracker.settings(user.user_id)


# --- /reminders ---------------------------------------------------------------------------


async def test_reminders_shows_the_choice_with_buttons(store: MemoryStore) -> None:
    user = BotUser(store)
    shown = await user.send("/reminders")
    assert "Result reminders: off." in shown.text
    assert shown.buttons == [("✅ Off", "rem:off"), ("6 h", "rem:6"), ("12 h", "rem:12"), ("24 h", "rem:24")]
    assert all(len(data.encode()) <= 64 for _, data in shown.buttons)
    await user.send("/reminders 12h")
    again = await user.send("/reminders")
    assert "Result reminders: 12 h after the tournament." in again.text
    assert ("✅ 12 h", "rem:12") in again.buttons and ("Off", "rem:off") in again.buttons


async def test_reminders_in_russian(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    shown = await user.send("/reminders")
    assert "Напоминания о результатах: выключены." in shown.text
    assert [label for label, _ in shown.buttons] == ["✅ Выкл", "6 ч", "12 ч", "24 ч"]
    done = await user.send("/reminders 12ч")
    assert "через 12 ч после турнира результата не будет" in done.text
    assert (await settings_of(user)).reminder_hours == 12
    off = await user.send("/reminders выкл")
    assert off.text.startswith("Напоминания выключены.")
    assert (await settings_of(user)).reminder_hours is None
    bad = await user.send("/reminders завтра")
    assert "«завтра» — такого варианта нет" in bad.text and len(bad.buttons) == 4


@pytest.mark.parametrize(
    ("typed", "hours"),
    [("12h", 12), ("12", 12), ("12 ч", 12), ("6H", 6), ("24 hours", 24), ("off", None), ("ВЫКЛ", None)],
)
async def test_reminders_accepts_what_players_type(store: MemoryStore, typed: str, hours: int | None) -> None:
    user = BotUser(store)
    if hours is None:
        await user.send("/reminders 6")
    reply = await user.send(f"/reminders {typed}")
    assert (await settings_of(user)).reminder_hours == hours
    assert ("Reminders are off" in reply.text) if hours is None else (f"isn't in {hours} h after it" in reply.text)


async def test_wrong_choice_says_what_is_expected_and_keeps_the_open_step(store: MemoryStore) -> None:
    user = BotUser(store)
    await user.send("/register")
    await user.send("Cup")  # step by step: the date is asked next
    before = user.conversation
    for typed in ("7h", "soon", "12 days", "-6"):
        bad = await user.send(f"/reminders {typed}")
        assert f"«{typed}» is not one of the choices" in bad.text
        assert "/reminders off, /reminders 6h, /reminders 12h or /reminders 24h" in bad.text
    assert (await settings_of(user)).reminder_hours is None
    assert user.conversation == before
    # The step goes on where it was.
    assert "buy-in" in (await user.send("14.06.2025")).text.lower()


async def test_buttons_set_the_choice_and_are_answered(store: MemoryStore) -> None:
    user = BotUser(store)
    shown = await user.send("/reminders")
    pressed = await user.press(shown.button("24"))
    assert len(pressed.answers) == 1 and "isn't in 24 h after it" in pressed.text
    assert (await settings_of(user)).reminder_hours == 24
    assert user.session["settings"]["reminder_hours"] == 24  # the session's copy follows
    off = await user.press("rem:off")
    assert "Reminders are off" in off.text and (await settings_of(user)).reminder_hours is None
    forged = await user.press("rem:7")
    assert forged.answers == [{"callback_query_id": forged.answers[0]["callback_query_id"],
                               "text": "This button is no longer active."}]
    assert (await settings_of(user)).reminder_hours is None


# --- scheduling ---------------------------------------------------------------------------


def test_due_time_rule() -> None:
    assert reminder_due(NOON, TODAY, 6) == NOON + timedelta(hours=6)
    # Registered before its day: due that many hours after the day starts (UTC).
    assert reminder_due(NOON, TODAY + timedelta(days=3), 12) == datetime(2025, 6, 18, 12, tzinfo=UTC)
    # Registered afterwards: counted from the registration.
    assert reminder_due(NOON, TODAY - timedelta(days=30), 24) == NOON + timedelta(hours=24)


def test_parse_choice_refuses_what_is_not_offered() -> None:
    assert parse_reminder_choice("7") == NotAChoice("7")
    assert parse_reminder_choice("x" * 100) == NotAChoice("x" * 63 + "…")


async def test_a_tournament_registered_with_reminders_on_is_nudged_once_after_the_delay(store: MemoryStore) -> None:
    user = BotUser(store, now=NOON)
    await user.send("/reminders 12h")
    tid = await user.register("Cup | 15.06.2025 | 10 | Club")
    assert await due_by(store, NOON + timedelta(hours=11, minutes=59)) == []
    [due] = await due_by(store, NOON + timedelta(hours=12))
    assert (due.tournament_id, due.player_id, due.language_code) == (tid, user.user_id, "en")
    assert await due_by(store, NOON + timedelta(days=5)) == []  # published: once only


async def test_a_future_tournament_is_not_nudged_before_it_is_played(store: MemoryStore) -> None:
    user = BotUser(store, now=NOON)
    await user.send("/reminders 6")
    tid = await user.register("Cup | 20.06.2025 | 10 | Club")
    assert await due_by(store, datetime(2025, 6, 20, 5, 59, tzinfo=UTC)) == []
    assert [d.tournament_id for d in await due_by(store, datetime(2025, 6, 20, 6, tzinfo=UTC))] == [tid]


async def test_a_ticket_confirmed_with_reminders_on_is_nudged_too(store: MemoryStore) -> None:
    user = BotUser(store, now=NOON)
    await user.send("/reminders 6h")
    [job] = (await user.photo()).ocr_jobs
    await user.ticket_read(job, name="Ticket Cup", played_on="2025-06-15", buy_in="50", venue="Club")
    await user.press("tk:ok")
    [t] = await user.tournaments()
    assert [d.tournament_id for d in await due_by(store, NOON + timedelta(hours=6))] == [t.id]


async def test_without_reminders_or_after_turning_them_off_nothing_is_due(store: MemoryStore) -> None:
    user = BotUser(store, now=NOON)
    await user.register("Quiet | 15.06.2025 | 10 | Club")  # off by default
    await user.send("/reminders 6h")
    await user.register("Loud | 15.06.2025 | 10 | Club")
    await user.send("/reminders off")  # drops the one not sent yet
    await user.send("/reminders 6h")  # on again: for tournaments registered from now on
    assert await due_by(store, NOON + timedelta(days=30)) == []


async def test_a_result_or_deleting_the_tournament_drops_its_reminder(store: MemoryStore) -> None:
    user = BotUser(store, now=NOON)
    await user.send("/reminders 6h")
    played = await user.register("Played | 15.06.2025 | 10 | Club")
    gone = await user.register("Gone | 15.06.2025 | 10 | Club")
    await user.finish(played, "3 | 100")
    await user.send("/delete")
    await user.press(f"del:{gone}")
    await user.press(f"dx:t:{gone}")
    assert await due_by(store, NOON + timedelta(days=1)) == []


# --- the nudge ----------------------------------------------------------------------------


async def test_the_nudge_opens_the_result_of_its_tournament(store: MemoryStore) -> None:
    user = BotUser(store, now=NOON)
    await user.send("/reminders 12h")
    tid = await user.register("Sunday Cup | 15.06.2025 | 10 | Club")
    nudged = await nudge(user, tid)
    assert [m for m, _ in nudged.calls] == ["sendMessage"]
    assert nudged.text == "⏰ How did Sunday Cup (15.06.2025) go? Enter the result while you remember it."
    assert nudged.buttons == [("✍️ Enter the result", f"res:{tid}")]
    assert len(f"res:{tid}".encode()) <= 64
    asked = await user.press(nudged.button("Enter the result"))
    assert "Sunday Cup" in asked.text and "place | prize" in asked.text
    saved = await user.send("2 | 300")
    assert saved.text.startswith("Result saved ✅\nSunday Cup (15.06.2025)\n🏆 Place: 2")
    t = await user.tournament(tid)
    assert t is not None and t.result is not None and t.result.place == 2


async def test_the_nudge_in_russian(store: MemoryStore) -> None:
    user = BotUser(store, language="ru", now=NOON)
    await user.send("/reminders 24")
    tid = await user.register("Кубок | 15.06.2025 | 10 | Клуб")
    nudged = await nudge(user, tid)
    assert nudged.text == "⏰ Как прошёл турнир Кубок (15.06.2025)? Внесите результат, пока всё помните."
    assert nudged.buttons == [("✍️ Внести результат", f"res:{tid}")]


async def test_no_nudge_when_there_is_nothing_to_nudge_about(store: MemoryStore) -> None:
    user, other = BotUser(store, now=NOON), BotUser(store, now=NOON)
    await user.send("/reminders 6h")
    played = await user.register("Played | 15.06.2025 | 10 | Club")
    gone = await user.register("Gone | 15.06.2025 | 10 | Club")
    kept = await user.register("Kept | 15.06.2025 | 10 | Club")
    await user.finish(played, "1 | 500")
    await user.send("/delete")
    await user.press(f"del:{gone}")
    await user.press(f"dx:t:{gone}")
    assert (await nudge(user, played)).calls == []  # the result is in
    assert (await nudge(user, gone)).calls == []  # deleted
    assert (await nudge(other, kept)).calls == []  # not theirs
    await user.send("/reminders off")
    assert (await nudge(user, kept)).calls == []  # turned off after it was published
    await user.send("/reminders 6h")
    assert len((await nudge(user, kept)).calls) == 1


async def test_the_nudge_leaves_an_open_step_as_it_was(store: MemoryStore) -> None:
    user = BotUser(store, now=NOON)
    await user.send("/reminders 6h")
    tid = await user.register("Cup | 15.06.2025 | 10 | Club")
    await user.send("/edit")
    await user.press(f"ed:{tid}")
    await user.send("buy-in: 20")  # a pending edit, kept in the session
    before = user.conversation
    nudged = await nudge(user, tid)
    assert f"res:{tid}" in dict((d, t) for t, d in nudged.buttons)
    assert user.conversation == before
    assert "saved" in (await user.send("done")).text.lower()
    t = await user.tournament(tid)
    assert t is not None and t.buy_in == 20
