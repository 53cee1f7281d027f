"""Cleaning a million expired sessions while users keep using theirs."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import timedelta

import pytest

from services.common import db
from services.session.schema import MIGRATIONS, SCHEMA
from services.session.store import SessionStore, init_connection
from shared.session_api import SessionConflict, SessionSaved, UpdateSession
from tests.conftest import random_user_id

pytestmark = pytest.mark.integration

ROWS = 1_000_000


async def test_a_million_expired_sessions_go_in_batches_while_users_come_back(database_url: str) -> None:
    pool = await db.open_pool(
        database_url, max_size=8, schemas=[(SCHEMA, MIGRATIONS)], init=init_connection
    )
    try:
        base = random_user_id() * 1000  # a range of user ids no other test uses
        await pool.execute(
            "INSERT INTO session.bot_sessions (user_id, session_data, version, created_at, expires_at)"
            " SELECT $1::bigint + g, '{\"step\": \"result\"}', 1, now() - interval '3 days', now() - interval '2 days'"
            " FROM generate_series(1, $2) g",
            base, ROWS,
        )
        store = SessionStore(pool, timedelta(hours=24))
        returning = random.sample(range(1, ROWS + 1), 40)  # users whose expired session restarts
        waits: list[float] = []

        async def users_come_back() -> None:
            for n in returning:
                started = time.perf_counter()
                saved = await store.update(UpdateSession(user_id=base + n, expected_version=1, data={"n": n}))
                if isinstance(saved, SessionConflict) and saved.current_version == 0:
                    # The cleanup deleted the expired row between the read and the write: the
                    # handler re-runs the update on what it reads now, and that write holds.
                    saved = await store.update(UpdateSession(user_id=base + n, expected_version=0, data={"n": n}))
                waits.append(time.perf_counter() - started)
                assert isinstance(saved, SessionSaved), saved
                await asyncio.sleep(0)

        started = time.perf_counter()
        cleanup = asyncio.create_task(store.delete_expired(batch_size=1000))
        await users_come_back()
        deleted = await cleanup
        cleanup_seconds = time.perf_counter() - started

        assert deleted >= ROWS - len(returning)
        left = await pool.fetch(
            "SELECT user_id, session_data FROM session.bot_sessions "
            "WHERE user_id > $1::bigint AND user_id <= $1::bigint + $2",
            base, ROWS,
        )
        # Every expired session went, except those written again meanwhile, which survived.
        assert sorted(r["user_id"] - base for r in left) == sorted(returning)
        assert all(r["session_data"] == {"n": r["user_id"] - base} for r in left)
        # A returning user waits for a batch or so, never for the whole cleanup (a thousand
        # batches): measured against the cleanup's own duration, not a wall-clock bound, so a
        # slower machine or a checkpoint stall does not decide the outcome.
        assert max(waits) < cleanup_seconds / 4, (max(waits), cleanup_seconds)
        print(f"cleanup of {ROWS} rows took {cleanup_seconds:.1f} s; writes meanwhile waited at most "
              f"{max(waits) * 1000:.1f} ms")
    finally:
        await pool.execute(
            "DELETE FROM session.bot_sessions WHERE user_id > $1::bigint AND user_id <= $1::bigint + $2", base, ROWS
        )
        await pool.close()
