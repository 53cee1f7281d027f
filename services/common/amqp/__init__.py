"""The messaging layer every service shares, on aio-pika and the aiormq channel beneath.

Here: declaring the queues and exchanges of ``shared.topology``.  The modules:

- ``addresses``: the brokers AMQP_URL names; ``connection``: the connections that fail over
  between them (one robust connection per process, plain ones for the RPC client and admin);
- ``channel``: the aiormq channel under an aio-pika one, where the hot paths publish and
  consume; ``renewal``: renewing a channel the broker keeps refusing;
- ``publisher``: confirmed, persistent, mandatory publishing (``PublishFailed``);
- ``consumer``: a queue consumed with a prefetch, each message acknowledged, handed back
  (``Abandoned``) or rejected;
- ``rpc``: the request/reply client and server of the session API, and ``coalescing`` the
  batching of many callers' requests into one message;
- ``metrics``: what the publisher and the consumer count.
"""

from __future__ import annotations

from collections.abc import Iterable

from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange, AbstractQueue

from shared.topology import Exchange, Queue, Topology


async def declare_queue(channel: AbstractChannel, queue: Queue) -> AbstractQueue:
    """Declare ``queue`` with its topology arguments (a re-declaration must repeat them)."""
    return await channel.declare_queue(queue.name, durable=queue.durable, arguments=queue.arguments)


async def declare_exchange(channel: AbstractChannel, exchange: Exchange) -> AbstractExchange:
    return await channel.declare_exchange(exchange.name, exchange.type, durable=exchange.durable)


async def declare_partitions(
    channel: AbstractChannel, topology: Topology, indexes: Iterable[int]
) -> list[AbstractQueue]:
    """Declare the updates exchange and the partition queues ``indexes``, each bound to it by
    its partition key, with the names and arguments of ``shared.topology``: RabbitMQ refuses a
    re-declaration whose arguments differ, so both declare them through here."""
    exchange = await declare_exchange(channel, topology.updates_exchange)
    queues = []
    for index in indexes:
        queue = await declare_queue(channel, topology.partition_queue(index))
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

