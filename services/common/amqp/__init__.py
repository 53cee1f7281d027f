"""The messaging layer every service shares.

Here: declaring the update partitions, and the aiormq channel under an aio-pika one (the hot
paths publish and consume there).  ``rpc`` holds the request/reply client and server of the
session API, ``coalescing`` the batching of many callers' requests into one message,
``addresses`` the brokers AMQP_URL names and ``connection`` the connections that fail over
between them.
"""

from __future__ import annotations

from collections.abc import Iterable

import aiormq
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractQueue

from shared.topology import Topology


async def declare_partitions(
    channel: AbstractChannel, topology: Topology, indexes: Iterable[int]
) -> list[AbstractQueue]:
    """Declare the updates exchange and the partition queues ``indexes``, each bound to it by
    its partition key, with the names and arguments of ``shared.topology``: RabbitMQ refuses a
    re-declaration whose arguments differ, so both declare them through here."""
    spec = topology.updates_exchange
    exchange = await channel.declare_exchange(spec.name, spec.type.value, durable=spec.durable)
    queues = []
    for index in indexes:
        queue_spec = topology.partition_queue(index)
        queue = await channel.declare_queue(
            queue_spec.name, durable=queue_spec.durable, arguments=queue_spec.arguments
        )
        await queue.bind(exchange, routing_key=topology.partition_key(index))
        queues.append(queue)
    return queues


async def declare_every_partition(connection: AbstractConnection, topology: Topology) -> None:
    """Declare every partition, one after another, on a channel of its own.

    RabbitMQ places a new quorum queue's leader on the node leading the fewest queues
    (``queue-leader-locator: balanced``), counting them as each declaration arrives: queues
    declared at once would all be counted against the same figures and led from one node.
    """
    channel = await connection.channel()
    try:
        await declare_partitions(channel, topology, range(topology.partitions))
    finally:
        await channel.close()


async def raw_channel(channel: AbstractChannel) -> aiormq.Channel:
    """The aiormq channel under ``channel`` now (a new one after a robust reconnection).

    Publishing and consuming on it skips aio-pika's Message objects, which cost more CPU than
    the rest of a round trip; aio-pika still opens, watches and closes the channel.
    """
    underlay = await channel.get_underlay_channel()
    if not isinstance(underlay, aiormq.Channel):  # pragma: no cover - aio-pika's own type
        raise TypeError(f"unexpected channel {type(underlay).__name__}")
    return underlay
