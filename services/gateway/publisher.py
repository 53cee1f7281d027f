"""Publishing accepted updates to RabbitMQ, confirmed and persistent, or not at all.

Every accepted webhook costs one publish, so this is the gateway's hot path: a
``ConfirmedPublisher`` (services/common/amqp/publisher.py) on a robust connection of its
own, to the user's partition of the updates exchange.
"""

from __future__ import annotations

import asyncio
import logging

from aio_pika.abc import AbstractRobustConnection, FieldValue

from services.common.amqp import declare_partitions
from services.common.amqp.connection import connect_robust
from services.common.amqp.publisher import ConfirmedPublisher, PublishFailed
from services.common.startup import until_up
from shared.topology import (
    HEADER_ACCEPTED_AT,
    HEADER_UPDATE_ID,
    HEADER_USER_ID,
    Topology,
    now_ms,
)

log = logging.getLogger(__name__)


class UpdatePublisher:
    def __init__(self, amqp_url: str, topology: Topology, timeout: float) -> None:
        self._url = amqp_url
        self._topology = topology
        self._exchange = topology.updates_exchange.name
        self._timeout = timeout
        self._ready = asyncio.Event()
        self._connection: AbstractRobustConnection | None = None
        self._publisher: ConfirmedPublisher | None = None

    @property
    def ready(self) -> bool:
        """Connected and the topology declared: an update published now can be queued."""
        connection, publisher = self._connection, self._publisher
        return (
            self._ready.is_set()
            and connection is not None
            and connection.connected.is_set()
            and publisher is not None
            and publisher.ready
        )

    async def connect_forever(self) -> None:
        """Connect and declare the topology, retrying until it works (runs in background).

        The connection is robust: after RabbitMQ restarts, or dies and AMQP_URL names other
        brokers, aio-pika reconnects (to the next broker that answers), reopens the channel
        and declares the exchange, queues and bindings again; until then ``ready`` is false
        and ``publish`` fails fast.
        """
        await until_up("RabbitMQ", self._connect_and_declare)
        self._ready.set()
        log.info("broker connected, topology declared")

    async def _connect_and_declare(self) -> None:
        connection = await connect_robust(self._url)
        try:
            publisher = await ConfirmedPublisher.open(connection, "gateway: updates", self._timeout)
            # Every partition queue, so an update is routable (and kept) before any handler
            # runs; with the handler's arguments (``shared.topology``).
            await declare_partitions(publisher.channel, self._topology, range(self._topology.partitions))
        except BaseException:
            await connection.close()
            raise
        self._connection, self._publisher = connection, publisher

    async def close(self) -> None:
        self._ready.clear()
        connection, self._connection, self._publisher = self._connection, None, None
        if connection is not None:
            await connection.close()

    async def publish(self, body: bytes, update_id: int, user_id: int | None) -> None:
        """Publish ``body`` persistent and mandatory; return once RabbitMQ confirmed it."""
        publisher = self._publisher
        if publisher is None or not self.ready:
            raise PublishFailed("broker not connected")
        headers: dict[str, FieldValue] = {HEADER_UPDATE_ID: update_id, HEADER_ACCEPTED_AT: now_ms()}
        if user_id is not None:
            headers[HEADER_USER_ID] = user_id
        await publisher.publish(
            body,
            exchange=self._exchange,
            # One user's updates share a partition: one queue, one consumer, in order.
            routing_key=self._topology.routing_key(user_id, update_id),
            message_id=str(update_id),
            headers=headers,
        )
