"""The benchmark's aiogram 3 peer (``python -m bench.aiogram_peer``) holds the conversation the
load generator drives, as a player sees it.

The peer runs as its own process against a database of this test's own, the local Redis
(``TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/0``) and the fake Bot API as the benchmark
serves it (``devkit.fake_telegram``, not recording, no latency); updates are real Update JSON, as
``bench.loadgen`` sends them.
Needs the ``bench`` extra (``pip install -e .[test,bench]``, as ``scripts/test`` installs it) and
a Redis server (``.ci/run`` starts one if none answers).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis_asyncio
import redis.exceptions as redis_exceptions

from bench.loadgen import FINAL_METHODS
from devkit.fake_telegram import Call, FakeTelegram, FakeTelegramConfig, FakeTelegramServer
from services.handler.domain.money import EN_NUMBERS, format_percent, format_signed
from tests.conftest import database_of_its_own, eventually, free_port, random_user_id

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis_asyncio.Redis.from_url(url)
    try:
        await client.ping()
    except (OSError, redis_exceptions.RedisError) as exc:  # no Redis here
        pytest.fail(f"Redis at {url} is not reachable (start one, or set TEST_REDIS_URL): {exc!r}")
    finally:
        await client.aclose()
    yield url


@pytest.fixture
async def own_database(database_url: str) -> AsyncIterator[str]:
    async with database_of_its_own(database_url, "pokertracker_aiogram") as url:
        yield url


class Peer:
    def __init__(self, proc: asyncio.subprocess.Process, url: str, log: Path, token: str, secret: str,
                 telegram: FakeTelegram) -> None:
        self.proc, self.url, self.log, self.token, self.secret = proc, url, log, token, secret
        self.telegram = telegram
        self.calls: list[Call] = []

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 30)


@pytest.fixture
async def peer(own_database: str, redis_url: str, tmp_path: Path) -> AsyncIterator[Peer]:
    calls: list[Call] = []
    token = f"{secrets.randbelow(10**9) + 10**9}:AA{secrets.token_urlsafe(24)[:33]}"
    bot = FakeTelegramServer(FakeTelegramConfig(token=token, recording=False))
    bot.fake.on_call = calls.append
    bot_url = await bot.start()
    port = free_port()
    secret = secrets.token_urlsafe(36)
    env = {
        **os.environ,
        "DATABASE_URL": own_database,
        "BOT_TOKEN": token,
        "TELEGRAM_API_URL": bot_url,
        "WEBHOOK_SECRET": secret,
        "REDIS_URL": redis_url,
        "PEER_PORT": str(port),
        "DB_POOL_SIZE": "4",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "aiogram_peer.log"
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.aiogram_peer", env=env, cwd=REPO,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    peer = Peer(proc, f"http://127.0.0.1:{port}", log, token, secret, bot.fake)
    peer.calls = calls
    try:
        async with httpx.AsyncClient(timeout=5) as http:

            async def ready() -> bool:
                if proc.returncode is not None:
                    raise AssertionError(f"the peer exited with {proc.returncode}: {peer.logs()[-3000:]}")
                try:
                    return (await http.get(peer.url + "/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout=30)
        yield peer
    finally:
        await peer.stop()
        await bot.close()


def message_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "message_id": update_id % 10**6,
        "from": {"id": user_id, "is_bot": False, "first_name": "Bench", "language_code": "en"},
        "chat": {"id": user_id, "first_name": "Bench", "type": "private"},
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        msg["entities"] = [{"offset": 0, "length": len(text.split(" ")[0]), "type": "bot_command"}]
    return {"update_id": update_id, "message": msg}


def callback_update(update_id: int, user_id: int, reply: Call) -> dict[str, Any]:
    """A press of the first ``res:`` button of ``reply`` (the bot's message), as the load
    generator finds it; ``None`` data if there is none."""
    markup = reply.params.get("reply_markup") or {}
    data = next(
        (b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
         if str(b.get("callback_data", "")).startswith("res:")),
        None,
    )  # fmt: skip
    assert data is not None, f"no res: button in the reply to /result: {reply.params}"
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id * 7),
            "from": {"id": user_id, "is_bot": False, "first_name": "Bench", "language_code": "en"},
            "message": {
                "message_id": reply.message_id,
                "from": {"id": 1, "is_bot": True, "first_name": "PokerTracker"},
                "chat": {"id": user_id, "first_name": "Bench", "type": "private"},
                "date": int(time.time()),
                "text": reply.params.get("text", ""),
                "reply_markup": markup,
            },
            "chat_instance": str(user_id * 3),
            "data": data,
        },
    }


class Player:
    """One simulated user: sends an update, waits for the bot's final reply to it."""

    def __init__(self, peer: Peer, http: httpx.AsyncClient) -> None:
        self.peer, self.http = peer, http
        self.user_id = random_user_id()
        self.update_ids = iter(range(random_user_id() % 10**9, 10**10))

    async def send(self, update: dict[str, Any]) -> list[Call]:
        """The Bot API calls the update caused, up to and including its final reply."""
        seen = len(self.peer.calls)
        self.peer.telegram.register_raw_update(update)  # as if Telegram had sent it
        response = await self.http.post(
            self.peer.url + "/telegram/webhook", content=json.dumps(update),
            headers={"X-Telegram-Bot-Api-Secret-Token": self.peer.secret, "Content-Type": "application/json"},
        )  # fmt: skip
        assert response.status_code == 200, response.text

        async def replied() -> list[Call] | None:
            calls = self.peer.calls[seen:]
            return calls if any(c.method in FINAL_METHODS for c in calls) else None

        calls = await eventually(replied, timeout=10)
        final = calls[-1]
        assert final.method in FINAL_METHODS and final.chat_id == self.user_id, calls
        return calls

    async def say(self, text: str) -> Call:
        return (await self.send(message_update(next(self.update_ids), self.user_id, text)))[-1]


async def test_a_player_registers_logs_a_result_and_sees_the_stats(peer: Peer, redis_url: str) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        player = Player(peer, http)
        saved = await player.say("/register Bench Cup 7 | 14.03.2025 | 100+10 | Casino Royale")
        assert "Bench Cup 7" in saved.params["text"] and "Casino Royale" in saved.params["text"]

        picker = await player.say("/result")
        buttons = [b for row in picker.params["reply_markup"]["inline_keyboard"] for b in row]
        assert len(buttons) == 1 and "Bench Cup 7" in buttons[0]["text"]

        press = callback_update(next(player.update_ids), player.user_id, picker)
        calls = await player.send(press)
        assert [c.method for c in calls] == ["answerCallbackQuery", "sendMessage"]
        assert calls[0].params["callback_query_id"] == press["callback_query"]["id"]
        assert "place | prize" in calls[1].params["text"]

        result = (await player.say("3 | 850")).params["text"]
        assert f"Profit: {format_signed(Decimal(740), EN_NUMBERS)}" in result  # 850 - (100 + 10)
        assert f"ROI: {format_percent(Decimal(740) / 110 * 100, EN_NUMBERS)}" in result

        overview = (await player.say("/stats")).params["text"]
        assert "Tournaments played: 1" in overview and "Waiting for a result: 0" in overview

        # A second player leaves a step open; the peer deletes its own FSM keys as it exits.
        other = Player(peer, http)
        await other.say("/register Open Step | 14.03.2025 | 50 | Casino Royale")
        await other.say("/result")

    prefix = next(
        json.loads(line)["redis_prefix"] for line in peer.logs().splitlines() if '"redis_prefix"' in line
    )
    redis = redis_asyncio.Redis.from_url(redis_url)
    try:
        assert [k async for k in redis.scan_iter(match=f"{prefix}:*")]  # the open step's state
        assert await peer.stop() == 0, peer.logs()[-3000:]
        assert [k async for k in redis.scan_iter(match=f"{prefix}:*")] == []
    finally:
        await redis.aclose()
    logs = peer.logs()
    assert peer.token not in logs and peer.token.partition(":")[2] not in logs and peer.secret not in logs


async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(peer: Peer) -> None:
    update = json.dumps(message_update(random_user_id() % 10**9, random_user_id(), "/stats"))
    async with httpx.AsyncClient(timeout=10) as http:
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "not-" + peer.secret}, {}):
            response = await http.post(peer.url + "/telegram/webhook", content=update, headers=headers)
            assert response.status_code == 403
        assert (await http.get(peer.url + "/healthz")).status_code == 200
    assert peer.calls == []
