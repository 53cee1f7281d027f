"""The incident that started the project, replayed with real processes.

/register, /result, the button pressed, then the replica that served the button is killed
with SIGKILL before the user types the result: the other replica must carry on from the
session, store the result once, and answer with profit and ROI.
"""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest

from tests.conftest import eventually, random_user_id
from tests.e2e.conftest import Stack
from tests.telegram_client import TelegramUser, buttons

pytestmark = pytest.mark.e2e


async def replica_that_processed(stack: Stack, update_id: int, replicas: list[str]) -> str:
    """The replica that finished (session saved, about to ack) this update."""

    async def finder() -> str | None:
        for name in replicas:
            if any(r.get("msg") == "update processed" and r.get("update_id") == update_id
                   for r in stack.log_records(name)):
                return name
        return None

    return await eventually(finder, timeout=15)


async def test_result_conversation_survives_the_replica_that_served_it(
    stack: Stack, database_url: str
) -> None:
    replicas = ["handler-1", "handler-2"]
    stack.start_all(replicas)

    async with httpx.AsyncClient(base_url=stack.telegram_url, timeout=90) as http:
        user = TelegramUser(http, random_user_id())
        assert "Name | DD.MM.YYYY | buy-in | venue" in await user.say("/register")
        assert "Tournament registered" in await user.say("Seed Major | 02.03.2025 | 100 | E2E Casino")

        await user.send("/result")
        listing = await user.reply()
        [(label, data)] = buttons(listing)
        assert label == "Seed Major · 02.03.2025"

        pressed = await user.press(listing["message_id"], data)
        assert "Seed Major" in (await user.reply())["text"]
        answered = [c for c in await user.callback_answers()
                    if c["params"].get("callback_query_id") is not None]
        assert answered, "the button press was not answered with answerCallbackQuery"

        victim = await replica_that_processed(stack, pressed, replicas)
        stack.kill(victim)

        result = await user.say("3 | 850")
        assert "Result saved" in result
        assert "Profit: +750" in result and "ROI: +750%" in result

    survivor = next(r for r in replicas if r != victim)
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT r.place, r.prize FROM tracker.results r"
            " JOIN tracker.tournaments t ON t.id = r.tournament_id WHERE t.player_id = $1",
            user.user_id,
        )
    finally:
        await conn.close()
    assert [(r["place"], int(r["prize"])) for r in rows] == [(3, 850)]

    # Graceful stop: every surviving service exits cleanly on SIGTERM.
    for name in [survivor, "gateway", "session"]:
        assert stack.terminate(name) == 0, stack.logs(name)[-2000:]

    # Secrets never reach a log line.
    for name in stack.procs:
        text = stack.logs(name)
        assert stack.token not in text and stack.token.split(":")[1] not in text, name
        assert stack.secret not in text, name


async def test_update_waits_for_the_session_service_instead_of_being_dropped(
    stack: Stack, database_url: str
) -> None:
    stack.start("session-bootstrap", "services.session")  # declares the session queues
    stack.wait_started("session-bootstrap")
    stack.terminate("session-bootstrap")
    stack.start_handler("handler-1")
    stack.start_gateway()
    stack.start_telegram()
    async with httpx.AsyncClient(base_url=stack.telegram_url, timeout=90) as http:
        user = TelegramUser(http, random_user_id())
        update_id = await user.send("/register Outage Cup | 01.02.2025 | 20 | Club")

        async def retrying() -> bool:
            return any(r.get("msg") == "dependency unavailable, retrying"
                       and r.get("update_id") == update_id for r in stack.log_records("handler-1"))

        await eventually(retrying, timeout=20)
        stack.start_session()
        assert "Tournament registered" in (await user.reply(timeout=30))["text"]
    conn = await asyncpg.connect(database_url)
    try:
        count = await conn.fetchval(
            "SELECT count(*) FROM tracker.tournaments WHERE player_id = $1", user.user_id
        )
    finally:
        await conn.close()
    assert count == 1


async def test_replicas_share_the_work(stack: Stack) -> None:
    replicas = ["handler-1", "handler-2"]
    stack.start_all(replicas)
    async with httpx.AsyncClient(base_url=stack.telegram_url, timeout=90) as http:
        users = [TelegramUser(http, random_user_id()) for _ in range(40)]
        replies = await asyncio.gather(*(u.say("/start") for u in users))
    assert all("/register" in r for r in replies)

    async def served() -> dict[str, int] | None:
        counts = {
            name: sum(r.get("msg") == "update processed" for r in stack.log_records(name))
            for name in replicas
        }
        return counts if sum(counts.values()) == 40 else None

    counts = await eventually(served, timeout=15)
    assert all(counts.values()), f"a replica served nothing: {counts}"
