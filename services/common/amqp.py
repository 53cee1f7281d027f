"""Declaring the update partitions, the one way the gateway and the handler both do it."""

from __future__ import annotations

from collections.abc import Iterable

from aio_pika.abc import AbstractChannel, AbstractQueue

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
