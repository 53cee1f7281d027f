"""Publishing accepted updates to RabbitMQ, confirmed and persistent, or not at all.

Every accepted webhook costs one publish, so this is the gateway's hot path: it goes
straight to aiormq's ``basic_publish`` on an aio-pika robust channel opened with publisher
confirms and ``on_return_raises`` (an unroutable update raises, so "sent" means "queued").
FastStream's publisher wraps the same call in a middleware, serialisation and
message-building chain that cost more CPU than the publish itself, so it is not used to
publish.  It still describes the publication: ``describe_publication`` registers a
FastStream publisher on a broker for the AsyncAPI document (``services/asyncapi.py``) only;
that broker never connects.
"""

from __future__ import annotations

import asyncio
import logging

import aiormq
from aio_pika.abc import AbstractRobustChannel, AbstractRobustConnection, FieldValue
from aiormq import spec
from faststream.rabbit import RabbitBroker
from faststream.rabbit.schemas import Channel

from services.common.amqp import declare_partitions, raw_channel
from services.common.amqp.renewal import ChannelRenewal, refused
from services.common.amqp.connection import FailoverBroker, connect_robust
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

PERSISTENT = 2  # AMQP delivery mode: written to disk by a durable queue
CONTENT_TYPE = "application/json"


class PublishFailed(Exception):
    """RabbitMQ did not confirm the update: unreachable, unroutable, or too slow."""


def make_broker(amqp_url: str) -> RabbitBroker:
    """A FastStream broker configured like the gateway's channel (confirms, returns raise),
    for the AsyncAPI document; the gateway itself publishes without it."""
    return FailoverBroker(
        amqp_url,
        default_channel=Channel(publisher_confirms=True, on_return_raises=True),
        logger=None,
    )


def describe_publication(broker: RabbitBroker, topology: Topology) -> None:
    """Register what ``UpdatePublisher`` publishes on ``broker``, for AsyncAPI only."""
    broker.publisher(
        exchange=topology.updates_exchange,
        title="gateway: accepted update",
        description=UPDATE_DESCRIPTION,
        schema=TelegramUpdate,
    )


class UpdatePublisher:
    def __init__(self, amqp_url: str, topology: Topology, timeout: float) -> None:
        self._url = amqp_url
        self._topology = topology
        self._exchange = topology.updates_exchange.name
        self._timeout = timeout
        self._ready = asyncio.Event()
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        # The aiormq channel under ``_channel``; replaced by a new one after a reconnection.
        self._underlay: aiormq.Channel | None = None
        self._renewal = ChannelRenewal("gateway: updates")

    @property
    def ready(self) -> bool:
        """Connected and the topology declared: an update published now can be queued."""
        connection, channel = self._connection, self._channel
        return (
            self._ready.is_set()
            and connection is not None
            and connection.connected.is_set()
            and channel is not None
            and not channel.is_closed
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
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            await self._declare(channel)
        except BaseException:
            await connection.close()
            raise
        self._connection, self._channel = connection, channel

    async def _declare(self, channel: AbstractRobustChannel) -> None:
        """Declare the exchange and every partition queue, so an update is routable (and kept)
        before any handler runs; with the handler's arguments (``shared.topology``)."""
        await declare_partitions(channel, self._topology, range(self._topology.partitions))

    async def close(self) -> None:
        self._ready.clear()
        connection, self._connection, self._channel = self._connection, None, None
        self._underlay = None
        if connection is not None:
            await connection.close()

    async def publish(self, body: bytes, update_id: int, user_id: int | None) -> None:
        """Publish ``body`` persistent and mandatory; return once RabbitMQ confirmed it."""
        if not self.ready:
            raise PublishFailed("broker not connected")
        headers: dict[str, FieldValue] = {HEADER_UPDATE_ID: update_id, HEADER_ACCEPTED_AT: now_ms()}
        if user_id is not None:
            headers[HEADER_USER_ID] = user_id
        message_id = str(update_id)
        properties = spec.Basic.Properties(
            content_type=CONTENT_TYPE,
            delivery_mode=PERSISTENT,
            message_id=message_id,  # aiormq matches a returned message to its publish by it
            correlation_id=message_id,
            headers=headers,
        )
        try:
            channel = self._underlay
            if channel is None or channel.is_closed:
                channel = await self._refresh_underlay()
            await channel.basic_publish(
                body,
                exchange=self._exchange,
                # One user's updates share a partition: one queue, one consumer, in order.
                routing_key=self._topology.routing_key(user_id, update_id),
                properties=properties,
                mandatory=True,
                # Covers the wait for the channel's lock and for the confirmation.
                timeout=self._timeout,
                # Return once the frame is queued for the socket, not written: the
                # confirmation awaited next comes after the write anyway.
                wait=False,
            )
        except PublishFailed:
            raise
        except Exception as exc:
            if refused(exc):  # after a quorum queue's change of leader: see renewal.py
                await self._renewal.renew(self._channel)
            raise PublishFailed(type(exc).__name__) from exc

    async def _refresh_underlay(self) -> aiormq.Channel:
        """The aiormq channel now under the robust channel (a new one after a reconnection)."""
        robust = self._channel
        if robust is None:
            raise PublishFailed("broker not connected")
        async with asyncio.timeout(self._timeout):
            underlay = await raw_channel(robust)
        self._underlay = underlay
        return underlay
