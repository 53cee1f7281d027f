"""``pokertracker-admin broker migrate-queues`` run as an operator would, against real RabbitMQ:
the classic queues of the releases before quorum queues, with messages in them, become the
topology's quorum queues with every message, in order, unchanged."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import aiormq
import aiormq.exceptions
import pytest
from pamqp import commands as spec

from devkit.rabbitmq_node import PrivateRabbitMQ
from services.admin.broker_users import permissions, user_name
from services.admin.queue_migration import BATCH, SUFFIX, topology_queues
from shared.topology import (
    HEADER_ACCEPTED_AT,
    HEADER_DEAD_REASON,
    HEADER_DELIVERY_COUNT,
    HEADER_UPDATE_ID,
    HEADER_USER_ID,
    Topology,
)
from tests.admin_cli import ROOT, Result, environ_without, run_admin
from tests.conftest import eventually, own_rabbitmq

pytestmark = pytest.mark.integration

PARTITIONS = 4
ACCEPTED_AT = 1_700_000_000_123


def update(update_id: int, user_id: int, *, persistent: bool = True) -> tuple[bytes, spec.Basic.Properties]:
    """An update as the gateway publishes it."""
    body = f'{{"update_id": {update_id}, "message": {{"from": {{"id": {user_id}}}, "text": "héllo"}}}}'
    return body.encode(), spec.Basic.Properties(
        content_type="application/json",
        headers={HEADER_UPDATE_ID: update_id, HEADER_USER_ID: user_id, HEADER_ACCEPTED_AT: ACCEPTED_AT},
        delivery_mode=2 if persistent else 1,
        message_id=str(update_id),
        correlation_id=str(update_id),
    )


def contents(topology: Topology) -> dict[str, list[tuple[bytes, spec.Basic.Properties]]]:
    """What each queue of the old stack holds, in queue order."""
    held: dict[str, list[tuple[bytes, spec.Basic.Properties]]] = {
        q.name: [] for q in topology.partition_queues
    }
    for n in range(40):
        user = 7 + n % 5
        name = topology.partition_queue(int(topology.routing_key(user, n)[1:])).name
        held[name].append(update(1000 + n, user, persistent=n % 7 != 3))
    dead_body, dead = update(2000, 8)
    assert dead.headers is not None
    dead.headers[HEADER_DEAD_REASON] = "failed"
    held[topology.dead_letters_queue.name] = [
        (dead_body, dead),
        (
            b"not json \xff",
            spec.Basic.Properties(
                delivery_mode=2, message_id="raw", headers={"x-list": ["a", 1, True], "x-table": {"k": "v"}}
            ),
        ),
    ]
    held[topology.ocr_queue.name] = [
        (
            b'{"user_id": 8, "update_id": 2001, "file_id": "AgAD"}',
            spec.Basic.Properties(
                content_type="application/json",
                delivery_mode=2,
                message_id="ocr-8-2001",
                priority=3,
                timestamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                message_type="ocr-job",
                app_id="handler",
            ),
        )
    ]
    held[topology.session_requests_queue.name] = [
        (
            b'{"ops": []}',
            spec.Basic.Properties(
                content_type="application/json",
                correlation_id="c0ffee",
                reply_to="amq.rabbitmq.reply-to.g1h2AA",
                expiration="3600000",
                message_id="s1",
            ),
        )
    ]
    return held


async def declare_old(amqp_url: str, topology: Topology) -> dict[str, list[Any]]:
    """The queues as the releases before quorum queues declared them, filled, bound as before."""
    held = contents(topology)
    connection = await aiormq.connect(amqp_url)
    try:
        channel = await connection.channel()
        exchange = topology.updates_exchange.name
        await channel.exchange_declare(exchange, exchange_type="direct", durable=True)
        for index, queue in enumerate(topology.partition_queues):
            await channel.queue_declare(queue.name, durable=True, arguments={"x-single-active-consumer": True})
            await channel.queue_bind(queue.name, exchange, routing_key=topology.partition_key(index))
        for other in topology_queues(topology)[PARTITIONS:]:
            await channel.queue_declare(other.name, durable=True)
        for name, messages in held.items():
            for body, properties in messages:
                await channel.basic_publish(body, routing_key=name, properties=properties)
    finally:
        await connection.close()
    return held


async def kind_of(amqp_url: str, name: str, arguments: dict[str, Any]) -> str:
    """"quorum" if a declare with the topology's arguments is accepted, "classic" if the
    broker says the type differs, "absent" when there is no such queue."""
    connection = await aiormq.connect(amqp_url)
    try:
        try:
            await (await connection.channel()).queue_declare(name, passive=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            return "absent"
        try:
            await (await connection.channel()).queue_declare(name, durable=True, arguments=arguments)
            return "quorum"
        except aiormq.exceptions.ChannelPreconditionFailed as exc:
            assert "'x-queue-type'" in str(exc)
            return "classic"
    finally:
        await connection.close()


async def counts(amqp_url: str, names: list[str]) -> dict[str, int | None]:
    connection = await aiormq.connect(amqp_url)
    try:
        found: dict[str, int | None] = {}
        for name in names:
            try:
                ok = await (await connection.channel()).queue_declare(name, passive=True)
                found[name] = ok.message_count
            except aiormq.exceptions.ChannelNotFoundEntity:
                found[name] = None
        return found
    finally:
        await connection.close()


async def take(amqp_url: str, name: str, expected: int) -> list[tuple[bytes, dict[str, Any]]]:
    """Consume (quorum queues with single-active-consumer have no basic.get) and acknowledge
    ``expected`` messages; then check nothing else is there."""
    connection = await aiormq.connect(amqp_url)
    got: list[aiormq.abc.DeliveredMessage] = []
    try:
        channel = await connection.channel()
        await channel.basic_qos(prefetch_count=expected + 1)

        async def on_message(message: aiormq.abc.DeliveredMessage) -> None:
            got.append(message)

        await channel.basic_consume(name, on_message)
        await eventually(lambda: asyncio.sleep(0, len(got) >= expected), timeout=30)
        await asyncio.sleep(0.2)  # anything beyond ``expected`` would arrive meanwhile
        for message in got:
            await channel.basic_ack(message.delivery_tag or 0)
    finally:
        await connection.close()
    return [(m.body, without_delivery_count(m.header.properties)) for m in got]


def without_delivery_count(properties: spec.Basic.Properties) -> dict[str, Any]:
    """The properties, less the header a quorum queue stamps on every delivery."""
    found = dict(properties)
    headers = properties.headers or {}
    found["headers"] = {k: v for k, v in headers.items() if k != HEADER_DELIVERY_COUNT}
    return found


def expected_form(messages: list[tuple[bytes, spec.Basic.Properties]]) -> list[tuple[bytes, dict[str, Any]]]:
    return [(body, without_delivery_count(p)) for body, p in messages]


@pytest.fixture
async def topology(amqp_url: str, namespace: str) -> AsyncIterator[Topology]:
    """The namespace's topology; its leftover ``.migrating`` queues go too at the end."""
    yield Topology(namespace, PARTITIONS)
    connection = await aiormq.connect(amqp_url)
    try:
        channel = await connection.channel()
        for queue in topology_queues(Topology(namespace, PARTITIONS)):
            await channel.queue_delete(queue.name + SUFFIX)
    finally:
        await connection.close()


