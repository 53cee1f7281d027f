"""Consuming the update partitions this replica owns: one at a time each, handed over in order.

Each owned partition gets its own channel with prefetch 1 and a single-active-consumer
subscription, so at most one update of a partition (and so of a user) is in hand anywhere.
Releasing a partition (the assignment moved it, or the replica stops) waits for the update
in hand to finish, then *closes the channel*.  Closing, not ``basic.cancel``, is what keeps
order: on close RabbitMQ requeues the one prefetched-but-untouched message at the head of the
queue in the same step as it activates the next consumer, whereas a cancel would activate the
standby while that message was still held here, and it would come back after its successors.
FastStream's subscribers stop with a cancel, which is why this module uses aio-pika directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aio_pika.abc import (
    AbstractChannel,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)

from services.common.amqp import declare_partitions
from shared.topology import Topology

log = logging.getLogger(__name__)

# Called with a delivery and an event that is set when the partition is being given up: a
# handler waiting out an outage should then stop and leave the message unsettled.
Handle = Callable[[AbstractIncomingMessage, asyncio.Event], Awaitable[None]]

RESUBSCRIBE_PAUSE = 1.0


class _Subscription:
    """One partition consumed on its own channel; settled messages only, one at a time."""

    def __init__(self, index: int, channel: AbstractChannel, handle: Handle) -> None:
        self.index = index
        self.channel = channel
        self._handle = handle
        self._busy = asyncio.Lock()
        self._running: set[asyncio.Task[None]] = set()
        self.releasing = asyncio.Event()

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        if self.releasing.is_set():
            return  # left unsettled: closing the channel puts it back at the head
        await self._busy.acquire()
        # aio-pika cancels this callback when the channel drops (a broker restart). The
        # update is finished anyway, in its own task, so nothing is left half done (a reply
        # sent but the session not written); the lock is held until it is, so the
        # redelivered copy waits for it and is then recognised as applied.
        task = asyncio.create_task(self._run(message))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        await asyncio.shield(task)

    async def _run(self, message: AbstractIncomingMessage) -> None:
        try:
            if not self.releasing.is_set():
                await self._handle(message, self.releasing)
        finally:
            self._busy.release()

    async def release(self) -> None:
        self.releasing.set()
        async with self._busy:  # the update in hand finishes (or gives up) first
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

    def want(self, wanted: bool) -> None:
        self.wanted = wanted
        if (self.subscription is not None) != wanted and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._reconcile(), name=f"partition-{self.index}")

    async def wait(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _reconcile(self) -> None:
        while (self.subscription is not None) != self.wanted:
            if self.wanted:
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
        self, connection: AbstractRobustConnection, topology: Topology, handle: Handle
    ) -> None:
        self._connection = connection
        self._topology = topology
        self._handle = handle
        self._slots = [_Slot(self, i) for i in range(topology.partitions)]

    @property
    def owned(self) -> frozenset[int]:
        """Partitions subscribed to right now (active, or standby behind a leaving owner)."""
        return frozenset(s.index for s in self._slots if s.subscription is not None)

    def assign(self, partitions: frozenset[int]) -> None:
        """Consume exactly ``partitions`` from now on; hand-overs run in the background."""
        for slot in self._slots:
            slot.want(slot.index in partitions)

    async def settled(self) -> None:
        """Wait until every pending subscribe or release has run."""
        for slot in self._slots:
            await slot.wait()

    async def close(self) -> None:
        """Release every partition, each after its update in hand is finished."""
        self.assign(frozenset())
        await self.settled()

    async def subscribe(self, index: int) -> _Subscription:
        channel = await self._connection.channel()
        try:
            await channel.set_qos(prefetch_count=1)
            (queue,) = await declare_partitions(channel, self._topology, [index])
            subscription = _Subscription(index, channel, self._handle)
            await queue.consume(subscription.on_message, no_ack=False)
        except BaseException:
            with contextlib.suppress(Exception):
                await channel.close()
            raise
        return subscription
