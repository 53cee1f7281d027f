"""Partition hand-over between handler replicas, against a real RabbitMQ.

Two ``PartitionConsumer`` instances on two connections play two replicas.  Each handle
records when it ran, so the tests can check what the design promises: one update of a user
in hand at a time anywhere, in publication order, across hand-overs, a replica's death, and
shutdown, while several users' updates run at once.  Unless a test says otherwise, every
message is one user's (``USER``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from yarl import URL

from devkit.rabbitmq_node import PrivateRabbitMQ
from services.handler.partitions import PartitionConsumer
from shared.topology import HEADER_USER_ID, Topology
from tests.conftest import TcpRelay, eventually

pytestmark = pytest.mark.integration

PARTITIONS = 4
USER = 1001
STEP_KINDS = ["make-before-break", "break-before-make", "both", "flap", "standby-flap"]


@dataclass
class Handled:
    replica: str
    seq: int
    redelivered: bool
    start: float
    end: float | None = None
    # None while in hand, then "acked", "ack failed", "left" (not settled) or "cancelled"
    outcome: str | None = None


@dataclass
class Log:
    """Every handle call of every replica, in the order they started."""

    entries: list[Handled] = field(default_factory=list)

    def seqs(self, replica: str | None = None) -> list[int]:
        return [h.seq for h in self.entries if replica is None or h.replica == replica]

    def of(self, replica: str) -> list[Handled]:
        return [h for h in self.entries if h.replica == replica]


Work = Callable[[Handled, asyncio.Event], Awaitable[bool]]  # True: ack the message


def recording_handle(name: str, log: Log, work: Work):
    async def handle(message: AbstractIncomingMessage, releasing: asyncio.Event) -> None:
        entry = Handled(name, int(message.body), bool(message.redelivered), time.monotonic())
        log.entries.append(entry)
        try:
            if await work(entry, releasing):
                try:
                    await message.ack()
                    entry.outcome = "acked"
                except Exception:  # whatever the channel raises, it is lost
                    entry.outcome = "ack failed"
            else:
                entry.outcome = "left"
        except asyncio.CancelledError:
            entry.outcome = "cancelled"
            raise
        finally:
            entry.end = time.monotonic()

    return handle


@dataclass
class Replica:
    name: str
    connection: AbstractRobustConnection
    consumer: PartitionConsumer


async def declare(channel: aio_pika.abc.AbstractChannel, topology: Topology):
    """Exchange, partition queues and bindings, declared as the gateway does."""
    spec = topology.updates_exchange
    exchange = await channel.declare_exchange(spec.name, spec.type, durable=spec.durable)
    for index, queue_spec in enumerate(topology.partition_queues):
        queue = await channel.declare_queue(
            queue_spec.name, durable=True, arguments=queue_spec.arguments
        )
        await queue.bind(exchange, routing_key=topology.partition_key(index))
    return exchange


async def publish(
    exchange: aio_pika.abc.AbstractExchange, topology: Topology, seqs, user: int = USER
) -> None:
    for seq in seqs:
        await exchange.publish(  # the channel confirms each, so they are queued in order
            aio_pika.Message(
                str(seq).encode(),
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers={HEADER_USER_ID: user},
            ),
            routing_key=topology.partition_key(0),
        )


async def queued(channel: aio_pika.abc.AbstractChannel, topology: Topology, index: int = 0) -> int:
    """Messages ready in a partition queue (not counting ones delivered and unsettled)."""
    # Straight to the broker: a robust channel answers a passive declare from its cache.
    underlay = await channel.get_underlay_channel()
    result = await underlay.queue_declare(topology.partition_queue(index).name, passive=True)
    assert result.message_count is not None
    return result.message_count


@contextlib.asynccontextmanager
async def broker_setup(amqp_url: str, namespace: str) -> AsyncIterator[tuple]:
    topology = Topology(namespace, PARTITIONS)
    connection = await aio_pika.connect_robust(amqp_url)
    try:
        channel = await connection.channel()  # publisher confirms on
        exchange = await declare(channel, topology)
        yield topology, channel, exchange
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def replicas(
    url_by_name: dict[str, str], topology: Topology, handles: dict[str, Callable]
) -> AsyncIterator[dict[str, Replica]]:
    """Replicas on their own connections; consumers closed, then connections, at the end."""
    made: dict[str, Replica] = {}
    try:
        for name, url in url_by_name.items():
            connection = await aio_pika.connect_robust(url)
            consumer = PartitionConsumer(connection, topology, handles[name])
            made[name] = Replica(name, connection, consumer)
        yield made
    finally:
        for replica in made.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(replica.consumer.close(), 20)
        for replica in made.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(replica.connection.close(), 20)


def assert_one_at_a_time(entries: list[Handled]) -> None:
    ordered = sorted(entries, key=lambda h: h.start)
    for before, after in itertools.pairwise(ordered):
        assert before.end is not None and before.end <= after.start, (
            f"{before.replica} was still handling {before.seq} when "
            f"{after.replica} started {after.seq}"
        )


async def test_hand_over_keeps_order_and_never_overlaps(amqp_url: str, namespace: str) -> None:
    total = 400
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    log = Log()

    async def work(entry: Handled, releasing: asyncio.Event) -> bool:
        await asyncio.sleep(rng.uniform(0, 0.005))
        return True

    async with broker_setup(amqp_url, namespace) as (topology, channel, exchange):
        await publish(exchange, topology, range(total // 2))
        urls = {"A": amqp_url, "B": amqp_url}
        handles = {n: recording_handle(n, log, work) for n in urls}
        async with replicas(urls, topology, handles) as rs:
            owner, other = rs["A"], rs["B"]
            owner.consumer.assign(frozenset({0}))
            await owner.consumer.settled()
            # The second half arrives while partition 0 changes hands.
            publisher = asyncio.create_task(publish(exchange, topology, range(total // 2, total)))

            def handled_at_least(count: int) -> Callable[[], Awaitable[bool]]:
                async def check() -> bool:
                    if publisher.done():
                        publisher.result()
                    return len(log.entries) >= min(count, total)

                return check

            # Every kind of step comes up once in each round of five, in a random order.
            kinds = itertools.chain.from_iterable(
                rng.sample(STEP_KINDS, len(STEP_KINDS)) for _ in itertools.count()
            )
            steps: list[str] = []
            owner_changes = 0
            while len(log.entries) < total:
                # Let one to four more updates through (any in hand stays in hand), then step.
                await eventually(handled_at_least(len(log.entries) + rng.randint(1, 4)), 30, 0.001)
                kind = next(kinds)
                steps.append(kind)
                if kind in ("make-before-break", "break-before-make", "both"):
                    owner_changes += 1
                if kind == "make-before-break":
                    other.consumer.assign(frozenset({0}))
                    owner.consumer.assign(frozenset())
                    owner, other = other, owner
                elif kind == "break-before-make":
                    owner.consumer.assign(frozenset())
                    await owner.consumer.settled()
                    other.consumer.assign(frozenset({0}))
                    owner, other = other, owner
                elif kind == "both":
                    other.consumer.assign(frozenset({0}))
                    await other.consumer.settled()
                    assert owner.consumer.owned == other.consumer.owned == {0}
                    mark = len(log.entries)
                    await eventually(handled_at_least(mark + 3), 30, 0.001)
                    # Subscribed on both, consumed on one: the standby got nothing.
                    assert {h.replica for h in log.entries[mark:]} <= {owner.name}
                    owner.consumer.assign(frozenset())
                    owner, other = other, owner
                elif kind == "flap":  # taken back while the release is under way
                    owner.consumer.assign(frozenset())
                    await asyncio.sleep(0)  # the release starts (not a wait for a condition)
                    owner.consumer.assign(frozenset({0}))
                else:  # a standby that goes again while it is still subscribing
                    other.consumer.assign(frozenset({0}))
                    await asyncio.sleep(0)
                    other.consumer.assign(frozenset())
                await owner.consumer.settled()
                await other.consumer.settled()
                assert owner.consumer.owned == {0} and other.consumer.owned == frozenset()

            await publisher

            async def all_handled() -> bool:
                return set(log.seqs()) == set(range(total))

            await eventually(all_handled, 30)
        # Both consumers are closed: nothing left in hand, nothing left over.
        assert await queued(channel, topology) == 0

    context = f"seed={seed} {len(steps)} steps: {steps}"
    assert len(log.entries) == total, context  # exactly once: nothing handled twice
    assert log.seqs() == list(range(total)), context  # in publication order
    assert all(h.outcome == "acked" for h in log.entries), context
    assert_one_at_a_time(log.entries)
    # The hand-overs really happened: each step waits for an update after the last, so every
    # change of owner but perhaps the final one shows in the log.
    switches = sum(1 for x, y in itertools.pairwise(log.entries) if x.replica != y.replica)
    assert len(steps) >= 40 and switches >= owner_changes - 1 >= 20, (switches, context)


async def test_replica_dying_mid_update_hands_its_update_to_the_standby_first(
    amqp_url: str, namespace: str
) -> None:
    total = 10
    log = Log()
    gate = asyncio.Event()  # never set before A's connection dies

    async def stuck_on_first(entry: Handled, releasing: asyncio.Event) -> bool:
        if entry.replica == "A":
            await gate.wait()
        return True

    proxy = TcpRelay(URL(amqp_url))
    async with broker_setup(amqp_url, namespace) as (topology, channel, exchange):
        await publish(exchange, topology, range(total))
        urls = {"A": await proxy.start(), "B": amqp_url}
        handles = {n: recording_handle(n, log, stuck_on_first) for n in urls}
        async with replicas(urls, topology, handles) as rs:
            a, b = rs["A"], rs["B"]
            a.consumer.assign(frozenset({0}))
            await a.consumer.settled()

            async def a_in_hand() -> bool:
                return log.seqs() == [0]

            await eventually(a_in_hand)
            b.consumer.assign(frozenset({0}))  # standby behind A
            await b.consumer.settled()
            assert log.seqs("B") == []  # A holds the partition while it lives

            await proxy.cut()  # A's host is gone, update 0 unacknowledged

            async def b_handled_all() -> bool:
                return len(log.seqs("B")) >= total

            await eventually(b_handled_all, 30)
            assert log.seqs("B") == list(range(total))  # 0 first, then the rest, in order
            b_entries = log.of("B")
            # What A had taken (0 and the ones prefetched behind it) comes back redelivered,
            # ahead of what it never saw.
            flags = [h.redelivered for h in b_entries]
            assert flags[0] and flags == sorted(flags, reverse=True)
            assert all(h.outcome == "acked" for h in b_entries)

            gate.set()  # if A's handle still runs, it finishes too late: its ack is lost

            async def a_done() -> bool:
                return log.entries[0].end is not None

            await eventually(a_done)
            assert log.entries[0].outcome in ("cancelled", "ack failed")
        assert await queued(channel, topology) == 0
    assert log.seqs() == [0, *range(total)]  # 0 by A (lost), then everything once by B


async def test_close_waits_for_the_update_in_hand(amqp_url: str, namespace: str) -> None:
    log = Log()
    gate = asyncio.Event()
    seen_releasing: list[asyncio.Event] = []

    async def held(entry: Handled, releasing: asyncio.Event) -> bool:
        seen_releasing.append(releasing)
        await gate.wait()
        return True

    async with broker_setup(amqp_url, namespace) as (topology, channel, exchange):
        await publish(exchange, topology, range(3))
        handles = {"A": recording_handle("A", log, held)}
        async with replicas({"A": amqp_url}, topology, handles) as rs:
            consumer = rs["A"].consumer
            consumer.assign(frozenset({0}))

            async def in_hand() -> bool:
                return log.seqs() == [0]

            await eventually(in_hand)
            closing = asyncio.create_task(consumer.close())

            async def release_started() -> bool:
                return seen_releasing[0].is_set()

            await eventually(release_started)
            done, _ = await asyncio.wait({closing}, timeout=0.3)
            assert not done, "close() returned while an update was in hand"
            assert log.entries[0].end is None

            gate.set()
            await asyncio.wait_for(closing, 10)
            assert log.entries[0].outcome == "acked"
            assert consumer.owned == frozenset()
        # Update 0 was acknowledged before the channel closed; 1 and 2 were never handled.
        assert log.seqs() == [0]

        async def rest_requeued() -> bool:
            return await queued(channel, topology) == 2

        await eventually(rest_requeued)


async def test_releasing_event_is_set_when_the_partition_is_given_up(
    amqp_url: str, namespace: str
) -> None:
    log = Log()
    releasing_at_start: list[bool] = []

    async def wait_out_an_outage(entry: Handled, releasing: asyncio.Event) -> bool:
        if entry.replica == "B":
            return True
        releasing_at_start.append(releasing.is_set())
        await asyncio.wait_for(releasing.wait(), 30)  # the "outage" lasts until the release
        return False  # leave it unsettled for the next owner

    async with broker_setup(amqp_url, namespace) as (topology, channel, exchange):
        await publish(exchange, topology, range(2))
        urls = {"A": amqp_url, "B": amqp_url}
        handles = {n: recording_handle(n, log, wait_out_an_outage) for n in urls}
        async with replicas(urls, topology, handles) as rs:
            a, b = rs["A"], rs["B"]
            a.consumer.assign(frozenset({0}))

            async def in_hand() -> bool:
                return log.seqs() == [0]

            await eventually(in_hand)
            b.consumer.assign(frozenset({0}))
            await b.consumer.settled()
            assert releasing_at_start == [False]

            a.consumer.assign(frozenset())  # the assignment moved partition 0 away from A
            await asyncio.wait_for(a.consumer.settled(), 10)
            assert log.entries[0].end is not None and log.entries[0].outcome == "left"

            async def b_has_both() -> bool:
                return log.seqs("B") == [0, 1]

            await eventually(b_has_both)
            # Both were in A's hands (1 prefetched behind 0), so both come back redelivered.
            assert [h.redelivered for h in log.entries if h.replica == "B"] == [True, True]
        assert await queued(channel, topology) == 0
    assert_one_at_a_time(log.entries)


async def test_users_of_one_partition_run_side_by_side_each_in_order_across_a_hand_over(
    amqp_url: str, namespace: str
) -> None:
    users, per_user = [2001, 2002, 2003, 2004, 2005], 8
    done: dict[int, list[tuple[int, float, float, str]]] = {u: [] for u in users}  # seq, start, end, who

    def handle_as(name: str):
        async def handle(message: AbstractIncomingMessage, releasing: asyncio.Event) -> None:
            user, seq = (int(x) for x in message.body.decode().split(":"))
            start = time.monotonic()
            await asyncio.sleep(0.02)  # a Bot API call
            if releasing.is_set():
                return  # left for the next owner, as the processor does
            await message.ack()
            done[user].append((seq, start, time.monotonic(), name))

        return handle

    async with broker_setup(amqp_url, namespace) as (topology, channel, exchange):
        for seq in range(per_user):  # interleaved, as players write at the same time
            for user in users:
                await exchange.publish(
                    aio_pika.Message(f"{user}:{seq}".encode(), headers={HEADER_USER_ID: user},
                                     delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=topology.partition_key(0),
                )
        urls = {"A": amqp_url, "B": amqp_url}
        async with replicas(urls, topology, {n: handle_as(n) for n in urls}) as rs:
            rs["A"].consumer.assign(frozenset({0}))

            async def some_done() -> bool:
                return sum(map(len, done.values())) >= 10

            await eventually(some_done)
            rs["B"].consumer.assign(frozenset({0}))
            await rs["B"].consumer.settled()
            rs["A"].consumer.assign(frozenset())  # hand-over in the middle of the stream
            await asyncio.wait_for(rs["A"].consumer.settled(), 10)

            async def all_done() -> bool:
                return sum(map(len, done.values())) >= len(users) * per_user

            await eventually(all_done, 30)
        assert await queued(channel, topology) == 0
    for user, runs in done.items():
        assert [seq for seq, *_ in runs] == list(range(per_user)), user  # once each, in order
        for before, after in itertools.pairwise(runs):
            assert before[2] <= after[1], f"user {user}: {before[0]} and {after[0]} overlapped"
    assert {who for runs in done.values() for *_, who in runs} == {"A", "B"}
    spans = sorted((start, end) for runs in done.values() for _, start, end, _ in runs)
    assert any(b[0] < a[1] for a, b in itertools.pairwise(spans)), "different users never ran at once"


async def test_an_update_held_past_the_hold_limit_is_handed_back_before_the_broker_times_it_out(
    tmp_path,
) -> None:
    """A broker whose consumer timeout (2 s) is shorter than an outage an update waits out
    (here, until ``outage_over``): the replica gives the partition up and takes it again
    before the broker would close its channel, and the update, handed back in its place,
    is finished once the outage ends, acknowledged once, with the update behind it after."""
    node = PrivateRabbitMQ(
        tmp_path / "rabbitmq",
        advanced="[{rabbit, [{consumer_timeout, 2000}, {channel_tick_interval, 200}]}].\n",
    )
    await asyncio.to_thread(node.start)
    try:
        log = Log()
        outage_over = asyncio.Event()

        async def work(entry: Handled, releasing: asyncio.Event) -> bool:
            if entry.seq == 0 and not outage_over.is_set():
                # Waiting out the outage, as the processor does: give up when released.
                done = asyncio.ensure_future(outage_over.wait())
                gone = asyncio.ensure_future(releasing.wait())
                await asyncio.wait({done, gone}, return_when=asyncio.FIRST_COMPLETED)
                done.cancel(), gone.cancel()
                return outage_over.is_set() and not releasing.is_set()
            return True

        async with broker_setup(node.url, "hold") as (topology, channel, exchange):
            await publish(exchange, topology, [0, 1])
            connection = await aio_pika.connect_robust(node.url)
            consumer = PartitionConsumer(
                connection, topology, recording_handle("A", log, work), hold=0.5
            )
            try:
                consumer.assign(frozenset({0}))
                # Given up and taken again at least twice while the outage lasts (3 s).
                await eventually(lambda: asyncio.sleep(0, len(log.entries) >= 3), timeout=20)
                outage_over.set()
                await eventually(lambda: asyncio.sleep(0, "acked" in {
                    h.outcome for h in log.entries if h.seq == 1}), timeout=20)
                await eventually(lambda: queued_is(channel, topology, 0), timeout=20)
            finally:
                await consumer.close()
                await connection.close()
        firsts = [h for h in log.entries if h.seq == 0]
        assert [h.outcome for h in firsts][-1] == "acked"
        assert [h.outcome for h in firsts].count("acked") == 1
        assert all(h.outcome == "left" for h in firsts[:-1]) and len(firsts) >= 3
        assert [h.seq for h in log.entries if h.outcome == "acked"] == [0, 1]
        assert_one_at_a_time(log.entries)
        # The broker never had to close a channel for holding an update too long.
        assert "timed out" not in (tmp_path / "rabbitmq" / "log").joinpath(
            f"{node.name}.log").read_text(errors="replace")
    finally:
        await asyncio.to_thread(node.stop)


async def queued_is(channel: aio_pika.abc.AbstractChannel, topology: Topology, count: int) -> bool:
    return await queued(channel, topology) == count
