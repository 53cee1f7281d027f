"""The result reminders' scheduler: due reminders from PostgreSQL into the players' partitions.

Every handler replica runs one (``ReminderScheduler.run``, started in ``app.py``).  Each tick,
in one PostgreSQL transaction (``ReminderSource.claim_due``), it

1. locks up to ``batch`` due, unpublished rows of ``tracker.reminders`` with ``FOR UPDATE SKIP
   LOCKED``, so a replica ticking at the same time takes other rows or none;
2. publishes a ``ReminderDue`` for each (shared/reminder_api.py) to the updates exchange with
   the player's partition routing key (``Topology.routing_key``, as the gateway routes the
   player's updates) and ``x-kind: reminder``, persistent and confirmed;
3. marks them published and commits.

A replica that dies between 2 and 3 leaves the rows unpublished and unlocked: the next tick
(of any replica) publishes them again.  The copies carry the same ``event_id`` (one per
tournament), which the session service's update_id dedupe applies once, so the player is
nudged once.  In the partition a reminder takes its place among the player's updates, and
the conversation (flows/reminders.py) decides, at that point in the player's history,
whether there is still something to nudge about.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from aio_pika.abc import FieldValue

from services.handler.tracker.model import DueReminder, ReminderSource
from shared.reminder_api import KIND_REMINDER, ReminderDue, reminder_event_id
from shared.topology import HEADER_ACCEPTED_AT, HEADER_KIND, HEADER_UPDATE_ID, HEADER_USER_ID, Topology, now_ms

log = logging.getLogger(__name__)


class Publisher(Protocol):
    """What the scheduler needs of ``services.common.amqp.publisher.ConfirmedPublisher``."""

    async def publish(
        self,
        body: bytes,
        *,
        routing_key: str,
        exchange: str = "",
        message_id: str | None = None,
        headers: dict[str, FieldValue] | None = None,
    ) -> None: ...


def reminder_message(due: DueReminder) -> ReminderDue:
    """The message for a due reminder: to the player's private chat, deduplicated per tournament."""
    return ReminderDue(
        user_id=due.player_id,
        chat_id=due.player_id,
        tournament_id=due.tournament_id,
        event_id=reminder_event_id(due.tournament_id),
        language_code=due.language_code,
    )


class ReminderScheduler:
    def __init__(
        self,
        source: ReminderSource,
        publisher: Publisher,
        topology: Topology,
        *,
        batch: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        published: Callable[[int], None] = lambda count: None,
    ) -> None:
        self._source = source
        self._publisher = publisher
        self._topology = topology
        self._batch = batch
        self._clock = clock
        self._published = published  # counts the reminders published (metrics)

    async def tick(self) -> int:
        """Publish the reminders due now (at most ``batch``); how many were published.  Raises
        if any publish fails: then none of the batch is marked published."""
        async with self._source.claim_due(self._clock(), self._batch) as due:
            await asyncio.gather(*(self._publish(reminder_message(d)) for d in due))
        if due:
            self._published(len(due))
            log.info("reminders published", extra={"count": len(due)})
        return len(due)

    async def _publish(self, message: ReminderDue) -> None:
        headers: dict[str, FieldValue] = {
            HEADER_KIND: KIND_REMINDER,
            HEADER_USER_ID: message.user_id,
            HEADER_UPDATE_ID: message.event_id,
            HEADER_ACCEPTED_AT: now_ms(),
        }
        await self._publisher.publish(
            message.model_dump_json().encode(),
            exchange=self._topology.updates_exchange.name,
            routing_key=self._topology.routing_key(message.user_id, message.event_id),
            message_id=str(message.event_id),
            headers=headers,
        )

    async def run(self, interval: float) -> None:
        """Tick every ``interval`` seconds until cancelled; a full batch is followed by the next
        at once.  A failed tick (PostgreSQL or RabbitMQ unavailable) is logged and tried again
        at the next one: its reminders stay due."""
        while True:
            try:
                if await self.tick() == self._batch:
                    continue
            except Exception as exc:
                log.warning("reminder tick failed; retrying", extra={"error": repr(exc)[:300]})
            await asyncio.sleep(interval)

