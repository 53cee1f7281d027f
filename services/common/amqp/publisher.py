"""Confirmed publishing: persistent, mandatory, and done only once RabbitMQ confirmed it.

Used for every message that must not be lost: the gateway's updates, the handler's dead
letters and OCR jobs, the OCR service's readings.  A publish goes to the aiormq channel
under an aio-pika robust channel opened with publisher confirms and ``on_return_raises``
(an unroutable message raises, so "published" means "queued").  Whatever goes wrong raises
``PublishFailed``; the caller decides whether to wait and try again.  A publish the broker
refused (``basic.nack``, after a quorum queue's change of leader) renews the channel first
(renewal.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aio_pika.abc import AbstractChannel, AbstractConnection, FieldValue
from aiormq import spec

from services.common.amqp.channel import RawChannel
from services.common.amqp.metrics import MessagingMetrics
from services.common.amqp.renewal import refused

PERSISTENT = 2  # AMQP delivery mode: written to disk by a durable queue
CONTENT_TYPE = "application/json"


class PublishFailed(Exception):
    """RabbitMQ did not confirm the message: unreachable, unroutable, refused or too slow."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConfirmedPublisher:
    """Publishes on one channel with confirms, each publish given ``timeout`` seconds for the
    channel's lock and the confirmation; counted in ``metrics`` if given."""

    def __init__(
        self, channel: RawChannel, timeout: float, metrics: MessagingMetrics | None = None
    ) -> None:
        self._channel = channel
        self._timeout = timeout
        self._metrics = metrics
        self._counters: dict[str, tuple[Callable[[], None], Callable[[], None], Callable[[float], None]]] = {}

    @classmethod
    async def open(
        cls,
        connection: AbstractConnection,
        what: str,
        timeout: float,
        metrics: MessagingMetrics | None = None,
    ) -> ConfirmedPublisher:
        """A publisher on a new channel of ``connection`` (``what`` names it in logs)."""
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        return cls(RawChannel(channel, what), timeout, metrics)

    @property
    def channel(self) -> AbstractChannel:
        """The aio-pika channel it publishes on (to declare what it publishes to)."""
        return self._channel.channel

    @property
    def ready(self) -> bool:
        """Whether a publish now has a channel to go on."""
        return self._channel.is_open

    async def publish(
        self,
        body: bytes,
        *,
        routing_key: str,
        exchange: str = "",
        message_id: str | None = None,
        headers: dict[str, FieldValue] | None = None,
    ) -> None:
        """Publish ``body`` (JSON) persistent and mandatory; return once RabbitMQ confirmed it."""
        properties = spec.Basic.Properties(
            content_type=CONTENT_TYPE,
            delivery_mode=PERSISTENT,
            message_id=message_id,  # aiormq matches a returned message to its publish by it
            correlation_id=message_id,
            headers=headers,
        )
        started = time.perf_counter()
        try:
            channel = self._channel.current
            if channel is None:  # a new one after a reconnection
                async with asyncio.timeout(self._timeout):
                    channel = await self._channel.get()
            await channel.basic_publish(
                body,
                exchange=exchange,
                routing_key=routing_key,
                properties=properties,
                mandatory=True,
                # Covers the wait for the channel's lock and for the confirmation.
                timeout=self._timeout,
                # Return once the frame is queued for the socket, not written: the
                # confirmation awaited next comes after the write anyway.
                wait=False,
            )
        except Exception as exc:
            self._count(exchange or routing_key, started, ok=False)
            if refused(exc):  # after a quorum queue's change of leader: see renewal.py
                await self._channel.renew()
            raise PublishFailed(type(exc).__name__) from exc
        self._count(exchange or routing_key, started, ok=True)

    def _count(self, destination: str, started: float, *, ok: bool) -> None:
        metrics = self._metrics
        if metrics is None:
            return
        counters = self._counters.get(destination)
        if counters is None:  # label children looked up once per destination
            counters = self._counters[destination] = (
                metrics.published.labels(destination, "success").inc,
                metrics.published.labels(destination, "error").inc,
                metrics.publish_seconds.labels(destination).observe,
            )
        (counters[0] if ok else counters[1])()
        counters[2](time.perf_counter() - started)

    async def close(self) -> None:
        await self._channel.close()
