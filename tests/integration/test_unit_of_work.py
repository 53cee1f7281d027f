"""A step opens a tracker transaction only when it writes: reads run without BEGIN/COMMIT, a
step that writes commits all its writes together, and one that fails leaves nothing."""

from __future__ import annotations

import json
from datetime import date

import asyncpg
import pytest

from services.common import db
from services.handler.conversation.dispatcher import converse
from services.handler.conversation.state import ConversationState
from services.handler.pipeline import parse_delivery
from services.handler.tracker.model import Player
from services.handler.tracker.postgres import PgTracker
from services.handler.tracker.schema import MIGRATIONS, SCHEMA
from services.handler.tracker.unit_of_work import UnitOfWork
from tests.conftest import random_user_id
from tests.unit.bot_user import Files

pytestmark = pytest.mark.integration

TODAY = date(2025, 6, 15)


class LoggedConnection:
    """A pool of one connection whose statements are recorded, BEGIN and COMMIT included."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.statements: list[str] = []
        conn.add_query_logger(lambda record: self.statements.append(record.query.strip().upper()))

    async def acquire(self) -> asyncpg.Connection:
        return self.conn

    async def release(self, conn: asyncpg.Connection) -> None:
        assert conn is self.conn

    def began(self) -> bool:
        return any(s.startswith("BEGIN") for s in self.statements)


@pytest.fixture
async def logged(database_url: str):
    pool = await db.open_pool(database_url, max_size=2, schemas=[(SCHEMA, MIGRATIONS)])
    conn = await pool.acquire()
    try:
        yield LoggedConnection(conn)
    finally:
        await pool.release(conn)
        await pool.close()


async def step(pool: LoggedConnection, user_id: int, text: str, session: dict) -> tuple[dict, list]:
    body = {"update_id": random_user_id(), "message": {
        "message_id": 1, "date": 0, "text": text, "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "first_name": "Ann", "language_code": "en"}}}
    _, incoming = parse_delivery(json.dumps(body).encode(), {})
    assert incoming is not None
    async with UnitOfWork(pool) as work:  # type: ignore[arg-type]  # a pool of one connection
        out = await converse(incoming, ConversationState.from_session(session), PgTracker(work), Files(), TODAY)
    return out.state.to_session(), [r for r in out.replies]


async def test_steps_that_only_read_open_no_transaction(logged: LoggedConnection) -> None:
    uid = random_user_id()
    await step(logged, uid, "/register Cup | 01.06.2025 | 10 | Club", {})
    assert logged.began() and not logged.conn.is_in_transaction()  # it wrote, and committed
    assert await logged.conn.fetchval("SELECT count(*) FROM tracker.tournaments WHERE player_id = $1", uid) == 1
    for text in ("/stats", "/tournaments", "/result", "/help"):
        logged.statements.clear()
        _, replies = await step(logged, uid, text, {})
        assert replies, text
        assert not logged.began(), f"{text} opened a transaction: {logged.statements}"
    assert not logged.conn.is_in_transaction()


async def test_a_step_that_does_not_touch_the_tracker_takes_no_connection(logged: LoggedConnection) -> None:
    class NoConnections:
        async def acquire(self) -> asyncpg.Connection:
            raise AssertionError("the step took a database connection")

    uid = random_user_id()
    session, _ = await step(logged, uid, "/start", {})  # the player's settings are read once...
    assert "settings" in session
    _, replies = await step(NoConnections(), uid, "/help", session)  # type: ignore[arg-type]
    assert replies  # ...and kept in the session


async def test_a_failing_step_rolls_its_writes_back(logged: LoggedConnection) -> None:
    uid = random_user_id()
    tracker_player = Player(uid, "Ann", "en")
    with pytest.raises(RuntimeError):
        async with UnitOfWork(logged) as work:  # type: ignore[arg-type]
            await PgTracker(work).set_venue(tracker_player, "Club")
            raise RuntimeError("the step failed after writing")
    assert await logged.conn.fetchval("SELECT count(*) FROM tracker.players WHERE user_id = $1", uid) == 0
    assert not logged.conn.is_in_transaction()
