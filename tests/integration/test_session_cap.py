"""The session size limit (SESSION_MAX_BYTES): in the store, and over the broker."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest
from pydantic import ValidationError

from services.common import db
from services.handler.session_client import SessionClient
from services.session.app import create_app
from services.session.schema import MIGRATIONS, SCHEMA
from services.session.settings import SessionSettings
from services.session.store import SessionStore, init_connection
from shared.session_api import (
    SessionSaved,
    SessionTooLarge,
    UpdateSession,
    session_size,
)
from shared.topology import Topology
from tests.conftest import random_user_id
from tests.integration.conftest import running_app

pytestmark = pytest.mark.integration

LIMIT = 2_048


@pytest.fixture
async def pool(database_url: str):
    pool = await db.open_pool(database_url, max_size=4, schemas=[(SCHEMA, MIGRATIONS)], init=init_connection)
    yield pool
    await pool.close()


def store(pool: asyncpg.Pool, max_bytes: int = LIMIT) -> SessionStore:
    return SessionStore(pool, timedelta(hours=24), max_bytes=max_bytes)


def data_of_size(size: int, char: str = "x") -> dict:
    """A session of exactly ``size`` bytes of compact JSON (``char`` of 1 or 2 bytes)."""
    width = len(char.encode())
    overhead = session_size({"draft": ""})
    assert (size - overhead) % width == 0
    data = {"draft": char * ((size - overhead) // width)}
    assert session_size(data) == size
    return data


async def row(pg: asyncpg.Connection, uid: int) -> tuple | None:
    found = await pg.fetchrow(
        "SELECT version, session_data::text AS data, updated_at, expires_at FROM session.bot_sessions"
        " WHERE user_id = $1", uid)
    return None if found is None else tuple(found)


def test_size_is_compact_utf8_json() -> None:
    assert session_size({}) == 2
    assert session_size({"a": [1, 2], "b": None}) == len('{"a":[1,2],"b":null}')
    assert session_size({"name": "Кубок"}) == len('{"name":""}') + 10  # Cyrillic: 2 bytes each


async def test_data_over_the_limit_is_refused_and_nothing_is_written(pool, pg) -> None:
    sessions = store(pool)
    uid, update_id = random_user_id(), random_user_id()
    assert isinstance(await sessions.update(UpdateSession(user_id=uid, expected_version=0, data={"step": "edit"})),
                      SessionSaved)
    before = await row(pg, uid)

    # Two-byte characters: the limit is about bytes, not characters.
    too_big = data_of_size(LIMIT + 2, "ж")
    reply = await sessions.update(UpdateSession(user_id=uid, expected_version=1, data=too_big, update_id=update_id))
    assert reply == SessionTooLarge(user_id=uid, size=LIMIT + 2, limit=LIMIT)
    assert await row(pg, uid) == before
    snapshot = await sessions.get(uid, update_id)
    assert (snapshot.version, snapshot.data, snapshot.applied) == (1, {"step": "edit"}, False)

    # At the limit exactly it is kept, under the same update id (it was not used up).
    fits = data_of_size(LIMIT, "ж")
    saved = await sessions.update(UpdateSession(user_id=uid, expected_version=1, data=fits, update_id=update_id))
    assert isinstance(saved, SessionSaved) and saved.version == 2
    assert (await sessions.get(uid, update_id)).applied


async def test_a_new_users_first_session_over_the_limit_is_not_stored(pool, pg) -> None:
    uid = random_user_id()
    reply = await store(pool).update(UpdateSession(user_id=uid, expected_version=0, data=data_of_size(LIMIT + 1)))
    assert isinstance(reply, SessionTooLarge)
    assert await row(pg, uid) is None


async def test_the_stored_data_can_always_be_written_back(pool, pg) -> None:
    """After SESSION_MAX_BYTES went down, a handler may still record an update that leaves
    the (now too large) session as it is."""
    uid, update_id = random_user_id(), random_user_id()
    big = data_of_size(4 * LIMIT)
    await store(pool, 8 * LIMIT).update(UpdateSession(user_id=uid, expected_version=0, data=big))
    reply = await store(pool).update(UpdateSession(user_id=uid, expected_version=1, data=big, update_id=update_id))
    assert isinstance(reply, SessionSaved) and reply.written is False
    assert (await store(pool).get(uid, update_id)).applied
    shrunk = await store(pool).update(UpdateSession(user_id=uid, expected_version=1, data={}))
    assert isinstance(shrunk, SessionSaved) and shrunk.version == 2


async def test_the_service_replies_too_large_over_the_broker(amqp_url, database_url, namespace, pg) -> None:
    settings = SessionSettings(amqp_url=amqp_url, database_url=database_url, amqp_namespace=namespace,
                               session_max_bytes=LIMIT)
    client = SessionClient(amqp_url, Topology(namespace), timeout=5.0)
    try:
        async with running_app(create_app(settings)):
            uid, update_id = random_user_id(), random_user_id()
            await client.update(uid, 0, {"step": "edit"})
            reply = await client.update(uid, 1, data_of_size(LIMIT + 1), update_id)
            assert reply == SessionTooLarge(user_id=uid, size=LIMIT + 1, limit=LIMIT)
            snapshot = await client.get(uid, update_id)
            assert (snapshot.version, snapshot.data, snapshot.applied) == (1, {"step": "edit"}, False)
    finally:
        await client.close()


def test_the_limit_cannot_be_set_below_what_a_conversation_needs() -> None:
    common = {"amqp_url": "amqp://x", "database_url": "postgresql://x"}
    assert SessionSettings(**common).session_max_bytes == 16_384
    with pytest.raises(ValidationError, match="session_max_bytes"):
        SessionSettings(**common, session_max_bytes=1_000)
