"""Tracker data on real PostgreSQL: idempotent writes and per-player scoping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import asyncpg
import pytest

from services.common import db
from services.handler.domain.records import Result, TournamentFields
from services.handler.tracker.model import Player, RecordOutcome
from services.handler.tracker.postgres import PgTracker
from services.handler.tracker.schema import MIGRATIONS, SCHEMA
from tests.conftest import random_user_id

pytestmark = pytest.mark.integration


@pytest.fixture
async def tracker(pg: asyncpg.Connection) -> PgTracker:
    await db.migrate(pg, SCHEMA, MIGRATIONS)
    return PgTracker(pg)


REG = TournamentFields(name="Sunday Major", played_on=date(2025, 3, 2), buy_in=Decimal("100.50"), venue="Casino")


def res(place: int, prize: int) -> Result:
    return Result(place=place, prize=Decimal(prize))


async def test_register_is_idempotent_on_the_update(tracker: PgTracker) -> None:
    player = Player(random_user_id(), "Ann", "en")
    first = await tracker.register(player, REG, source_update_id=1)
    again = await tracker.register(player, REG, source_update_id=1)
    assert first == again and first.buy_in == Decimal("100.50")
    assert len(await tracker.latest(player.user_id, 10)) == 1


async def test_result_once_and_scoped_to_its_player(tracker: PgTracker) -> None:
    owner, other = Player(random_user_id(), "A", None), Player(random_user_id(), "B", None)
    t = await tracker.register(owner, REG, source_update_id=1)
    assert await tracker.get(other.user_id, t.id) is None
    assert await tracker.record_result(other.user_id, t.id, res(1, 1), 5) is RecordOutcome.ALREADY_RECORDED
    assert await tracker.record_result(owner.user_id, t.id, res(3, 850), 6) is RecordOutcome.RECORDED
    assert await tracker.record_result(owner.user_id, t.id, res(3, 850), 6) is RecordOutcome.RECORDED
    assert await tracker.record_result(owner.user_id, t.id, res(1, 9), 7) is RecordOutcome.ALREADY_RECORDED
    stored = await tracker.get(owner.user_id, t.id)
    assert stored is not None and stored.result is not None
    assert (stored.result.place, stored.result.prize) == (3, Decimal(850))
    assert await tracker.pending(owner.user_id, 10) == []
    assert [t.result for t in await tracker.all(owner.user_id)] == [res(3, 850)]
    # Another player can neither change nor delete it.
    assert await tracker.save(other.user_id, t.id, REG, None, 8) is None
    assert not await tracker.delete_result(other.user_id, t.id)
    assert not await tracker.delete(other.user_id, t.id)
    assert (await tracker.get(owner.user_id, t.id)).result == res(3, 850)  # type: ignore[union-attr]
