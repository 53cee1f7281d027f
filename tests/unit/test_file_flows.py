"""/export, importing a CSV sent back, and ticket photos (OCR's reading arriving as an event)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from services.handler.conversation.state import Step
from services.handler.tracker.memory import MemoryStore
from tests.unit.bot_user import BotUser, columns


@pytest.fixture
def user(store: MemoryStore) -> BotUser:
    return BotUser(store)


async def tournaments(user: BotUser) -> list[dict[str, Any]]:
    """The user's tournaments in the order they were added (by id)."""
    return [columns(t) for t in sorted(await user.tournaments(), key=lambda t: t.id)]


def rows_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


async def export(user: BotUser) -> bytes:
    reply = await user.send("/export")
    ((method, filename, content, ctype),) = reply.uploads
    assert (method, ctype) == ("sendDocument", "text/csv") and filename.endswith(".csv")
    return content


async def test_export_then_import_the_edited_file(user: BotUser) -> None:
    a = await user.register("Main, \"Deep\" | 01.03.2025 | 100+10 | Casino")
    await user.finish(a, "3 | 850 | 20")
    b = await user.register("=HYPERLINK(evil) | 02.03.2025 | 50 | Club")
    rows = rows_of(await export(user))
    assert [r["name"] for r in rows] == ['Main, "Deep"', "'=HYPERLINK(evil)"]  # no formula injection
    assert (rows[0]["buy_in"], rows[0]["fee"], rows[0]["place"], rows[0]["prize"], rows[0]["bounty"]) == \
        ("100", "10", "3", "850", "20")
    # Edit one, add one, send it back.
    rows[1]["place"], rows[1]["prize"] = "1", "400"
    rows.append({**rows[0], "id": "", "name": "New one", "date": "2025-03-05", "place": "", "prize": "", "bounty": ""})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    reply = await user.document(out.getvalue().encode(), "mine.csv", "text/csv")
    assert "Added: 1, updated: 1, unchanged: 1" in reply.text  # row 1 was sent back as it is
    stored = await tournaments(user)
    assert [t["name"] for t in stored] == ['Main, "Deep"', "=HYPERLINK(evil)", "New one"]
    assert (stored[1]["id"], stored[1]["place"], stored[1]["prize"]) == (b, 1, Decimal(400))
    assert stored[2]["played_on"] == date(2025, 3, 5) and stored[2]["place"] is None


async def test_a_bad_file_imports_nothing_and_lists_what_to_fix(user: BotUser) -> None:
    await user.register("Mine | 01.03.2025 | 100 | Casino")
    content = (
        b"id,date,name,venue,buy_in,place,prize\r\n"
        b",2025-03-01,Good,V,10,,\r\n"
        b",2025-02-31,Bad date,V,10,,\r\n"
        b",2025-03-02,,V,10,,\r\n"
        b",2025-03-03,Half result,V,10,3,\r\n"
    )
    reply = await user.document(content, "t.csv", "text/csv")
    assert "Nothing was imported: rows to fix: 3 of 4" in reply.text
    assert "Line 3:" in reply.text and "2025-02-31" in reply.text
    assert "Line 4:" in reply.text and "Line 5:" in reply.text
    assert len(await tournaments(user)) == 1


async def test_import_refuses_ids_of_someone_elses_tournaments(store: MemoryStore) -> None:
    owner, intruder = BotUser(store), BotUser(store)
    theirs = await owner.register("Theirs | 01.03.2025 | 100 | Casino")
    content = f"id,date,name,venue,buy_in\r\n,2025-03-01,Fine,V,10\r\n{theirs},2025-03-01,Hijack,V,1\r\n"
    reply = await intruder.document(content.encode(), "t.csv", "text/csv")
    assert "Nothing was imported" in reply.text and f"id {theirs} is not one of your tournaments" in reply.text
    assert await tournaments(intruder) == []
    assert [t["name"] for t in await tournaments(owner)] == ["Theirs"]


