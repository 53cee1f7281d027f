"""The reminder scheduler on the in-memory tracker, with a publisher that records or fails."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.handler.domain.records import TournamentFields
from services.handler.pipeline import parse_delivery
from services.handler.reminders import ReminderScheduler
from services.handler.tracker.memory import MemoryStore
from services.handler.tracker.model import Player
from shared.reminder_api import KIND_REMINDER, reminder_event_id
from shared.topology import HEADER_KIND, HEADER_UPDATE_ID, HEADER_USER_ID, Topology

T0 = datetime(2025, 6, 15, 12, tzinfo=UTC)
TOPOLOGY = Topology("sched", 8)


class Recorder:
    """Publishes into a list; ``fail_after`` publishes, raises as RabbitMQ unavailable would."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.messages: list[dict[str, Any]] = []
        self.fail_after = fail_after

    async def publish(self, body: bytes, **kw: Any) -> None:
        if self.fail_after is not None and len(self.messages) >= self.fail_after:
            raise ConnectionError("staged: not confirmed")
        self.messages.append({"body": body, **kw})


async def scheduled(store: MemoryStore, player: Player, count: int, due: datetime = T0) -> list[int]:
    ids = []
    async with store.unit_of_work() as tracker:
        for i in range(count):
            fields = TournamentFields(name=f"T{i}", played_on=date(2025, 6, 15), buy_in=Decimal(10), venue="V")
            t = await tracker.register(player, fields, 100 + i)
            await tracker.schedule_reminder(player.user_id, t.id, due + timedelta(minutes=i))
            ids.append(t.id)
    return ids


async def test_a_due_reminder_is_published_to_the_players_partition_once() -> None:
    store, publisher, now = MemoryStore(), Recorder(), [T0 - timedelta(minutes=1)]
    counted: list[int] = []
    scheduler = ReminderScheduler(store, publisher, TOPOLOGY, batch=10, clock=lambda: now[0], published=counted.append)
    player = Player(4242, "Ann", "ru")
    [tid] = await scheduled(store, player, 1)
    assert await scheduler.tick() == 0 and publisher.messages == []
    now[0] = T0
    assert await scheduler.tick() == 1
    assert await scheduler.tick() == 0
    [m] = publisher.messages
    assert m["exchange"] == TOPOLOGY.updates_exchange.name
    assert m["routing_key"] == TOPOLOGY.routing_key(4242, 0)  # where the gateway sends the player's updates
    assert m["headers"][HEADER_KIND] == KIND_REMINDER and m["headers"][HEADER_USER_ID] == 4242
    assert m["headers"][HEADER_UPDATE_ID] == reminder_event_id(tid) == int(m["message_id"])
    event_id, incoming = parse_delivery(m["body"], m["headers"])
    assert event_id == reminder_event_id(tid) < -(2**52)
    assert incoming is not None and incoming.kind == "reminder" and incoming.chat_id == 4242
    assert incoming.reminder is not None and incoming.reminder.tournament_id == tid
    assert incoming.language_code == "ru" and counted == [1]


async def test_a_failed_publish_leaves_the_batch_due_and_the_next_tick_publishes_it_again() -> None:
    store, failing = MemoryStore(), Recorder(fail_after=1)
    ids = await scheduled(store, Player(77, "Bob", None), 2)
    later = T0 + timedelta(hours=1)
    with pytest.raises(ConnectionError):
        await ReminderScheduler(store, failing, TOPOLOGY, batch=10, clock=lambda: later).tick()
    publisher = Recorder()
    assert await ReminderScheduler(store, publisher, TOPOLOGY, batch=10, clock=lambda: later).tick() == 2
    # The one published before the failure goes again, under the same event id.
    assert failing.messages[0]["message_id"] == publisher.messages[0]["message_id"] == str(reminder_event_id(ids[0]))


async def test_a_tick_publishes_at_most_a_batch_earliest_first() -> None:
    store, publisher = MemoryStore(), Recorder()
    ids = await scheduled(store, Player(5, "C", None), 5)
    scheduler = ReminderScheduler(store, publisher, TOPOLOGY, batch=2, clock=lambda: T0 + timedelta(days=1))
    assert [await scheduler.tick() for _ in range(4)] == [2, 2, 1, 0]
    assert [int(m["message_id"]) for m in publisher.messages] == [reminder_event_id(i) for i in ids]