def admin_env(amqp_url: str, topology: Topology) -> dict[str, str]:
    return {
        **environ_without(["AMQP_URL", "AMQP_NAMESPACE", "UPDATE_PARTITIONS", "LOG_LEVEL"]),
        "AMQP_URL": amqp_url,
        "AMQP_NAMESPACE": topology.namespace,
        "UPDATE_PARTITIONS": str(PARTITIONS),
    }


async def migrate(amqp_url: str, topology: Topology, *args: str) -> Result:
    return await run_admin("broker", "migrate-queues", *args, env=admin_env(amqp_url, topology), timeout=300)


async def test_classic_queues_become_quorum_with_every_message_in_order(
    amqp_url: str, topology: Topology
) -> None:
    held = await declare_old(amqp_url, topology)
    names = [q.name for q in topology_queues(topology)]

    result = await migrate(amqp_url, topology)

    assert result.code == 0, result
    assert f"migrated {len(names)} queue(s) holding {sum(map(len, held.values()))} message(s)" in result.out
    for queue in topology_queues(topology):
        assert await kind_of(amqp_url, queue.name, dict(queue.spec.arguments or {})) == "quorum"
        assert await kind_of(amqp_url, queue.name + SUFFIX, {}) == "absent"
        assert f"{queue.name}: classic -> quorum, {len(held[queue.name])} message(s)" in result.out
    assert await counts(amqp_url, names) == {name: len(held[name]) for name in names}

    again = await migrate(amqp_url, topology)
    assert again.code == 0, again
    assert "migrated 0 queue(s) holding 0 message(s)" in again.out
    assert f"{len(names)} already quorum" in again.out
    assert await counts(amqp_url, names) == {name: len(held[name]) for name in names}

    # The partitions are bound again: an update published to the exchange reaches its queue.
    connection = await aiormq.connect(amqp_url)
    try:
        channel = await connection.channel()
        body, properties = update(3000, 9)
        await channel.basic_publish(
            body, exchange=topology.updates_exchange.name, routing_key=topology.routing_key(9, 3000),
            properties=properties, mandatory=True,
        )  # fmt: skip
    finally:
        await connection.close()
    target = topology.partition_queue(int(topology.routing_key(9, 3000)[1:])).name
    held[target].append((body, properties))

    for name in names:
        assert await take(amqp_url, name, len(held[name])) == expected_form(held[name]), name