async def test_excel_style_semicolons_and_file_level_problems(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    excel = "Date;Name;Venue;Buy_in;Place;Prize\r\n01.03.2025;Турнир;Клуб;52,50;2;300,50\r\n"
    reply = await user.document(excel.encode("utf-8-sig"), "excel.csv", "text/csv")
    assert "Добавлено: 1" in reply.text
    assert (await tournaments(user))[0]["buy_in"] == Decimal("52.50")
    assert "заголовком" in (await user.document(b"a,b\r\n1,2\r\n", "x.csv", "text/csv")).text.lower()
    assert "CSV" in (await user.document(b"%PDF-1.4", "x.pdf", "application/pdf")).text
    assert "нет строк" in (await user.document(b"", "empty.csv", "text/csv")).text


async def test_the_same_import_processed_twice_adds_once(user: BotUser) -> None:
    content = b"date,name,venue,buy_in\r\n2025-03-01,A,V,10\r\n2025-03-02,B,V,10\r\n"
    file_id = user.files.put(content)
    doc = {"file_id": file_id, "file_unique_id": "u", "file_name": "t.csv", "mime_type": "text/csv"}
    body = {"update_id": 4242, "message": user._message(document=doc)}
    await user.deliver(body)
    await user.deliver(body)  # a redelivery after a crash before the session write
    assert [t["name"] for t in await tournaments(user)] == ["A", "B"]


async def test_ticket_photo_read_confirmed_with_the_current_venue(user: BotUser) -> None:
    await user.send("/setvenue Casino Royal")
    reply = await user.photo(b"\xff\xd8 the ticket")
    assert "Reading your ticket" in reply.text
    (job,) = reply.ocr_jobs
    assert user.files.stored[job.file_id] == b"\xff\xd8 the ticket"  # the largest size
    reply = await user.ticket_read(
        job, name="Sunday Major", played_on=date(2025, 3, 2), buy_in=Decimal(100), fee=Decimal(10),
        starting_stack=20000, venue="Printed Venue",
    )
    assert user.step is Step.TICKET
    for expected in ["Name: Sunday Major", "Date: 02.03.2025", "Venue: Casino Royal", "Buy-in: 100",
                     "Fee: 10", "Stack: 20,000"]:
        assert expected in reply.text
    assert [t for t, _ in reply.buttons] == ["✅ Confirm", "✏️ Edit", "✖️ Cancel"]
    assert "Tap «Confirm»" in (await user.send("what now")).text
    reply = await user.press("tk:ok")
    assert "Tournament registered" in reply.text and user.step is Step.IDLE
    (t,) = await tournaments(user)
    assert (t["name"], t["venue"], t["fee"], t["starting_stack"]) == ("Sunday Major", "Casino Royal", 10, 20000)


async def test_ticket_edit_fills_in_what_ocr_missed(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    job = (await user.photo()).ocr_jobs[0]
    reply = await user.ticket_read(job, name="Турнир", buy_in=Decimal(50))
    assert "Не удалось найти: Дата, Площадка" in reply.text
    reply = await user.press("tk:ok")  # cannot confirm yet: asked to fill in
    assert user.step is Step.TICKET_EDIT and reply.answers[0]["text"]
    reply = await user.send("дата: 32.01.2025")
    assert "«дата: 32.01.2025»" in reply.text and user.step is Step.TICKET_EDIT
    await user.send("дата: 05.01.2025\nплощадка: Клуб")
    reply = await user.send("готово")
    assert user.step is Step.TICKET and "Площадка: Клуб" in reply.text
    assert "Турнир зарегистрирован" in (await user.press("tk:ok")).text
    assert len(await tournaments(user)) == 1


async def test_unreadable_ticket_asks_for_the_one_line_format(user: BotUser) -> None:
    job = (await user.photo()).ocr_jobs[0]
    reply = await user.ticket_read(job, status="unreadable")
    assert "couldn't read" in reply.text and "Name | DD.MM.YYYY" in reply.text
    assert user.step is Step.REGISTER
    assert "Tournament registered" in (await user.send("A | 01.01.2025 | 10 | V")).text


async def test_ticket_cancel_and_stale_ticket_buttons(user: BotUser) -> None:
    job = (await user.photo()).ocr_jobs[0]
    await user.ticket_read(job, name="X", played_on=date(2025, 1, 1), buy_in=Decimal(1), venue="V")
    assert "discarded" in (await user.press("tk:no")).text and user.step is Step.IDLE
    reply = await user.press("tk:ok")
    assert reply.answers[0]["text"] == "This button is no longer active." and not reply.text
    assert await tournaments(user) == []


async def test_an_image_sent_as_a_file_is_read_as_a_ticket(user: BotUser) -> None:
    reply = await user.document(b"\x89PNG...", "ticket.png", "image/png")
    assert "Reading your ticket" in reply.text and len(reply.ocr_jobs) == 1
