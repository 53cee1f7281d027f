"""Result reminders with real PostgreSQL and RabbitMQ: scheduled, published once, nudged once.

The schedulers run ``tick()`` with a clock of the test's own (hours ahead) instead of waiting;
the partition's messages are taken off the queue in order and run through the real pipeline
(PostgreSQL tracker, a fake Bot API over HTTP) with the staged session store of
test_processing.py, whose update_id dedupe is the session service's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common import db
from services.common.amqp import declare_every_partition
from services.common.amqp.connection import connect_robust
from services.common.amqp.publisher import ConfirmedPublisher
from services.handler.pipeline import PipelineLimits
from services.handler.reminders import ReminderScheduler
from services.handler.tracker.postgres import PgStore
from services.handler.tracker.schema import MIGRATIONS, SCHEMA
from shared.reminder_api import KIND_REMINDER
from shared.topology import HEADER_KIND, HEADER_UPDATE_ID, HEADER_USER_ID, Topology
from tests.conftest import database_of_its_own, free_port, random_user_id, take_all
from tests.integration.conftest import serving
from tests.integration.test_processing import (
    TOKEN,
    DeadLetters,
    Delivery,
    OcrQueue,
    Parts,
    Processor,
    StagedSessions,
    update,
)

pytestmark = pytest.mark.integration

PARTITIONS = 4
LATER = datetime.now(UTC) + timedelta(hours=7)  # past a 6 h reminder registered now


class World:
    def __init__(self, pool: Any, topology: Topology, publisher: ConfirmedPublisher, processor: Processor,
                 fake: Any, connection: Any) -> None:
        self.pool, self.topology, self.publisher = pool, topology, publisher
        self.processor, self.fake, self.connection = processor, fake, connection
        self.store = PgStore(pool)
        self.update_ids = iter(range(1, 10**6))

    def scheduler(self, publisher: Any = None, batch: int = 10, at: datetime = LATER) -> ReminderScheduler:
        return ReminderScheduler(
            self.store, publisher or self.publisher, self.topology, batch=batch, clock=lambda: at
        )

    async def run(self, user_id: int, text: str) -> None:
        """An update handled by the pipeline directly (not through the queue)."""
        uid = next(self.update_ids)
        d = Delivery(update(uid, user_id, text), headers={HEADER_UPDATE_ID: uid})
        await self.processor.handle(d, asyncio.Event())
        assert d.acked

    async def publish_update(self, user_id: int, text: str) -> None:
        """An update into the user's partition, as the gateway publishes it."""
        uid = next(self.update_ids)
        await self.publisher.publish(
            update(uid, user_id, text), exchange=self.topology.updates_exchange.name,
            routing_key=self.topology.routing_key(user_id, uid), message_id=str(uid),
            headers={HEADER_UPDATE_ID: uid, HEADER_USER_ID: user_id},
        )

    async def partition(self, user_id: int) -> list[Delivery]:
        """What the user's partition holds, in queue order, taken off it."""
        index = int(self.topology.routing_key(user_id, 0)[1:])
        channel = await self.connection.channel()
        try:
            messages = await take_all(channel, self.topology.partition_queue(index).name)
        finally:
            await channel.close()
        return [Delivery(m.body, headers=dict(m.headers or {})) for m in messages]

    def sent(self, user_id: int) -> list[dict[str, Any]]:
        return [c["params"] for c in self.fake.calls
                if c["method"] == "sendMessage" and c["params"]["chat_id"] == user_id]


@pytest.fixture
async def world(database_url: str, amqp_url: str, namespace: str) -> AsyncIterator[World]:
    from devkit.fake_telegram import FakeTelegramConfig, create_app
    from services.common.telegram import open_session
    from services.handler.bot_api import BotApi, UserFiles

    topology = Topology(namespace, PARTITIONS)
    async with database_of_its_own(database_url, "remind") as url:
        pool = await db.open_pool(url, max_size=6, schemas=[(SCHEMA, MIGRATIONS)])
        connection = await connect_robust(amqp_url)
        telegram = create_app(FakeTelegramConfig(token=TOKEN))
        try:
            await declare_every_partition(connection, topology)
            publisher = await ConfirmedPublisher.open(connection, "test", 5.0)
            async with serving(telegram, free_port()) as api, open_session(10.0, 8) as http:
                bot = BotApi(http, api, TOKEN, max_attempts=2, max_backoff=0.1)
                parts = Parts(StagedSessions(), pool, bot, DeadLetters(), UserFiles(bot), OcrQueue())
                processor = Processor(parts, PipelineLimits(
                    max_attempts=2, max_redeliveries=2, max_backoff=0.2, failure_pause=0.05,
                ))
                yield World(pool, topology, publisher, processor, telegram.state.fake, connection)
        finally:
            await connection.close()
            await pool.close()


