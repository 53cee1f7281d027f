"""Publishing accepted updates to RabbitMQ, confirmed and persistent, or not at all."""

from __future__ import annotations

import asyncio
import logging

from aio_pika.abc import FieldValue
from faststream.rabbit import RabbitBroker
from faststream.rabbit.schemas import Channel

from services.common.startup import until_up
from shared.topology import (
    HEADER_ACCEPTED_AT,
    HEADER_UPDATE_ID,
    HEADER_USER_ID,
    Topology,
    now_ms,
)
from shared.update_message import UPDATE_DESCRIPTION, TelegramUpdate

log = logging.getLogger(__name__)


class PublishFailed(Exception):
    """RabbitMQ did not confirm the update: unreachable, unroutable, or too slow."""


def make_broker(amqp_url: str) -> RabbitBroker:
    # Confirms on, and a returned (unroutable) message raises: "sent" means "queued".
    return RabbitBroker(
        amqp_url,
        default_channel=Channel(publisher_confirms=True, on_return_raises=True),
        logger=None,
    )


class UpdatePublisher:
    def __init__(self, broker: RabbitBroker, topology: Topology, timeout: float) -> None:
        self._broker = broker
        self._topology = topology
        self._publisher = broker.publisher(
            exchange=topology.updates_exchange,
            title="gateway: accepted update",
            description=UPDATE_DESCRIPTION,
            schema=TelegramUpdate,
        )
        self._timeout = timeout
        self._ready = asyncio.Event()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._connected()

    def _connected(self) -> bool:
        conn = self._broker._connection  # noqa: SLF001 - FastStream exposes no sync check
        return conn is not None and conn.connected.is_set()

    async def connect_forever(self) -> None:
        """Connect and declare the topology, retrying until it works (runs in background)."""

        async def connect_and_declare() -> None:
            await self._broker.connect()
            await self.declare()

        await until_up("RabbitMQ", connect_and_declare)
        self._ready.set()
        log.info("broker connected, topology declared")

    async def declare(self) -> None:
        """Declare the exchange and every partition queue, so an update is routable (and kept)
        before any handler runs."""
        exchange = await self._broker.declare_exchange(self._topology.updates_exchange)
        for index, spec in enumerate(self._topology.partition_queues):
            queue = await self._broker.declare_queue(spec)
            await queue.bind(exchange, routing_key=self._topology.partition_key(index))

    async def publish(self, body: bytes, update_id: int, user_id: int | None) -> None:
        if not self.ready:
            raise PublishFailed("broker not connected")
        headers: dict[str, FieldValue] = {
            HEADER_UPDATE_ID: update_id,
            HEADER_ACCEPTED_AT: now_ms(),
        }
        if user_id is not None:
            headers[HEADER_USER_ID] = user_id
        try:
            async with asyncio.timeout(self._timeout):
                await self._publisher.publish(
                    body,
                    # One user's updates share a partition: one queue, one consumer, in order.
                    routing_key=self._topology.routing_key(user_id, update_id),
                    persist=True,
                    mandatory=True,
                    timeout=self._timeout,
                    content_type="application/json",
                    message_id=str(update_id),
                    headers=headers,
                )
        except Exception as exc:
            raise PublishFailed(type(exc).__name__) from exc
