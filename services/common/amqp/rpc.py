"""Request/reply over RabbitMQ: the client and the server, both on the raw aiormq channel.

``RpcClient`` publishes a request to a queue with RabbitMQ's direct reply-to and waits for the
reply with the same ``correlation_id``; any number of calls are in flight at once, each with
its own deadline.  A request's ``expiration`` equals the deadline, so a request nobody took in
time is dropped instead of being served late.  Requests are neither confirmed nor mandatory:
the reply is the confirmation, and "no such queue" and "no answer" are both an unavailable
server, waited out the same way.

``RpcServer`` consumes one queue with ``prefetch`` requests in hand, serves each with a
function from request body to reply body, replies on the default exchange to ``reply_to`` and
then acknowledges.  ``stop`` cancels the consumer and answers what it already took.

Both publish and consume on the aiormq channel under an aio-pika one: aio-pika's message
objects cost more CPU than the rest of a round trip, while aio-pika still opens, watches and
(after a reconnection) reopens the channel.  FastStream's ``broker.request()`` is not used: it
serialises every round trip behind one lock and waits forever by default.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable

import aiormq
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractRobustChannel
from aiormq.abc import DeliveredMessage
from faststream.rabbit import RabbitQueue
from pamqp import commands as spec

from services.common.amqp import raw_channel
from services.common.amqp.renewal import ChannelRenewal
from services.common.amqp.connection import BrokerRing
from services.common.errors import DependencyUnavailable

log = logging.getLogger(__name__)

REPLY_TO = "amq.rabbitmq.reply-to"
CONTENT_TYPE = "application/json"

# Serves one request body, returning the reply body; must not raise.
Serve = Callable[[bytes], Awaitable[bytes]]


class RpcClient:
    """Calls on a connection of its own, opened on first use and again after it is lost (to
    the next broker of AMQP_URL that answers)."""

    def __init__(self, amqp_url: str, timeout: float) -> None:
        self._brokers = BrokerRing(amqp_url)
        self._timeout = timeout
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._underlay: aiormq.Channel | None = None  # the aiormq channel under ``_channel``
        # ``expiration`` in milliseconds, as AMQP wants it: dropped unanswered after the timeout.
        self._expiration = str(max(1, round(timeout * 1000)))
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self._lock = asyncio.Lock()
        self._renewal = ChannelRenewal("rpc client", min_interval=timeout)

    async def call(self, queue: str, body: bytes) -> bytes:
        """The reply's body; ``DependencyUnavailable`` if none came in time or the broker failed."""
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            async with asyncio.timeout(self._timeout):
                channel = await self._ensure_channel()
                await channel.basic_publish(
                    body,
                    routing_key=queue,
                    properties=spec.Basic.Properties(
                        content_type=CONTENT_TYPE,
                        correlation_id=correlation_id,
                        reply_to=REPLY_TO,
                        expiration=self._expiration,
                    ),
                    wait=False,  # queued for the socket; the reply comes after the write anyway
                )
                return await future
        except TimeoutError:
            # The request may have been dropped by a channel that a quorum queue's change of
            # leader left refusing publishes (renewal.py): the next call gets a new channel.
            await self._renewal.renew(self._channel)
            raise DependencyUnavailable(f"{queue}: no answer in time") from None
        except DependencyUnavailable:
            raise
        except Exception as exc:
            # Anything else on the way to the broker (a connection that closed under us shows
            # up as RuntimeError from aiormq) is an outage, not a bug in the request.
            raise DependencyUnavailable(f"broker: {type(exc).__name__}") from None
        finally:
            self._pending.pop(correlation_id, None)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._fail_pending()

    async def _forget_connection(self) -> None:
        """Drop a connection that failed under us, so the next call starts a fresh one."""
        connection, self._connection, self._channel = self._connection, None, None
        self._underlay = None
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 1.0)

    async def _ensure_channel(self) -> aiormq.Channel:
        channel, underlay = self._channel, self._underlay
        if channel is not None and not channel.is_closed and underlay is not None:
            return underlay
        async with self._lock:
            if self._channel is not None and not self._channel.is_closed and self._underlay is not None:
                return self._underlay
            if self._connection is None or self._connection.is_closed:
                self._connection = await self._brokers.connect()
                self._connection.close_callbacks.add(lambda *_: self._fail_pending())
            try:
                channel = await self._connection.channel(publisher_confirms=False)
                raw = await raw_channel(channel)
                # Direct reply-to: a pseudo-queue consumed (no-ack) on the publishing channel.
                await raw.basic_consume(REPLY_TO, self._on_reply, no_ack=True)
            except Exception:
                # The connection died without saying so (a broker restart): start afresh.
                await self._forget_connection()
                raise
            channel.close_callbacks.add(lambda *_: self._fail_pending())
            self._channel, self._underlay = channel, raw
            return raw

    async def _on_reply(self, message: DeliveredMessage) -> None:
        future = self._pending.get(message.header.properties.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(message.body)

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(DependencyUnavailable("broker connection lost"))


class RpcServer:
    """Serves one queue on one channel with up to ``prefetch`` requests in hand at once.

    aiormq runs each delivery's callback in a task of its own, so requests are served
    concurrently.  ``in_hand`` is told +1/-1 as requests are taken and answered (a gauge).
    What serves the requests is given to ``start``: it usually needs resources (a database
    pool) that exist only once the service runs, while the server is built with the app.
    """

    def __init__(
        self,
        queue: RabbitQueue,
        prefetch: int,
        *,
        in_hand: Callable[[int], None] = lambda _: None,
    ) -> None:
        self._spec = queue
        self._queue = queue.name
        self._serve: Serve | None = None
        self._prefetch = prefetch
        self._count = in_hand
        self._channel: AbstractChannel | None = None
        self._underlay: aiormq.Channel | None = None
        self._consumer: str | None = None
        self._stopping = False
        self._in_hand = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self, connection: AbstractConnection, serve: Serve) -> None:
        self._serve = serve
        # No publisher confirms: a reply lost with its connection is a timeout for the
        # caller either way, and the request, not acked yet, is delivered again.
        channel = await connection.channel(publisher_confirms=False)
        self._channel = channel
        await channel.set_qos(prefetch_count=self._prefetch)
        await channel.declare_queue(
            self._queue, durable=self._spec.durable, arguments=self._spec.arguments
        )
        await self._consume()
        if isinstance(channel, AbstractRobustChannel):
            channel.reopen_callbacks.add(self._reopened)

    async def _consume(self) -> None:
        """Register the consumer on the aiormq channel now under ``_channel``."""
        assert self._channel is not None
        underlay = await raw_channel(self._channel)
        self._underlay = underlay
        ok = await underlay.basic_consume(self._queue, self._on_message)
        self._consumer = ok.consumer_tag

    async def _reopened(self, channel: object) -> None:
        """After a reconnection aio-pika reopens the channel (prefetch included) but knows
        nothing of a consumer registered beneath it: register it again."""
        if not self._stopping:
            await self._consume()
            log.info("request consumer restored after a reconnection", extra={"queue": self._queue})

    async def stop(self, timeout: float = 30.0) -> None:
        """Take no new requests, finish those in hand (up to ``timeout``), close the channel."""
        self._stopping = True
        consumer, self._consumer = self._consumer, None
        if consumer is not None and self._underlay is not None:
            try:
                await self._underlay.basic_cancel(consumer)
            except Exception as exc:  # a channel already gone has nothing left to cancel
                log.warning("could not cancel a request consumer", extra={"error": repr(exc)})
        await asyncio.sleep(0)  # deliveries that came before the cancel-ok start their callbacks
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("requests still in hand at shutdown", extra={"in_hand": self._in_hand})
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()

    async def _on_message(self, message: DeliveredMessage) -> None:
        # Shielded: a channel that drops under a request (broker restart) cancels this
        # callback, but the request is served (and counted in hand) to the end all the same.
        await asyncio.shield(self._in_hand_while(message))

    async def _in_hand_while(self, message: DeliveredMessage) -> None:
        self._in_hand += 1
        self._count(1)
        self._idle.clear()
        try:
            await self._answer(message)
        finally:
            self._in_hand -= 1
            self._count(-1)
            if not self._in_hand:
                self._idle.set()

    async def _answer(self, message: DeliveredMessage) -> None:
        """Serve, reply, ack: on the channel that delivered it (an ack is per channel)."""
        channel = message.channel
        assert isinstance(channel, aiormq.Channel)
        assert self._serve is not None  # consuming starts in ``start``, after it is set
        reply = await self._serve(message.body)
        properties = message.header.properties
        try:
            if properties.reply_to:
                # Not mandatory: RabbitMQ returns every mandatory message to a direct reply-to
                # address even after delivering it, and a caller that is gone has no use for
                # the reply anyway.  wait=False: queued for the socket, ahead of the ack.
                await channel.basic_publish(
                    reply,
                    routing_key=properties.reply_to,
                    properties=spec.Basic.Properties(
                        content_type=CONTENT_TYPE, correlation_id=properties.correlation_id
                    ),
                    wait=False,
                )
            assert message.delivery_tag is not None
            await channel.basic_ack(message.delivery_tag, wait=False)
        except Exception as exc:  # the channel went away: the request comes back unacked
            log.warning("could not answer a request", extra={"error": repr(exc)})
