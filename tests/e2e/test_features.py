"""Issue 6's features through the whole stack as a Telegram user lives them: a ticket photo
read by the real OCR service, /graph's picture, /export's file sent back as an import.

The other features are driven update by update on real PostgreSQL in
tests/integration/test_*_flows.py; these tests show the pieces between (files through the
Bot API, the OCR queue, the reading's trip back through the user's partition) work for real.
"""

from __future__ import annotations

import csv
import io

import asyncpg
import httpx
import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import random_user_id
from tests.e2e.conftest import Stack
from tests.telegram_client import TelegramUser, buttons

pytestmark = pytest.mark.e2e

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def ticket_photo(lines: list[str]) -> bytes:
    """A plain printed ticket, slightly turned, as a phone would send it (JPEG)."""
    font = ImageFont.truetype(FONT, 34)
    image = Image.new("RGB", (900, 120 + 60 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((60, 60 + 60 * i), line, fill="black", font=font)
    image = image.rotate(1.5, expand=True, fillcolor="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


async def test_a_ticket_photo_is_read_confirmed_and_registered(stack: Stack, database_url: str) -> None:
    stack.start_session()
    stack.start_handler("h1")
    stack.start_ocr()
    stack.start_gateway()
    stack.start_telegram()
    async with httpx.AsyncClient(base_url=stack.telegram_url, timeout=60) as http:
        user = TelegramUser(http, random_user_id())
        assert "Current venue: Casino Royal" in await user.say("/setvenue Casino Royal")
        await user.send_photo(ticket_photo([
            "Event: Sunday Major", "Date: 02.03.2025", "Buy-in: 100 + 10 USD",
            "Starting stack: 20 000", "Venue: Grand Hall",
        ]))
        assert "Reading your ticket" in (await user.reply())["text"]
        card = await user.reply(timeout=60)  # OCR on a busy 2-core machine
        text = card["text"]
        for expected in ["Sunday Major", "02.03.2025", "Buy-in: $100", "Fee: $10",
                         "Stack: 20,000", "Venue: Casino Royal"]:  # the current venue wins
            assert expected in text, text
        assert [label for label, _ in buttons(card)] == ["✅ Confirm", "✏️ Edit", "✖️ Cancel"]
        await user.press(card["message_id"], "tk:edit")
        assert "field: value" in (await user.reply())["text"]
        assert "Entries: 2" in await user.say("entries: 2")
        await user.send("done")
        card = await user.reply()
        await user.press(card["message_id"], "tk:ok")
        assert "Tournament registered" in (await user.reply())["text"]
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT name, venue, buy_in, fee, entries, currency, starting_stack"
            " FROM tracker.tournaments WHERE player_id = $1", user.user_id,
        )
    finally:
        await conn.close()
    assert row is not None and tuple(row) == ("Sunday Major", "Casino Royal", 100, 10, 2, "USD", 20000)


async def test_graph_picture_and_export_sent_back_as_an_import(stack: Stack) -> None:
    stack.start_all(["h1"])
    async with httpx.AsyncClient(base_url=stack.telegram_url, timeout=60) as http:
        user = TelegramUser(http, random_user_id(), language="ru")
        for line, score in [("Первый | 01.03.2025 | 100+10 | Клуб", "2 | 400"),
                            ("Второй | 08.03.2025 | 50 | Клуб", "9 | 0")]:
            assert "Турнир зарегистрирован" in await user.say("/register " + line)
            await user.send("/result")
            message = await user.reply()
            data = next(d for label, d in buttons(message) if label.startswith(line.split(" |")[0]))
            await user.press(message["message_id"], data)
            await user.reply()
            assert "Результат сохранён" in await user.say(score)

        await user.send("/graph")
        assert (await user.reply())["text"] == "Накопленная прибыль и ROI по месяцам."  # the caption
        (graph,) = await user.uploads()
        assert graph.method == "sendPhoto" and graph.content.startswith(b"\x89PNG")
        assert Image.open(io.BytesIO(graph.content)).size[0] >= 800

        await user.send("/export")
        assert "Все ваши турниры (2)" in (await user.reply())["text"]
        export = (await user.uploads())[1]
        assert export.method == "sendDocument" and export.filename.endswith(".csv")
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert [(r["name"], r["buy_in"], r["fee"], r["place"], r["prize"]) for r in rows] == [
            ("Первый", "100", "10", "2", "400"), ("Второй", "50", "0", "9", "0")]
        # The same file back: every row names its tournament and holds what is stored, so it
        # adds and changes nothing, and says so.
        await user.send_document(export.content, export.filename or "export.csv", "text/csv")
        assert "Добавлено: 0, обновлено: 0, без изменений: 2" in (await user.reply())["text"]
