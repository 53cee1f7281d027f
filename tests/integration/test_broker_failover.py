"""AMQP_URL naming several brokers, against real ones: connections go to the first broker
that answers, and a robust connection whose broker is SIGKILLed moves on to the next, with
its channels, declared queues and consumers.

Two private nodes of this module's own, not clustered: each has its own queues, so what
moves to the second one is the connection, and what the channels declare is declared there
again.  A node killed by one test is started again (on its data) by the next that needs it.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from devkit import rabbitmq_node
from devkit.rabbitmq_node import PrivateRabbitMQ
from services.common.amqp import declare_queue
from services.common.amqp.connection import (
    FailoverConnection,
    connect,
    connect_robust,
)
from services.common.amqp.publisher import ConfirmedPublisher, PublishFailed
from services.gateway.publisher import UpdatePublisher
from shared.topology import Queue, Topology, partition_of
from tests.conftest import eventually, free_port, ready_messages

pytestmark = pytest.mark.integration

FAILOVER_TIMEOUT = 30.0  # reconnect_interval (5 s) at most, plus the reconnection itself


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PrivateRabbitMQ, PrivateRabbitMQ]]:
    if not rabbitmq_node.installed():
        problem = "rabbitmq-server is not installed: this module starts nodes of its own"
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    root: Path = tmp_path_factory.mktemp("failover")
    pair = (PrivateRabbitMQ(root / "a"), PrivateRabbitMQ(root / "b"))
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(PrivateRabbitMQ.start, pair))
    try:
        yield pair
    finally:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(PrivateRabbitMQ.stop, pair))


async def alive(nodes: tuple[PrivateRabbitMQ, PrivateRabbitMQ]) -> tuple[PrivateRabbitMQ, PrivateRabbitMQ]:
    """Both nodes, started again if a test before killed one."""
    await asyncio.gather(*(asyncio.to_thread(n.start) for n in nodes if not n.running()))
    return nodes


def port_of(connection: AbstractRobustConnection) -> int | None:
    assert isinstance(connection, FailoverConnection)
    return connection.url.port if connection.connected.is_set() else None


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def test_a_broker_that_does_not_answer_is_skipped_for_the_next(
    nodes: tuple[PrivateRabbitMQ, PrivateRabbitMQ],
) -> None:
    _, b = await alive(nodes)
    amqp_url = f"amqp://guest:guest@127.0.0.1:{free_port()}/,{b.url}"

    robust = await connect_robust(amqp_url)
    try:
        assert port_of(robust) == b.port
        channel = await robust.channel()
        await channel.declare_queue(unique("first-answer"), auto_delete=True)
    finally:
        await robust.close()

    plain = await connect(amqp_url, timeout=5)
    try:
        assert plain.url.port == b.port
    finally:
        await plain.close()


async def test_a_robust_connection_moves_to_the_next_broker_with_its_channel(
    nodes: tuple[PrivateRabbitMQ, PrivateRabbitMQ],
) -> None:
    a, b = await alive(nodes)
    connection = await connect_robust(f"{a.url},{b.url}")
    try:
        assert port_of(connection) == a.port
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await channel.set_qos(prefetch_count=3)
        reopened = asyncio.Event()
        channel.reopen_callbacks.add(lambda *_: reopened.set())
        # Declared and consumed on A; declared again and consumed on B after the move.
        queue = await channel.declare_queue(unique("moving"), durable=True)
        received: asyncio.Queue[bytes] = asyncio.Queue()

        async def on_message(message: AbstractIncomingMessage) -> None:
            await message.ack()
            received.put_nowait(message.body)

        await queue.consume(on_message)
        await channel.default_exchange.publish(aio_pika.Message(b"on A"), routing_key=queue.name, mandatory=True)
        assert await asyncio.wait_for(received.get(), 10) == b"on A"

        await asyncio.to_thread(a.kill)

        async def on_b() -> bool:
            return port_of(connection) == b.port and reopened.is_set()

        await eventually(on_b, timeout=FAILOVER_TIMEOUT)
        # The channel opened before works: a declaration, and a confirmed, mandatory publish
        # (an unroutable one would raise) to the queue restored there, whose consumer gets it.
        other = await channel.declare_queue(unique("after-move"), durable=True)
        await channel.default_exchange.publish(aio_pika.Message(b"on B"), routing_key=queue.name, mandatory=True)
        assert await asyncio.wait_for(received.get(), 10) == b"on B"
        await channel.default_exchange.publish(aio_pika.Message(b"kept"), routing_key=other.name, mandatory=True)
        assert await ready_messages(b.url, other.name) == 1
    finally:
        await connection.close()


async def test_the_gateway_publisher_declares_its_topology_on_the_next_broker_and_publishes(
    nodes: tuple[PrivateRabbitMQ, PrivateRabbitMQ],
) -> None:
    a, b = await alive(nodes)
    topology = Topology(unique("failover"), 2)
    user_id = 42
    partition = topology.partition_queue(partition_of(user_id, topology.partitions)).name
    publisher = UpdatePublisher(f"{a.url},{b.url}", topology, timeout=5.0)
    connecting = asyncio.create_task(publisher.connect_forever())
    try:

        async def ready() -> bool:
            return publisher.ready

        await eventually(ready, timeout=30)
        await publisher.publish(b'{"update_id": 1}', 1, user_id)
        assert await ready_messages(a.url, partition) == 1

        await asyncio.to_thread(a.kill)

        async def published() -> bool:
            try:
                await publisher.publish(b'{"update_id": 2}', 2, user_id)
            except PublishFailed:
                return False
            return True

        await eventually(published, timeout=FAILOVER_TIMEOUT, interval=0.2)
        # B had no exchange nor queue: the reopened channel declared them before publishing.
        assert await ready_messages(b.url, partition) == 1
    finally:
        connecting.cancel()
        await asyncio.gather(connecting, return_exceptions=True)
        await publisher.close()


async def test_a_confirmed_publisher_moves_to_the_next_broker_and_publishes(
    nodes: tuple[PrivateRabbitMQ, PrivateRabbitMQ],
) -> None:
    a, b = await alive(nodes)
    connection = await connect_robust(f"{a.url},{b.url}")
    queue = Queue(unique("confirmed"))
    try:
        publisher = await ConfirmedPublisher.open(connection, "test", timeout=2.0)
        assert port_of(connection) == a.port
        await declare_queue(publisher.channel, queue)
        await publisher.publish(b"on A", routing_key=queue.name)

        await asyncio.to_thread(a.kill)

        async def published() -> bool:
            try:
                await publisher.publish(b"on B", routing_key=queue.name)
            except PublishFailed:  # not reconnected yet, or the queue not back yet
                return False
            return True

        await eventually(published, timeout=FAILOVER_TIMEOUT, interval=0.2)
        assert port_of(connection) == b.port
        assert await ready_messages(b.url, queue.name) >= 1
        assert connection.connected.is_set() and not connection.is_closed
    finally:
        await connection.close()
