"""The queues' policies doing their job on a real RabbitMQ (a node of this module's own,
since policies are set on the broker): an update returned more times than the delivery
limit is dead-lettered by the broker into our dead letters, where the admin lists it, and a
full partition refuses the gateway's publish instead of dropping it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import pytest

from devkit.rabbitmq_node import PrivateRabbitMQ
from services.admin.broker_policies import DELIVERY_LIMIT, PRIORITY, policies
from services.common.amqp import declare_partitions
from services.common.amqp.publisher import PublishFailed
from services.gateway.publisher import UpdatePublisher
from shared.topology import HEADER_USER_ID, Topology
from tests.admin_cli import environ_without, run_admin
from tests.conftest import eventually, own_rabbitmq, ready_messages

pytestmark = pytest.mark.integration

NAMESPACE = "pol"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory):
    with own_rabbitmq(tmp_path_factory.mktemp("policies") / "rabbitmq") as broker:
        for policy in policies(NAMESPACE):
            broker.ctl(
                "set_policy", "--priority", str(PRIORITY), "--apply-to", "queues",
                policy.name, policy.pattern, json.dumps(policy.definition),
            )  # fmt: skip
        yield broker


@pytest.fixture
async def channel(node: PrivateRabbitMQ) -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    topology = Topology(NAMESPACE, 2)
    connection = await aio_pika.connect(node.url)
    try:
        channel = await connection.channel()
        await declare_partitions(channel, topology, range(topology.partitions))
        spec = topology.dead_letters_queue
        await channel.declare_queue(spec.name, durable=True, arguments=spec.arguments)
        yield channel
    finally:
        await connection.close()


async def test_an_update_returned_past_the_delivery_limit_is_dead_lettered_by_the_broker(
    node: PrivateRabbitMQ, channel: aio_pika.abc.AbstractChannel
) -> None:
    topology = Topology(NAMESPACE, 2)
    update = {"update_id": 4711, "message": {"message_id": 1, "date": 0, "text": "/start",
              "from": {"id": 77, "is_bot": False, "first_name": "T"}, "chat": {"id": 77, "type": "private"}}}
    await channel.default_exchange.publish(
        aio_pika.Message(json.dumps(update).encode(), headers={HEADER_USER_ID: 77, "x-update-id": 4711},
                         delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
        routing_key=topology.partition_queue(0).name,
    )
    # A consumer that returns it every time, as replicas dying with it in hand would.
    queue = await channel.get_queue(topology.partition_queue(0).name)
    returned = 0

    async def give_back(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal returned
        returned += 1
        await message.nack(requeue=True)

    tag = await queue.consume(give_back)
    try:
        await eventually(lambda: ready_messages(node.url, topology.dead_letters_queue.name), timeout=30)
    finally:
        await queue.cancel(tag)
    assert returned == DELIVERY_LIMIT + 1 or returned == DELIVERY_LIMIT
    assert await ready_messages(node.url, topology.partition_queue(0).name) == 0

    env = environ_without({"AMQP_URL", "AMQP_NAMESPACE", "UPDATE_PARTITIONS", "COLUMNS"})
    env |= {"AMQP_URL": node.url, "AMQP_NAMESPACE": NAMESPACE, "UPDATE_PARTITIONS": "2"}
    listed = await run_admin("dead-letters", "list", "--json", env=env)
    assert listed.code == 0, listed
    [entry] = [json.loads(line) for line in listed.out.splitlines()]
    assert entry["update_id"] == 4711 and entry["user_id"] == 77
    assert entry["reason"] == "broker: delivery_limit"
    assert entry["dead_at"].endswith("Z")


async def test_a_full_partition_refuses_the_gateways_publish(
    node: PrivateRabbitMQ, channel: aio_pika.abc.AbstractChannel, tmp_path: Path
) -> None:
    """With overflow reject-publish the broker nacks publishes to a full queue: the gateway
    reports them failed (and answers 503), and the queue keeps what it confirmed."""
    topology = Topology(NAMESPACE, 2)
    name = topology.partition_queue(1).name
    # A lower limit on this one queue, as an operator's stricter policy of higher priority.
    node.ctl(
        "set_policy", "--priority", str(PRIORITY + 1), "--apply-to", "queues", "tight",
        f"^{name.replace('.', '[.]')}$",
        json.dumps({**policies(NAMESPACE)[0].definition, "max-length": 3}),
    )  # fmt: skip
    try:
        publisher = UpdatePublisher(node.url, topology, timeout=5)
        await publisher.connect_forever()
        try:
            user = next(u for u in range(1, 1000) if topology.routing_key(u, 0) == topology.partition_key(1))
            accepted = refused = 0
            # Quorum queues apply the limit a little late (the channel learns the queue is
            # full asynchronously), so a few may pass it; then the publishes are refused.
            for update_id in range(20):
                try:
                    await publisher.publish(b"{}", update_id, user)
                    accepted += 1
                except PublishFailed:
                    refused += 1
        finally:
            await publisher.close()
        assert refused > 0 and 3 <= accepted < 20, (accepted, refused)
        # Nothing dropped silently: every publish the broker confirmed is in the queue.
        assert await ready_messages(node.url, name) == accepted
    finally:
        node.ctl("clear_policy", "tight")