async def test_a_run_left_halfway_is_finished(amqp_url: str, topology: Topology) -> None:
    """The states a crash can leave, made by hand: moving out, after the delete, moving back."""
    messages = [update(5000 + n, 11) for n in range(10)]
    p0, p1, p2 = (topology.partition_queue(i) for i in range(3))
    connection = await aiormq.connect(amqp_url)
    try:
        channel = await connection.channel()
        await channel.exchange_declare(topology.updates_exchange.name, exchange_type="direct", durable=True)
        # p0: classic still holds the tail, its .migrating the head.
        await channel.queue_declare(p0.name, durable=True, arguments={"x-single-active-consumer": True})
        await channel.queue_bind(p0.name, topology.updates_exchange.name, routing_key="p0")
        for name in (p0.name + SUFFIX, p1.name + SUFFIX, p2.name + SUFFIX):
            await channel.queue_declare(name, durable=True)  # classic, as the command makes it
        # p1: the classic queue was deleted, everything is in .migrating.
        # p2: quorum again with the head, .migrating holds the tail.
        await channel.queue_declare(p2.name, durable=True, arguments=dict(p2.arguments or {}))
        for body, properties in messages[:4]:
            await channel.basic_publish(body, routing_key=p0.name + SUFFIX, properties=properties)
            await channel.basic_publish(body, routing_key=p2.name, properties=properties)
        for body, properties in messages[4:]:
            await channel.basic_publish(body, routing_key=p0.name, properties=properties)
            await channel.basic_publish(body, routing_key=p2.name + SUFFIX, properties=properties)
        for body, properties in messages:
            await channel.basic_publish(body, routing_key=p1.name + SUFFIX, properties=properties)
    finally:
        await connection.close()

    result = await migrate(amqp_url, topology)

    assert result.code == 0, result
    assert f"{p0.name}: classic -> quorum, 6 message(s) moved to {p0.name}{SUFFIX} and 10 back" in result.out
    assert f"{p1.name}: finished: 10 message(s) moved back from a leftover" in result.out
    assert f"{p2.name}: finished: 6 message(s) moved back from a leftover" in result.out
    assert "migrated 3 queue(s) holding 26 message(s)" in result.out
    for queue in (p0, p1, p2):
        assert await kind_of(amqp_url, queue.name, dict(queue.arguments or {})) == "quorum"
        assert await kind_of(amqp_url, queue.name + SUFFIX, {}) == "absent"
        assert await take(amqp_url, queue.name, 10) == expected_form(messages), queue.name


async def test_killed_mid_move_then_run_again_loses_nothing(amqp_url: str, topology: Topology) -> None:
    """SIGKILL while a large queue is moving out: the next run ends with every message, in
    order; at most the batch in flight is there twice."""
    queue = topology.ocr_queue
    total = 10_000
    connection = await aiormq.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=False)
        await channel.queue_declare(queue.name, durable=True)
        for n in range(total):
            await channel.basic_publish(b"%d" % n, routing_key=queue.name, properties=spec.Basic.Properties(
                delivery_mode=2, message_id=str(n)))  # fmt: skip
    finally:
        await connection.close()

    async def all_in() -> bool:
        return (await counts(amqp_url, [queue.name]))[queue.name] == total

    await eventually(all_in, timeout=60)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.admin", "broker", "migrate-queues",
        cwd=ROOT, env=admin_env(amqp_url, topology),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async def moving() -> bool:
            return bool((await counts(amqp_url, [queue.name + SUFFIX]))[queue.name + SUFFIX])

        await eventually(moving, timeout=60, interval=0.01)
    finally:
        if process.returncode is None:
            os.kill(process.pid, signal.SIGKILL)
        await process.wait()
    left = (await counts(amqp_url, [queue.name]))[queue.name]
    assert left is not None and left > 0, f"killed too late: {left} left"

    result = await migrate(amqp_url, topology)

    assert result.code == 0, result
    assert await kind_of(amqp_url, queue.name + SUFFIX, {}) == "absent"
    count = (await counts(amqp_url, [queue.name]))[queue.name]
    assert count is not None and total <= count <= total + 500
    bodies = [int(body) for body, _ in await take(amqp_url, queue.name, count)]
    first_seen = list(dict.fromkeys(bodies))
    assert first_seen == list(range(total))


