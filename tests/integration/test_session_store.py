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
from shared.session_api import (
    SessionConflict,
    SessionDuplicate,
    SessionSaved,
    UpdateSession,
)
from tests.conftest import random_user_id

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(database_url: str):
    pool = await db.open_pool(
        database_url, max_size=12, schemas=[(SCHEMA, MIGRATIONS)], init=init_connection
    )
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
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={"s": 0}))
    results = await asyncio.gather(
        *(store.update(UpdateSession(user_id=uid, expected_version=1, data={"w": i})) for i in range(10))
    )
    winners = [r for r in results if isinstance(r, SessionSaved)]
    assert len(winners) == 1
    assert all(isinstance(r, SessionConflict) and r.current_version == 2 for r in results if r not in winners)
    assert (await store.get(uid)).data == {"w": results.index(winners[0])}


async def test_each_update_slides_expiry(store: SessionStore, pg: asyncpg.Connection) -> None:
    uid = random_user_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={"s": 0}))
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
        await store.update(UpdateSession(user_id=uid, expected_version=0, data={"s": 0}))
    await pg.execute(
        "UPDATE session.bot_sessions SET expires_at = now() - interval '1 minute' WHERE user_id = ANY($1)", expired
    )
    deleted = await store.delete_expired(batch_size=7)
    assert deleted >= 25
    left = await pg.fetchval("SELECT count(*) FROM session.bot_sessions WHERE user_id = ANY($1)", [*expired, alive])
    assert left == 1


def random_update_id() -> int:
    """Random like user ids, so tests share the database without cleaning up."""
    return random_user_id()


async def test_an_update_id_applied_for_one_user_is_not_applied_for_another(store: SessionStore) -> None:
    # A bot's update ids restart at random after a week of silence; two bots may share a DB.
    first, second, upd = random_user_id(), random_user_id(), random_update_id()
    saved = await store.update(UpdateSession(user_id=first, expected_version=0, data={"a": 1}, update_id=upd))
    assert isinstance(saved, SessionSaved)
    assert (await store.get(second, upd)).applied is False
    other = await store.update(UpdateSession(user_id=second, expected_version=0, data={"b": 2}, update_id=upd))
    assert isinstance(other, SessionSaved)


async def test_get_reports_applied_only_after_a_write_with_that_update_id(store: SessionStore) -> None:
    uid, upd = random_user_id(), random_update_id()
    assert (await store.get(uid, upd)).applied is False
    saved = await store.update(UpdateSession(user_id=uid, expected_version=0, data={"a": 1}, update_id=upd))
    assert isinstance(saved, SessionSaved)
    snap = await store.get(uid, upd)
    assert (snap.applied, snap.version, snap.data) == (True, 1, {"a": 1})
    assert (await store.get(uid, random_update_id())).applied is False
    assert (await store.get(uid)).applied is False
    assert (await store.get(random_user_id(), upd)).version == 0  # a missing session still reads


async def test_a_write_without_update_id_records_nothing(store: SessionStore, pg: asyncpg.Connection) -> None:
    uid = random_user_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={"s": 0}))
    assert await pg.fetchval("SELECT count(*) FROM session.applied_updates WHERE user_id = $1", uid) == 0


async def test_second_write_of_an_update_id_is_a_duplicate_and_changes_nothing(store: SessionStore) -> None:
    uid, upd = random_user_id(), random_update_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={"step": "one"}, update_id=upd))
    again = await store.update(UpdateSession(user_id=uid, expected_version=1, data={"step": "two"}, update_id=upd))
    assert again == SessionDuplicate(user_id=uid, update_id=upd)
    snap = await store.get(uid)
    assert (snap.version, snap.data) == (1, {"step": "one"})


async def test_duplicate_is_reported_before_conflict(store: SessionStore) -> None:
    uid, first, second = random_user_id(), random_update_id(), random_update_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={"n": 1}, update_id=first))
    await store.update(UpdateSession(user_id=uid, expected_version=1, data={"n": 2}, update_id=second))
    replay = await store.update(UpdateSession(user_id=uid, expected_version=0, data={"n": 1}, update_id=first))
    assert replay == SessionDuplicate(user_id=uid, update_id=first)
    snap = await store.get(uid)
    assert (snap.version, snap.data) == (2, {"n": 2})


