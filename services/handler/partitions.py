"""Consuming the update partitions this replica owns: each user's updates in order, many
users at once, handed over in order.

Each owned partition gets its own channel with a single-active-consumer subscription, so one
replica at a time consumes it, and ``prefetch`` deliveries in hand.  Deliveries are dispatched
into per-user lanes (the ``x-user-id`` header): a lane runs its user's updates one after
another in the order the partition delivered them, while the lanes of different users run
concurrently, so a slow Bot API call holds back only its own user.  An update is acknowledged
when it is done (by the handler), so a lane never has an update of its user acknowledged
before the ones ahead of it are.

Releasing a partition (the assignment moved it, or the replica stops) stops every lane from
starting another update, waits for the updates in hand to finish (or give up, leaving them
unsettled), then *closes the channel*.  Closing, not ``basic.cancel``, is what keeps order: on
close RabbitMQ puts every unacknowledged delivery back in the queue in its original position
in the same step as it activates the next consumer, whereas a cancel would activate the
standby while those messages were still held here, and they would come back after their
successors.  So each partition has a channel of its own (opened, watched and reopened by
aio-pika), consumed on the aiormq channel under it (services/common/amqp/channel.py).

Redelivered updates (the previous owner died or gave the partition up with them in hand) run
one at a time per partition, each still in its lane.  With many deliveries in hand, a replica
that dies takes several updates down with it, though only one of them may have killed it;
run one at a time, in queue order, each replica's death happens while the one that kills
it is in hand.  The partition's quorum queue counts every return of every delivery in hand
(``x-delivery-count``), so an update that keeps killing its replica reaches the handler's
limit and is dead-lettered; the deliveries that were in hand with it every time reach the
same count, come after it, and are run (``pipeline/settlement.py``, ``_spared``).

RabbitMQ closes a channel that has held a delivery unacknowledged longer than its consumer
timeout (30 minutes by default), which would return every delivery in hand at once.  An
update can be held that long by an outage waited out, or a long ``retry_after``; so a
partition whose oldest delivery in hand is older than ``hold`` is given up (the same
orderly release as a hand-over) and taken again at once, before the broker can do it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from aio_pika.abc import AbstractChannel, AbstractRobustChannel, AbstractRobustConnection
from aiormq.abc import DeliveredMessage

from services.common.amqp import declare_partitions
from services.common.amqp.channel import raw_channel
from shared.topology import HEADER_USER_ID, Topology

log = logging.getLogger(__name__)



class PartitionDelivery:
    """One delivery of a partition, as the update processor reads and settles it.

    A thin view of aiormq's message: aio-pika's ``IncomingMessage`` decodes every property
    into an object of its own, which costs more than the few fields read here.
    """

    __slots__ = ("_message", "received")

    def __init__(self, message: DeliveredMessage) -> None:
        self._message = message
        self.received = time.monotonic()

    @property
    def body(self) -> bytes:
        return self._message.body

    @property
    def headers(self) -> dict[str, Any]:
        return self._message.header.properties.headers or {}

    @property
    def redelivered(self) -> bool:
        return bool(getattr(self._message.delivery, "redelivered", False))

    @property
    def routing_key(self) -> str | None:
        return self._message.routing_key

    @property
    def channel_lost(self) -> bool:
        """Its channel is closed: it can no longer be acknowledged, and comes back."""
        return self._message.channel.is_closed

    async def ack(self, multiple: bool = False) -> None:
        tag = self._message.delivery_tag
        assert tag is not None
        await self._message.channel.basic_ack(tag, multiple=multiple)


# Called with a delivery and an event that is set when the partition is being given up: a
# handler waiting out an outage should then stop and leave the message unsettled.
Handle = Callable[[PartitionDelivery, asyncio.Event], Awaitable[None]]

RESUBSCRIBE_PAUSE = 1.0
DEFAULT_PREFETCH = 32
# Below RabbitMQ's default consumer timeout of 30 minutes (PARTITION_HOLD_SECONDS).
DEFAULT_HOLD = 25 * 60.0


def lane_of(delivery: PartitionDelivery) -> Hashable:
    """The lane a delivery joins: its sender's; one of its own when it has no sender."""
    user_id = delivery.headers.get(HEADER_USER_ID)
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        return user_id
    return ("delivery", id(delivery))


