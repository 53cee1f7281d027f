"""Request/reply over RabbitMQ: the client and the server, both on the raw aiormq channel.

``RpcClient`` publishes a request to a queue with RabbitMQ's direct reply-to and waits for the
reply with the same ``correlation_id``; any number of calls are in flight at once, each with
its own deadline.  A request's ``expiration`` equals the deadline, so a request nobody took in
time is dropped instead of being served late.  Requests are neither confirmed nor mandatory:
the reply is the confirmation, and "no such queue" and "no answer" are both an unavailable
server, waited out the same way.

``RpcServer`` consumes one queue with a ``QueueConsumer`` (consumer.py), ``prefetch``
requests in hand, serves each with a function from request body to reply body, replies on
the default exchange to ``reply_to``, and the consumer then acknowledges.  ``stop`` cancels
the consumer and answers what it already took.

Both publish and consume on the aiormq channel under an aio-pika one (channel.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable

import aiormq
from aio_pika.abc import AbstractConnection
from aiormq.abc import DeliveredMessage
from pamqp import commands as spec

from services.common.amqp.channel import RawChannel
from services.common.amqp.connection import BrokerRing
from services.common.amqp.consumer import QueueConsumer
from services.common.errors import DependencyUnavailable
from shared.topology import Queue

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
        self._channel: RawChannel | None = None  # its aiormq channel holds the reply consumer
        # ``expiration`` in milliseconds, as AMQP wants it: dropped unanswered after the timeout.
        self._expiration = str(max(1, round(timeout * 1000)))
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self._lock = asyncio.Lock()

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
            if self._channel is not None:
                await self._channel.renew()
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
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 1.0)

    def _open_channel(self) -> aiormq.Channel | None:
        """The aiormq channel calls go on and replies come back on, while it is open."""
        channel = self._channel
        return channel.current if channel is not None and channel.is_open else None

    async def _ensure_channel(self) -> aiormq.Channel:
        if (raw := self._open_channel()) is not None:
            return raw
        async with self._lock:
            if (raw := self._open_channel()) is not None:
                return raw
            if self._connection is None or self._connection.is_closed:
                self._connection = await self._brokers.connect()
                self._connection.close_callbacks.add(lambda *_: self._fail_pending())
            try:
                opened = await self._connection.channel(publisher_confirms=False)
                channel = RawChannel(opened, "rpc client", min_interval=self._timeout)
                raw = await channel.get()
                # Direct reply-to: a pseudo-queue consumed (no-ack) on the publishing channel.
                await raw.basic_consume(REPLY_TO, self._on_reply, no_ack=True)
            except Exception:
                # The connection died without saying so (a broker restart): start afresh.
                await self._forget_connection()
                raise
            opened.close_callbacks.add(lambda *_: self._fail_pending())
            self._channel = channel
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
    """Serves one queue with up to ``prefetch`` requests in hand at once, concurrently.

    ``serve`` answers each request body; ``in_hand`` is told +1/-1 as requests are taken and
    answered (a gauge).
    """

    def __init__(
        self,
        queue: Queue,
        serve: Serve,
        prefetch: int,
        *,
        in_hand: Callable[[int], None] = lambda _: None,
    ) -> None:
        self._serve = serve
        self._consumer = QueueConsumer(queue, self._answer, prefetch, in_hand=in_hand)

    async def start(self, connection: AbstractConnection) -> None:
        await self._consumer.start(connection)

    async def stop(self, timeout: float = 30.0) -> None:
        """Take no new requests, finish those in hand (up to ``timeout``), close the channel."""
        await self._consumer.stop(timeout)

    async def _answer(self, message: DeliveredMessage) -> None:
        """Serve and reply on the channel that delivered it; the consumer then acks."""
        channel = message.channel
        assert isinstance(channel, aiormq.Channel)
        reply = await self._serve(message.body)
        properties = message.header.properties
        if properties.reply_to:
            # Not mandatory: RabbitMQ returns every mandatory message to a direct reply-to
            # address even after delivering it, and a caller that is gone has no use for
            # the reply anyway.  wait=False: queued for the socket, ahead of the ack.
            try:
                await channel.basic_publish(
                    reply,
                    routing_key=properties.reply_to,
                    properties=spec.Basic.Properties(
                        content_type=CONTENT_TYPE, correlation_id=properties.correlation_id
                    ),
                    wait=False,
                )
            except Exception as exc:  # the channel went away: the request comes back unacked
                log.warning("could not answer a request", extra={"error": repr(exc)})