async def test_a_lost_cas_does_not_record_the_update_id(store: SessionStore, pg: asyncpg.Connection) -> None:
    uid, upd = random_user_id(), random_update_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={"by": "other"}))
    lost = await store.update(UpdateSession(user_id=uid, expected_version=0, data={"by": "me"}, update_id=upd))
    assert lost == SessionConflict(user_id=uid, expected_version=0, current_version=1)
    assert (await store.get(uid, upd)).applied is False
    assert await pg.fetchval("SELECT count(*) FROM session.applied_updates WHERE update_id = $1", upd) == 0
    retried = await store.update(UpdateSession(user_id=uid, expected_version=1, data={"by": "me"}, update_id=upd))
    assert isinstance(retried, SessionSaved) and retried.version == 2
    snap = await store.get(uid, upd)
    assert (snap.applied, snap.data) == (True, {"by": "me"})


async def test_concurrent_writes_of_one_update_id_save_once_and_the_rest_are_duplicates(
    store: SessionStore,
) -> None:
    uid, upd = random_user_id(), random_update_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={"s": 0}))
    results = await asyncio.gather(
        *(store.update(UpdateSession(user_id=uid, expected_version=1, data={"w": i}, update_id=upd))
          for i in range(10))
    )
    winners = [r for r in results if isinstance(r, SessionSaved)]
    assert len(winners) == 1
    assert [r for r in results if r not in winners] == [SessionDuplicate(user_id=uid, update_id=upd)] * 9
    snap = await store.get(uid, upd)
    assert (snap.version, snap.data, snap.applied) == (2, {"w": results.index(winners[0])}, True)


async def test_concurrent_first_writes_of_one_update_id_save_once(store: SessionStore) -> None:
    """Same race on a user with no session yet: the INSERT path, not the UPDATE path."""
    uid, upd = random_user_id(), random_update_id()
    results = await asyncio.gather(
        *(store.update(UpdateSession(user_id=uid, expected_version=0, data={"w": i}, update_id=upd))
          for i in range(10))
    )
    assert sum(isinstance(r, SessionSaved) for r in results) == 1
    assert sum(isinstance(r, SessionDuplicate) for r in results) == 9
    assert (await store.get(uid)).version == 1


async def test_retention_cleanup_deletes_only_old_update_ids(store: SessionStore, pg: asyncpg.Connection) -> None:
    old = [random_update_id() for _ in range(25)]
    recent = [random_update_id() for _ in range(3)]
    users = {upd: random_user_id() for upd in [*old, *recent]}
    for upd, uid in users.items():
        await store.update(UpdateSession(user_id=uid, expected_version=0, data={"s": 0}, update_id=upd))
    await pg.execute(
        "UPDATE session.applied_updates SET applied_at = now() - interval '3 days' WHERE update_id = ANY($1)", old
    )
    # Just inside the retention: must stay.
    await pg.execute(
        "UPDATE session.applied_updates SET applied_at = now() - interval '47 hours' WHERE update_id = $1", recent[0]
    )
    deleted = await store.delete_applied_before(timedelta(days=2), batch_size=7)
    assert deleted >= 25
    left = await pg.fetch("SELECT update_id FROM session.applied_updates WHERE update_id = ANY($1)", [*old, *recent])
    assert sorted(r["update_id"] for r in left) == sorted(recent)
    kept = await pg.fetchval("SELECT count(*) FROM session.bot_sessions WHERE user_id = ANY($1)", list(users.values()))
    assert kept == 28


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


def skipped(store: SessionStore) -> float:
    return store._metrics.writes_skipped._value.get()