async def test_refuses_while_a_service_consumes(amqp_url: str, topology: Topology) -> None:
    held = await declare_old(amqp_url, topology)
    names = [q.name for q in topology_queues(topology)]
    busy = topology.partition_queue(1).name
    connection = await aiormq.connect(amqp_url)
    try:
        channel = await connection.channel()
        await channel.basic_qos(prefetch_count=1)  # a handler's: holds one update unacknowledged

        async def hold(message: aiormq.abc.DeliveredMessage) -> None:
            pass

        await channel.basic_consume(busy, hold)

        dry = await migrate(amqp_url, topology, "--dry-run")
        assert dry.code == 0, dry
        assert f"{busy}: classic, " in dry.out
        assert f"{len(names)} queue(s) to migrate; nothing was changed" in dry.out

        result = await migrate(amqp_url, topology)
        assert result.code == 1, result
        assert "refused: queues have consumers" in result.err
        assert f"{busy} (1)" in result.err
        assert "nothing was changed" in result.err
    finally:
        await connection.close()
    for queue in topology_queues(topology):
        assert await kind_of(amqp_url, queue.name, dict(queue.spec.arguments or {})) == "classic"
        assert await kind_of(amqp_url, queue.name + SUFFIX, {}) == "absent"
    assert await counts(amqp_url, names) == {name: len(held[name]) for name in names}


@pytest.fixture(scope="module")
def private_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRabbitMQ]:
    """A node of this module's own, for what the machine's broker must not get: a new user,
    a policy."""
    with own_rabbitmq(tmp_path_factory.mktemp("queue-migration") / "rabbitmq") as node:
        yield node


async def test_the_admin_user_of_broker_users_is_refused(private_node: PrivateRabbitMQ) -> None:
    """Only an administrator can migrate: the ``<ns>-admin`` user gets a clear refusal and
    the queues stay as they were."""
    node = private_node
    topology = Topology("refused", PARTITIONS)
    held = await declare_old(node.url, topology)
    user, allowed = user_name(topology.namespace, "admin"), permissions(topology.namespace)["admin"]
    node.ctl("add_user", user, "admin-password-1")
    node.ctl("set_permissions", user, allowed.configure, allowed.write, allowed.read)
    admin_url = node.url.replace("guest:guest@", f"{user}:admin-password-1@")

    result = await migrate(admin_url, topology)

    assert result.code == 1, result
    assert "RabbitMQ refused" in result.err
    assert "needs an AMQP_URL of a RabbitMQ administrator" in result.err
    assert "admin-password-1" not in result.err + result.out
    names = [q.name for q in topology_queues(topology)]
    assert await counts(node.url, names) == {name: len(held[name]) for name in names}
    assert await counts(node.url, [n + SUFFIX for n in names]) == {n + SUFFIX: None for n in names}


async def test_a_length_limit_stops_the_move_back_and_loses_nothing(private_node: PrivateRabbitMQ) -> None:
    """Moving back into a quorum queue with a max-length policy (overflow reject-publish, as
    broker_policies sets) stops when the broker refuses (a quorum queue notices a batch
    late), with the rest kept in ``.migrating``; it finishes once the limit is lifted.

    The policy is set once the queue is quorum: on a classic queue, RabbitMQ 3.10 applying a
    max-length policy drops the messages over it at once, whatever the overflow mode; hence
    "migrate before the new policies" in the README."""
    node = private_node
    topology = Topology("limited", PARTITIONS)
    name, total = topology.ocr_queue.name, 3 * BATCH
    messages = [(b"%d" % n, spec.Basic.Properties(delivery_mode=2, message_id=str(n))) for n in range(total)]
    connection = await aiormq.connect(node.url)
    try:
        channel = await connection.channel()
        await channel.queue_declare(name, durable=True, arguments=dict(topology.ocr_queue.arguments or {}))
        await channel.queue_declare(name + SUFFIX, durable=True)  # a run stopped after the delete
        for body, properties in messages:
            await channel.basic_publish(body, routing_key=name + SUFFIX, properties=properties)
    finally:
        await connection.close()
    node.ctl(
        "set_policy", "--apply-to", "queues", "--priority", "10", "limited-ocr",
        f"^{name}$".replace(".", "\\."), '{"max-length": 5, "overflow": "reject-publish"}',
    )  # fmt: skip

    stopped = await migrate(node.url, topology)

    assert stopped.code == 1, stopped
    assert f"moving {name}{SUFFIX} to {name}: a message was refused (nack)" in stopped.err
    assert "max-length of its policy" in stopped.err
    left = await counts(node.url, [name, name + SUFFIX])
    into, rest = left[name], left[name + SUFFIX]
    assert into is not None and rest is not None and into > 0 and rest > 0 and into + rest == total, left

    node.ctl("clear_policy", "limited-ocr")
    result = await migrate(node.url, topology)

    assert result.code == 0, result
    assert f"{name}: finished: {rest} message(s) moved back" in result.out
    assert await take(node.url, name, total) == expected_form(messages)
