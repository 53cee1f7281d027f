"""The per-update pipeline's failure paths, with real PostgreSQL and a real HTTP Bot API.

The session service is replaced by an in-memory port here so that conflicts and outages
can be staged exactly; its real behaviour is covered in test_session_rpc.py.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from devkit.fake_telegram import FakeTelegramConfig, create_app
from services.common import db
from services.handler.bot_api import BotApi
from services.handler.errors import DependencyUnavailable
from services.handler.processing import UpdateProcessor
from services.handler.tracker.schema import MIGRATIONS, SCHEMA
from shared.session_api import SessionConflict, SessionSaved, SessionSnapshot
from tests.conftest import free_port, random_user_id
from tests.integration.conftest import serving

pytestmark = pytest.mark.integration

TOKEN = "4242424242:" + "T" * 35


class StagedSessions:
    """Versioned sessions in memory, with scripted failures before the real answer."""

    def __init__(self) -> None:
        self.store: dict[int, tuple[int, dict[str, Any]]] = {}
        self.fail_gets = 0
        self.concurrent_write_before_next_update = False
        self.writes = 0

    async def get(self, user_id: int) -> SessionSnapshot:
        if self.fail_gets:
            self.fail_gets -= 1
            raise DependencyUnavailable("staged outage")
        version, data = self.store.get(user_id, (0, {}))
        return SessionSnapshot(user_id=user_id, version=version, data=data)

    async def update(self, user_id: int, expected_version: int, data: dict[str, Any]):
        version, current = self.store.get(user_id, (0, {}))
        if self.concurrent_write_before_next_update:  # someone else wrote in between
            self.concurrent_write_before_next_update = False
            self.store[user_id] = (version + 1, current)
            version += 1
        if version != expected_version:
            return SessionConflict(user_id=user_id, expected_version=expected_version, current_version=version)
        self.writes += 1
        self.store[user_id] = (version + 1, data)
        return SessionSaved(user_id=user_id, version=version + 1, expires_at="2030-01-01T00:00:00Z")


@pytest.fixture
async def world(database_url: str):
    pool = await db.create_pool(database_url, max_size=4)
    async with pool.acquire() as conn:
        await db.migrate(conn, SCHEMA, MIGRATIONS)
    telegram = create_app(FakeTelegramConfig(token=TOKEN))
    async with serving(telegram, free_port()) as url, httpx.AsyncClient() as http:
        sessions = StagedSessions()
        processor = UpdateProcessor(
            sessions, pool, BotApi(http, url, TOKEN, max_attempts=2, max_backoff=0.1),
            retry_for=3.0, instance="test",
        )
        yield processor, sessions, telegram.state.fake, pool
    await pool.close()


def update(update_id: int, user_id: int, text: str) -> bytes:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "from": {"id": user_id, "first_name": "T", "language_code": "en"},
        "chat": {"id": user_id, "type": "private"}, "text": text}}).encode()


def sent_texts(fake, user_id: int) -> list[str]:
    return [c["params"]["text"] for c in fake.calls
            if c["method"] == "sendMessage" and c["params"]["chat_id"] == user_id]


async def test_conflicting_session_write_reruns_the_update_on_fresh_state(world) -> None:
    processor, sessions, fake, pool = world
    uid = random_user_id()
    sessions.concurrent_write_before_next_update = True
    await processor.process(update(1, uid, "/register Cup | 01.02.2025 | 10 | Club"))
    assert sessions.writes == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM tracker.tournaments WHERE player_id = $1", uid) == 1
    assert all("Tournament registered" in t for t in sent_texts(fake, uid))


async def test_session_outage_is_waited_out(world) -> None:
    processor, sessions, fake, _ = world
    uid = random_user_id()
    sessions.fail_gets = 2
    await processor.process(update(2, uid, "/start"))
    assert len(sent_texts(fake, uid)) == 1 and sessions.writes == 1


async def test_outage_longer_than_the_retry_window_returns_the_update(world) -> None:
    processor, sessions, fake, _ = world
    uid = random_user_id()
    sessions.fail_gets = 10_000
    with pytest.raises(DependencyUnavailable):
        await processor.process(update(3, uid, "/start"))  # raising = nack, back to the queue
    assert sent_texts(fake, uid) == [] and sessions.writes == 0


async def test_something_that_is_not_an_update_is_dropped_without_effects(world) -> None:
    processor, sessions, fake, _ = world
    before = len(fake.calls)
    await processor.process(b'{"update_id": 5, "message": "not an object"}')
    assert len(fake.calls) == before and sessions.writes == 0