async def registered_with_reminders(world: World, user_id: int, *names: str) -> None:
    await world.run(user_id, "/reminders 6h")
    today = datetime.now(UTC).strftime("%d.%m.%Y")
    for name in names:
        await world.run(user_id, f"/register {name} | {today} | 10 | Club")


class CrashBeforeCommit(Exception):
    pass


class PublishesThenDies:
    """Publishes for real (confirmed), then dies before the scheduler commits."""

    def __init__(self, publisher: ConfirmedPublisher) -> None:
        self.publisher = publisher

    async def publish(self, body: bytes, **kw: Any) -> None:
        await self.publisher.publish(body, **kw)
        raise CrashBeforeCommit


async def test_a_reminder_republished_after_a_crash_nudges_once_in_partition_order(world: World) -> None:
    uid = random_user_id()
    await registered_with_reminders(world, uid, "Sunday Cup")
    before = len(world.sent(uid))
    assert await world.scheduler(at=datetime.now(UTC) + timedelta(hours=5)).tick() == 0  # not due yet
    await world.publish_update(uid, "/tournaments")
    with pytest.raises(CrashBeforeCommit):  # confirmed by RabbitMQ, never marked published
        await world.scheduler(PublishesThenDies(world.publisher)).tick()
    await world.publish_update(uid, "/venue")
    assert await world.scheduler().tick() == 1  # still due: published again
    assert await world.scheduler().tick() == 0  # now marked published
    await world.publish_update(uid, "/stats")

    queued = await world.partition(uid)
    kinds = [d.headers.get(HEADER_KIND) or json.loads(d.body)["message"]["text"] for d in queued]
    assert kinds == ["/tournaments", KIND_REMINDER, "/venue", KIND_REMINDER, "/stats"]
    for d in queued:
        await world.processor.handle(d, asyncio.Event())
        assert d.acked
    replies = world.sent(uid)[before:]
    nudges = [m for m in replies if m["text"].startswith("⏰")]
    assert [m["text"] for m in nudges] == ["⏰ How did Sunday Cup ("
                                           + datetime.now(UTC).strftime("%d.%m.%Y")
                                           + ") go? Enter the result while you remember it."]
    # In the partition's order: after the answer to /tournaments, before the one to /venue.
    assert len(replies) == 4 and replies.index(nudges[0]) == 1
    [button] = [b for row in nudges[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert button["callback_data"].startswith("res:")


async def test_two_schedulers_racing_publish_each_reminder_once(world: World) -> None:
    uid = random_user_id()
    await registered_with_reminders(world, uid, "A", "B", "C", "D", "E")
    entered, release = asyncio.Event(), asyncio.Event()

    class Holding:
        """Holds its claim (the rows locked) until released, then publishes."""

        async def publish(self, body: bytes, **kw: Any) -> None:
            entered.set()
            await release.wait()
            await world.publisher.publish(body, **kw)

    first = asyncio.create_task(world.scheduler(Holding(), batch=3).tick())
    await asyncio.wait_for(entered.wait(), 10)
    # The first holds three rows: the second skips them (no waiting) and takes the other two.
    assert await asyncio.wait_for(world.scheduler().tick(), 10) == 2
    release.set()
    assert await first == 3
    assert await world.scheduler().tick() == 0
    queued = await world.partition(uid)
    ids = [d.headers[HEADER_UPDATE_ID] for d in queued]
    assert len(ids) == 5 and len(set(ids)) == 5
    for d in queued:
        await world.processor.handle(d, asyncio.Event())
    assert len([m for m in world.sent(uid) if m["text"].startswith("⏰")]) == 5