class _Subscription:
    """One partition consumed on its own channel, its deliveries run in per-user lanes."""

    def __init__(self, index: int, queue: str, channel: AbstractChannel, handle: Handle) -> None:
        self.index = index
        self.queue = queue
        self.channel = channel
        self._handle = handle
        self._lanes: dict[Hashable, deque[PartitionDelivery]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        # Redelivered updates run one at a time: see the module's docstring.
        self._redelivered = asyncio.Lock()
        self.releasing = asyncio.Event()

    async def consume(self) -> None:
        """Register the consumer on the aiormq channel now under ``channel``; again after
        aio-pika reopens the channel following a reconnection (prefetch and queue restored)."""
        underlay = await raw_channel(self.channel)
        await underlay.basic_consume(self.queue, self.on_message, no_ack=False)
        if isinstance(self.channel, AbstractRobustChannel):
            self.channel.reopen_callbacks.add(self._reopened)

    async def _reopened(self, channel: object) -> None:
        if not self.releasing.is_set():
            underlay = await raw_channel(self.channel)
            await underlay.basic_consume(self.queue, self.on_message, no_ack=False)
            log.info("partition consumer restored after a reconnection", extra={"partition": self.index})

    async def on_message(self, message: DeliveredMessage) -> None:
        # Runs synchronously up to the lane's task, so deliveries join their lanes in the
        # order the channel delivered them (aiormq starts a task per delivery, in order).
        if self.releasing.is_set():
            return  # left unsettled: closing the channel puts it back in its place
        delivery = PartitionDelivery(message)
        key = lane_of(delivery)
        lane = self._lanes.get(key)
        if lane is not None:
            lane.append(delivery)
            return
        self._lanes[key] = deque([delivery])
        self._idle.clear()
        # The lane runs in a task of its own, not in the channel's delivery task, so when the
        # channel drops (a broker restart) the update in hand is finished anyway and nothing
        # is left half done (a reply sent but the session not written); the redelivered
        # copies join the same lane behind it and are then recognised as applied.
        task = asyncio.create_task(self._run_lane(key), name=f"lane-p{self.index}")
        self._running.add(task)
        task.add_done_callback(self._lane_done)

    def _lane_done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not self._running:
            self._idle.set()

    async def _run_lane(self, key: Hashable) -> None:
        lane = self._lanes[key]
        try:
            while lane and not self.releasing.is_set():
                message = lane[0]
                if message.channel_lost:
                    # Its channel dropped (a broker restart): RabbitMQ delivers it again, to
                    # this lane's queue (behind it) or to whichever replica now holds it.
                    lane.popleft()
                    continue
                try:
                    if message.redelivered:
                        async with self._redelivered:
                            await self._handle(message, self.releasing)
                    else:
                        await self._handle(message, self.releasing)
                except Exception:  # the handler settles its own failures; this is a bug
                    log.exception("update handler raised", extra={"partition": self.index})
                lane.popleft()
        finally:
            # Whatever is left stays unsettled: closing the channel puts it back in place.
            del self._lanes[key]

    def held_for(self, now: float) -> float:
        """How long the oldest delivery in hand has been held (0 with none in hand)."""
        oldest = min((lane[0].received for lane in self._lanes.values() if lane), default=now)
        return now - oldest

    async def release(self) -> None:
        self.releasing.set()
        await self._idle.wait()  # the updates in hand finish (or give up) first
        with contextlib.suppress(Exception):
            await self.channel.close()


class _Slot:
    """Brings one partition to the wanted state (consumed here or not), one step at a time."""

    def __init__(self, owner: PartitionConsumer, index: int) -> None:
        self._owner = owner
        self.index = index
        self.wanted = False
        self.subscription: _Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._renew = False

    def want(self, wanted: bool) -> None:
        self.wanted = wanted
        changes = (self.subscription is not None) != wanted or self._renew
        if changes and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._reconcile(), name=f"partition-{self.index}")

    def renew(self) -> None:
        """Give the partition up and take it again (what it holds goes back in place)."""
        if self.subscription is not None and not self._renew:
            self._renew = True
            self.want(self.wanted)

    async def wait(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _reconcile(self) -> None:
        while (self.subscription is not None) != self.wanted or self._renew:
            if self._renew and self.subscription is None:
                self._renew = False
            elif self.wanted and self.subscription is None:
                try:
                    self.subscription = await self._owner.subscribe(self.index)
                    log.info("partition taken", extra={"partition": self.index})
                except Exception as exc:
                    log.warning(
                        "could not subscribe to partition, retrying",
                        extra={"partition": self.index, "error": repr(exc)},
                    )
                    await asyncio.sleep(RESUBSCRIBE_PAUSE)
            else:
                subscription, self.subscription = self.subscription, None
                assert subscription is not None
                await subscription.release()
                log.info("partition released", extra={"partition": self.index})


class PartitionConsumer:
    def __init__(
        self,
        connection: AbstractRobustConnection,
        topology: Topology,
        handle: Handle,
        *,
        prefetch: int = DEFAULT_PREFETCH,
        hold: float = DEFAULT_HOLD,
    ) -> None:
        self._connection = connection
        self._topology = topology
        self._handle = handle
        self._prefetch = prefetch
        self._hold = hold
        self._slots = [_Slot(self, i) for i in range(topology.partitions)]
        self._watch: asyncio.Task[None] | None = None

    @property
    def owned(self) -> frozenset[int]:
        """Partitions subscribed to right now (active, or standby behind a leaving owner)."""
        return frozenset(s.index for s in self._slots if s.subscription is not None)

    def assign(self, partitions: frozenset[int]) -> None:
        """Consume exactly ``partitions`` from now on; hand-overs run in the background."""
        for slot in self._slots:
            slot.want(slot.index in partitions)
        if self._watch is None and partitions:
            self._watch = asyncio.create_task(self._watch_holds(), name="partition-holds")

    async def _watch_holds(self) -> None:
        """Renew every partition that has held a delivery for longer than ``hold``."""
        while True:
            await asyncio.sleep(min(self._hold / 4, 10.0))
            now = time.monotonic()
            for slot in self._slots:
                subscription = slot.subscription
                if subscription is None or subscription.releasing.is_set():
                    continue
                if (held := subscription.held_for(now)) > self._hold:
                    log.warning(
                        "partition held an update too long; giving it up and taking it again "
                        "before the broker's consumer timeout",
                        extra={"partition": slot.index, "held_s": round(held, 1)},
                    )
                    slot.renew()

    async def settled(self) -> None:
        """Wait until every pending subscribe or release has run."""
        for slot in self._slots:
            await slot.wait()

    async def close(self) -> None:
        """Release every partition, each after its update in hand is finished."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        self.assign(frozenset())
        await self.settled()

    async def subscribe(self, index: int) -> _Subscription:
        channel = await self._connection.channel()
        try:
            await channel.set_qos(prefetch_count=self._prefetch)
            (queue,) = await declare_partitions(channel, self._topology, [index])
            subscription = _Subscription(index, queue.name, channel, self._handle)
            await subscription.consume()
        except BaseException:
            with contextlib.suppress(Exception):
                await channel.close()
            raise
        return subscription
