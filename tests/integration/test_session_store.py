"""The session table's rules, against real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import pytest

from services.common import db
from services.session.schema import MIGRATIONS, SCHEMA
from services.session.store import SessionStore, init_connection
from shared.session_api import SessionConflict, SessionSaved, UpdateSession
from tests.conftest import random_user_id

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(database_url: str):
    pool = await db.create_pool(database_url, max_size=12, init=init_connection)
    async with pool.acquire() as conn:
        await db.migrate(conn, SCHEMA, MIGRATIONS)
    yield SessionStore(pool, timedelta(hours=24))
    await pool.close()


async def test_missing_session_reads_empty_then_cas_writes(store: SessionStore) -> None:
    uid = random_user_id()
    snap = await store.get(uid)
    assert (snap.version, snap.data) == (0, {})
    saved = await store.update(UpdateSession(user_id=uid, expected_version=0, data={"step": "register"}))
    assert isinstance(saved, SessionSaved) and saved.version == 1
    again = await store.update(UpdateSession(user_id=uid, expected_version=0, data={"step": "x"}))
    assert again == SessionConflict(user_id=uid, expected_version=0, current_version=1)
    snap = await store.get(uid)
    assert (snap.version, snap.data) == (1, {"step": "register"})


async def test_two_writers_of_one_version_cannot_both_win(store: SessionStore) -> None:
    uid = random_user_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={}))
    results = await asyncio.gather(
        *(store.update(UpdateSession(user_id=uid, expected_version=1, data={"w": i})) for i in range(10))
    )
    winners = [r for r in results if isinstance(r, SessionSaved)]
    assert len(winners) == 1
    assert all(isinstance(r, SessionConflict) and r.current_version == 2 for r in results if r not in winners)
    assert (await store.get(uid)).data == {"w": results.index(winners[0])}


async def test_each_update_slides_expiry(store: SessionStore, pg: asyncpg.Connection) -> None:
    uid = random_user_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={}))
    await pg.execute("UPDATE session.bot_sessions SET expires_at = now() + interval '1 hour' WHERE user_id = $1", uid)
    saved = await store.update(UpdateSession(user_id=uid, expected_version=1, data={"a": 1}))
    left = await pg.fetchval("SELECT expires_at - now() FROM session.bot_sessions WHERE user_id = $1", uid)
    assert isinstance(saved, SessionSaved) and left > timedelta(hours=23, minutes=59)


async def test_expired_session_reads_empty_and_can_be_written(store: SessionStore, pg: asyncpg.Connection) -> None:
    uid = random_user_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={"step": "result"}))
    await pg.execute("UPDATE session.bot_sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1", uid)
    snap = await store.get(uid)
    assert snap.data == {} and snap.version == 1
    saved = await store.update(UpdateSession(user_id=uid, expected_version=snap.version, data={"n": 1}))
    assert isinstance(saved, SessionSaved)
    assert (await store.get(uid)).data == {"n": 1}


async def test_cleanup_deletes_expired_rows_only(store: SessionStore, pg: asyncpg.Connection) -> None:
    expired = [random_user_id() for _ in range(25)]
    alive = random_user_id()
    for uid in [*expired, alive]:
        await store.update(UpdateSession(user_id=uid, expected_version=0, data={}))
    await pg.execute("UPDATE session.bot_sessions SET expires_at = now() - interval '1 minute' WHERE user_id = ANY($1)", expired)
    deleted = await store.delete_expired(batch_size=7)
    assert deleted >= 25
    left = await pg.fetchval("SELECT count(*) FROM session.bot_sessions WHERE user_id = ANY($1)", [*expired, alive])
    assert left == 1


async def test_migrations_racing_at_start_run_each_step_once(database_url: str) -> None:
    schema = f"race_{uuid.uuid4().hex[:8]}"
    steps = [f'CREATE TABLE "{schema}".t (id int)', f'INSERT INTO "{schema}".t VALUES (1)']
    conns = [await asyncpg.connect(database_url) for _ in range(6)]
    try:
        ran = await asyncio.gather(*(db.migrate(c, schema, steps) for c in conns))
        assert sorted(ran) == [0, 0, 0, 0, 0, 2]
        assert await conns[0].fetchval(f'SELECT count(*) FROM "{schema}".t') == 1
    finally:
        await conns[0].execute(f'DROP SCHEMA "{schema}" CASCADE')
        for c in conns:
            await c.close()