async def test_an_unchanged_session_is_not_written_again(store: SessionStore, pg: asyncpg.Connection) -> None:
    uid, upd = random_user_id(), random_update_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={"step": "result"}))
    before = await pg.fetchrow(
        "SELECT version, updated_at, expires_at FROM session.bot_sessions WHERE user_id = $1", uid
    )
    count = skipped(store)
    saved = await store.update(UpdateSession(user_id=uid, expected_version=1, data={"step": "result"}, update_id=upd))
    assert saved == SessionSaved(user_id=uid, version=1, expires_at=before["expires_at"], written=False)
    after = await pg.fetchrow(
        "SELECT version, updated_at, expires_at FROM session.bot_sessions WHERE user_id = $1", uid
    )
    assert after == before  # not written: same version, same updated_at, same expiry
    assert (await store.get(uid, upd)).applied is True  # but the update is on record
    assert skipped(store) == count + 1
    # A change is written as before.
    changed = await store.update(UpdateSession(user_id=uid, expected_version=1, data={"step": "idle"}))
    assert isinstance(changed, SessionSaved) and changed.version == 2 and changed.written


async def test_an_unchanged_sessions_expiry_is_extended_only_when_due(
    store: SessionStore, pg: asyncpg.Connection
) -> None:
    uid = random_user_id()
    await store.update(UpdateSession(user_id=uid, expected_version=0, data={"step": "result"}))
    # Extended 30 minutes ago (default: extend once an hour): not due, left alone.
    await pg.execute(
        "UPDATE session.bot_sessions SET expires_at = now() + interval '23 hours 30 minutes' WHERE user_id = $1", uid
    )
    recent = await pg.fetchval("SELECT expires_at FROM session.bot_sessions WHERE user_id = $1", uid)
    await store.update(UpdateSession(user_id=uid, expected_version=1, data={"step": "result"}))
    assert await pg.fetchval("SELECT expires_at FROM session.bot_sessions WHERE user_id = $1", uid) == recent
    # Extended two hours ago: due, pushed back to a full day, still without a new version.
    await pg.execute("UPDATE session.bot_sessions SET expires_at = now() + interval '22 hours' WHERE user_id = $1", uid)
    saved = await store.update(UpdateSession(user_id=uid, expected_version=1, data={"step": "result"}))
    left = await pg.fetchval("SELECT expires_at - now() FROM session.bot_sessions WHERE user_id = $1", uid)
    assert isinstance(saved, SessionSaved) and saved.version == 1 and not saved.written
    assert left > timedelta(hours=23, minutes=59)


async def test_an_empty_session_of_a_new_user_is_not_stored(store: SessionStore, pg: asyncpg.Connection) -> None:
    uid, upd = random_user_id(), random_update_id()
    saved = await store.update(UpdateSession(user_id=uid, expected_version=0, data={}, update_id=upd))
    assert saved == SessionSaved(user_id=uid, version=0, written=False)
    assert await pg.fetchval("SELECT count(*) FROM session.bot_sessions WHERE user_id = $1", uid) == 0
    assert (await store.get(uid, upd)).applied is True


async def test_session_lifetimes_are_observed_at_expiry_and_at_reset(
    store: SessionStore, pg: asyncpg.Connection
) -> None:
    lifetime = store._metrics.lifetime
    reset, expired = random_user_id(), random_user_id()
    for uid in (reset, expired):
        await store.update(UpdateSession(user_id=uid, expected_version=0, data={"step": "result"}))
    # Both started 27 hours ago and were last updated 24 hours and a second ago (expiry =
    # last update + 24 h): they lived 3 hours, and have just expired.
    await pg.execute(
        "UPDATE session.bot_sessions SET created_at = now() - interval '27 hours',"
        " expires_at = now() - interval '1 second' WHERE user_id = ANY($1)", [reset, expired])

    def observed(end: str) -> float:
        return lifetime.labels(end)._sum.get()

    before_reset, before_expired = observed("reset"), observed("expired")
    await store.update(UpdateSession(user_id=reset, expected_version=1, data={"step": "register"}))
    assert 10_790 < observed("reset") - before_reset < 10_810
    await store.delete_expired(batch_size=1000)
    assert observed("expired") - before_expired >= 10_790
