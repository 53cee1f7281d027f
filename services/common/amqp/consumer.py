"""Consuming one queue with a prefetch, each message settled once handled.

A ``QueueConsumer`` consumes on a channel of its own with up to ``prefetch`` messages in
hand; aiormq runs each delivery's callback in a task of its own, so they are handled
concurrently.  Each message is settled on the channel that delivered it (an ack is per
channel) once its handler returns: acknowledged; handed back to the queue (``basic.nack``
with requeue) when the handler raises ``Abandoned``; rejected without requeue when it
raises anything else (the queue's policy drops or dead-letters it).  A handler that must
answer the message (the RPC server) publishes its answer before returning.

``stop`` cancels the consumer, waits for the messages in hand, then closes the channel; a
handler still waiting out an outage should watch its own stop signal and raise
``Abandoned``.  Handling is shielded from the channel: a channel that drops under a message
(a broker restart) does not cancel its handler, and the message, not acknowledged, comes
back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import aiormq
from aio_pika.abc import AbstractConnection, AbstractRobustChannel
from aiormq.abc import DeliveredMessage

from services.common.amqp import declare_queue
from services.common.amqp.channel import RawChannel
from services.common.amqp.metrics import OUTCOMES, MessagingMetrics
from shared.topology import Queue

log = logging.getLogger(__name__)

# Handles one message; settles nothing itself.
Handle = Callable[[DeliveredMessage], Awaitable[None]]


class Abandoned(Exception):
    """The work on a message is given up unfinished (its consumer is stopping, or its
    partition is handed over, while it waits out an outage): the message goes back."""


class QueueConsumer:
    """Consumes ``queue`` with ``handle``; ``in_hand`` is told +1/-1 as messages are taken
    and settled (a gauge); counted per queue in ``metrics`` if given."""

    def __init__(
        self,
        queue: Queue,
        handle: Handle,
        prefetch: int,
        *,
        metrics: MessagingMetrics | None = None,
        in_hand: Callable[[int], None] = lambda _: None,
    ) -> None:
        self.queue = queue
        self._handle = handle
        self._prefetch = prefetch
        self._count = in_hand
        self._metrics = metrics
        self._channel: RawChannel | None = None
        self._consumer: str | None = None
        self._stopping = False
        self._in_hand = 0
        self._idle = asyncio.Event()
        self._idle.set()
        if metrics is not None:  # label children looked up once
            self._received = metrics.received.labels(queue.name).inc
            self._settled = {o: metrics.consumed.labels(queue.name, o).inc for o in OUTCOMES}
            self._observe = metrics.handling_seconds.labels(queue.name).observe
            self._gauge = metrics.in_hand.labels(queue.name)

    async def start(self, connection: AbstractConnection) -> None:
        """Declare the queue and consume it on a new channel of ``connection``."""
        # No publisher confirms: what a handler publishes on it (an RPC reply) is answered
        # by its caller, and a message not acked yet is delivered again.
        channel = await connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=self._prefetch)
        await declare_queue(channel, self.queue)
        self._channel = RawChannel(channel, f"consumer of {self.queue.name}")
        await self._consume()
        if isinstance(channel, AbstractRobustChannel):
            channel.reopen_callbacks.add(self._reopened)

    async def _consume(self) -> None:
        assert self._channel is not None
        ok = await (await self._channel.get()).basic_consume(self.queue.name, self._on_message)
        self._consumer = ok.consumer_tag

    async def _reopened(self, channel: object) -> None:
        """After a reconnection aio-pika reopens the channel (prefetch included) but knows
        nothing of a consumer registered beneath it: register it again."""
        if not self._stopping:
            await self._consume()
            log.info("consumer restored after a reconnection", extra={"queue": self.queue.name})

    async def stop(self, timeout: float = 30.0) -> None:
        """Take no new messages, finish those in hand (up to ``timeout``), close the channel."""
        self._stopping = True
        consumer, self._consumer = self._consumer, None
        if consumer is not None and self._channel is not None:
            try:
                await (await self._channel.get()).basic_cancel(consumer)
            except Exception as exc:  # a channel already gone has nothing left to cancel
                log.warning("could not cancel a consumer", extra={"queue": self.queue.name, "error": repr(exc)})
        await asyncio.sleep(0)  # deliveries that came before the cancel-ok start their callbacks
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning(
                "messages still in hand at shutdown",
                extra={"queue": self.queue.name, "in_hand": self._in_hand},
            )
        if self._channel is not None:
            await self._channel.close()

    async def _on_message(self, message: DeliveredMessage) -> None:
        await asyncio.shield(self._in_hand_while(message))

    async def _in_hand_while(self, message: DeliveredMessage) -> None:
        self._in_hand += 1
        self._count(1)
        if self._metrics is not None:
            self._received()
            self._gauge.inc()
        self._idle.clear()
        started = time.perf_counter()
        try:
            await self._settle(message)
        finally:
            if self._metrics is not None:
                self._observe(time.perf_counter() - started)
                self._gauge.dec()
            self._in_hand -= 1
            self._count(-1)
            if not self._in_hand:
                self._idle.set()

    async def _settle(self, message: DeliveredMessage) -> None:
        channel = message.channel
        assert isinstance(channel, aiormq.Channel)
        tag = message.delivery_tag
        assert tag is not None
        outcome = "acked"
        try:
            await self._handle(message)
        except Abandoned:
            outcome = "requeued"
        except Exception:
            log.exception("message handling failed: rejected", extra={"queue": self.queue.name})
            outcome = "rejected"
        try:
            if outcome == "acked":
                await channel.basic_ack(tag, wait=False)
            elif outcome == "requeued":
                await channel.basic_nack(tag, requeue=True, wait=False)
            else:
                await channel.basic_reject(tag, requeue=False)
        except Exception as exc:  # the channel went away: the message comes back unsettled
            log.warning("could not settle a message", extra={"queue": self.queue.name, "error": repr(exc)})
            return
        if self._metrics is not None:
            self._settled[outcome]()
