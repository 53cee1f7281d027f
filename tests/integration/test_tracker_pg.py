"""The tracker contract (tests/contract/tracker_contract.py) on real PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.common import db
from services.handler.tracker.model import Tracker
from services.handler.tracker.postgres import PgTracker
from services.handler.tracker.schema import MIGRATIONS, SCHEMA
from services.handler.tracker.unit_of_work import UnitOfWork
from tests.contract.tracker_contract import TrackerContract

pytestmark = pytest.mark.integration


class PgStore:
    """``TrackerStore`` on a pool: each unit of work is the handler's ``UnitOfWork``."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[Tracker]:
        async with UnitOfWork(self._pool) as work:
            yield PgTracker(work)


class TestPgTracker(TrackerContract):
    refused = (asyncpg.PostgresError,)

    @pytest.fixture
    def store(self, tracker_pool: asyncpg.Pool) -> PgStore:
        return PgStore(tracker_pool)

    @pytest.fixture
    async def tracker(self, pg: asyncpg.Connection) -> PgTracker:
        await db.migrate(pg, SCHEMA, MIGRATIONS)
        return PgTracker(pg)
