"""``broker migrate-queues``: turn a namespace's classic queues into the quorum queues of
``shared.topology``, keeping every message, in order.

Why: releases before issue 14 declared classic queues with the names the quorum ones have
now, and RabbitMQ refuses to re-declare a queue as another type (PRECONDITION_FAILED), so
an upgraded stack would not start on them.  A queue's type cannot change in place.

How (a drained, stopped cut-over): with every service stopped, for each queue ``Q`` of the
topology that is classic, declare the durable queue ``Q.migrating``, move every message
into it, delete the empty ``Q``, declare ``Q`` again as the topology says (a partition bound
to the updates exchange again), move the messages back and delete the empty
``Q.migrating``.  ``Q.migrating`` is classic like ``Q`` was: RabbitMQ 3.10 deletes a quorum
queue only unconditionally (``queue.delete`` with if-empty is NOT_IMPLEMENTED for them),
while a classic one is deleted with ``if_empty``, so the broker itself refuses to delete a
queue holding a message.  A move consumes the source on one channel and publishes each
message, body and properties unchanged, through the default exchange with publisher
confirms and ``mandatory``; the source message is acknowledged only after its copy is
confirmed.  One consumer and one publisher keep the order both ways.  A crash loses
nothing; at worst the batch in flight (``BATCH`` messages) is in both queues, which the
consumers take like any at-least-once redelivery (updates are deduplicated).
Running the command again finishes the job: a leftover ``Q.migrating`` is emptied into
``Q``, after whatever of a classic ``Q`` was not moved yet.  (aiormq gives a message without
``message_id`` a random one; every publisher of the stack sets one already.)

While the gateway is stopped Telegram keeps each webhook update and retries it for up to
24 hours, so nothing is lost upstream either.  The command refuses to start when there is
work to do and a queue has consumers (services still running).  It needs a RabbitMQ
administrator (configure, write and read on every queue of the namespace and on the
default exchange): the ``<ns>-admin`` user of ``broker users`` cannot do it.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import aiormq
import aiormq.exceptions
from aio_pika.abc import AbstractChannel, AbstractConnection
from pamqp import commands as spec

from services.admin.broker import connected
from services.admin.errors import EXIT_OK, AdminError
from services.admin.settings import AdminSettings
from services.common.amqp import declare_partitions
from services.common.amqp.channel import raw_channel
from shared.topology import Queue as QueueSpec
from shared.topology import Topology

SUFFIX = ".migrating"
# Classic, said explicitly (a vhost's default queue type may be quorum from RabbitMQ 3.11).
TEMPORARY_ARGUMENTS: dict[str, Any] = {"x-queue-type": "classic"}
BATCH = 500  # messages in hand at once: consumed, published, then acknowledged
DELIVERY_TIMEOUT = 30.0
PUBLISH_TIMEOUT = 60.0
NEEDS_ADMINISTRATOR = (
    "migrate-queues needs an AMQP_URL of a RabbitMQ administrator (configure, write and read "
    "on every queue of the namespace), not one of the users `broker users` creates"
)


@dataclass
class Queue:
    """One queue of the topology, as found: ``kind`` is "absent", "classic" or "quorum"."""

    spec: QueueSpec
    partition: int | None
    kind: str = "absent"
    messages: int = 0
    consumers: int = 0
    leftover: int | None = None  # messages in the .migrating queue; None: there is none
    leftover_consumers: int = 0

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def temporary(self) -> str:
        return self.name + SUFFIX

    @property
    def has_work(self) -> bool:
        return self.kind == "classic" or self.leftover is not None


def topology_queues(topology: Topology) -> list[Queue]:
    return [Queue(q, i) for i, q in enumerate(topology.partition_queues)] + [
        Queue(topology.dead_letters_queue, None),
        Queue(topology.ocr_queue, None),
        Queue(topology.session_requests_queue, None),
    ]


@contextlib.asynccontextmanager
async def _channel(connection: AbstractConnection, **options: bool) -> AsyncIterator[AbstractChannel]:
    """A channel of its own: a refused declare closes it, and nothing else with it."""
    channel = await connection.channel(**options)
    try:
        yield channel
    finally:
        with contextlib.suppress(Exception):  # already closed by the broker
            await channel.close()


async def _passive(connection: AbstractConnection, name: str) -> spec.Queue.DeclareOk | None:
    async with _channel(connection) as channel:
        raw = await raw_channel(channel)
        try:
            return await raw.queue_declare(name, passive=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            return None


async def inspect(connection: AbstractConnection, queue: Queue) -> None:
    """Fill in what ``queue`` is now.  Classic is told by the answer to a declare with the
    topology's arguments: RabbitMQ 3.10 refuses it with PRECONDITION_FAILED "inequivalent
    arg 'x-queue-type' ... received the value 'quorum' ... but current is none"."""
    found = await _passive(connection, queue.name)
    if found is not None:
        queue.messages, queue.consumers = found.message_count or 0, found.consumer_count or 0
        async with _channel(connection) as channel:
            try:
                await channel.declare_queue(queue.name, durable=True, arguments=queue.spec.arguments)
                queue.kind = "quorum"
            except aiormq.exceptions.ChannelPreconditionFailed as exc:
                text = str(exc)
                if "'x-queue-type'" not in text or "received the value 'quorum'" not in text:
                    raise AdminError(f"{queue.name}: {text}; left as it is") from None
                queue.kind = "classic"
    leftover = await _passive(connection, queue.temporary)
    if leftover is not None:
        queue.leftover, queue.leftover_consumers = leftover.message_count or 0, leftover.consumer_count or 0


async def declare(connection: AbstractConnection, topology: Topology, queue: Queue) -> None:
    """``queue`` as the services declare it (a partition bound to the updates exchange)."""
    async with _channel(connection) as channel:
        if queue.partition is not None:
            await declare_partitions(channel, topology, [queue.partition])
        else:
            await channel.declare_queue(queue.name, durable=True, arguments=queue.spec.arguments)


async def delete_empty(connection: AbstractConnection, name: str) -> None:
    async with _channel(connection) as channel:
        try:
            await (await raw_channel(channel)).queue_delete(name, if_empty=True, if_unused=True)
        except aiormq.exceptions.ChannelPreconditionFailed:
            raise AdminError(
                f"{name} is not empty or has a consumer again: something else uses it (are the "
                "services stopped?); nothing was lost, run the command again"
            ) from None


async def _move_some(connection: AbstractConnection, source: str, target: str, count: int) -> int:
    """Move the first ``count`` messages of ``source`` to the end of ``target``."""
    async with _channel(connection, publisher_confirms=True, on_return_raises=True) as channel:
        raw = await raw_channel(channel)
        await raw.basic_qos(prefetch_count=2 * BATCH)  # the next batch arrives meanwhile
        inbox: asyncio.Queue[aiormq.abc.DeliveredMessage] = asyncio.Queue()

        async def deliver(message: aiormq.abc.DeliveredMessage) -> None:
            inbox.put_nowait(message)  # aiormq starts one task per delivery, in delivery order

        await raw.basic_consume(source, deliver)
        moved = 0
        while moved < count:
            batch = []
            for _ in range(min(BATCH, count - moved)):
                try:
                    batch.append(await asyncio.wait_for(inbox.get(), DELIVERY_TIMEOUT))
                except TimeoutError:
                    raise AdminError(
                        f"{source}: no message delivered within {DELIVERY_TIMEOUT:g}s though "
                        f"{count - moved - len(batch)} more were counted; nothing was lost, "
                        "run the command again"
                    ) from None
            # Publishes enter aiormq's channel lock in the order their tasks start: in order.
            publishes = [
                asyncio.ensure_future(
                    raw.basic_publish(
                        m.body,
                        exchange="",
                        routing_key=target,
                        properties=m.header.properties,
                        mandatory=True,
                        timeout=PUBLISH_TIMEOUT,
                        wait=False,
                    )
                )
                for m in batch
            ]
            results = await asyncio.gather(*publishes, return_exceptions=True)
            for message, result in zip(batch, results, strict=True):
                if not isinstance(result, spec.Basic.Ack):  # nack, returned, timeout, closed
                    why = (
                        "refused (nack): is it at the max-length of its policy? Raise the limit "
                        "for the migration" if isinstance(result, aiormq.exceptions.DeliveryError)
                        else f"not confirmed ({type(result).__name__}: {result})"
                    )
                    raise AdminError(
                        f"moving {source} to {target}: a message was {why}; {moved} moved in "
                        "this pass, nothing lost; run the command again"
                    )
                await raw.basic_ack(cast(int, message.delivery_tag), wait=False)
                moved += 1
        return moved  # closing the channel sends the acks first; unacked ones go back


async def move(connection: AbstractConnection, source: str, target: str) -> int:
    """Move every message of ``source`` to ``target``; check that ``target`` got them all."""
    moved = 0
    while (found := await _passive(connection, source)) and found.message_count:
        before = await _passive(connection, target)
        assert before is not None  # declared by the caller
        done = await _move_some(connection, source, target, found.message_count)
        after = await _passive(connection, target)
        if after is None or (after.message_count or 0) < (before.message_count or 0) + done:
            raise AdminError(
                f"{target} holds fewer messages than were moved into it: stopped here (is a "
                "policy limiting its length?)"
            )
        moved += done
    return moved


async def migrate(connection: AbstractConnection, topology: Topology, queue: Queue) -> tuple[str, int]:
    """Bring ``queue`` to quorum with all its messages; say what was done, and how many
    messages are in it that went through ``queue.temporary``."""
    out = 0
    if queue.kind == "classic":
        async with _channel(connection) as channel:
            await channel.declare_queue(queue.temporary, durable=True, arguments=TEMPORARY_ARGUMENTS)
        out = await move(connection, queue.name, queue.temporary)
        await delete_empty(connection, queue.name)
    await declare(connection, topology, queue)
    back = await move(connection, queue.temporary, queue.name)
    await delete_empty(connection, queue.temporary)
    if queue.kind == "classic":
        return f"classic -> quorum, {out} message(s) moved to {queue.temporary} and {back} back", back
    return f"finished: {back} message(s) moved back from a leftover {queue.temporary}", back


def migrate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--namespace", metavar="NS", help="the services' AMQP_NAMESPACE (default: AMQP_NAMESPACE)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="only show what each queue is and what would be done"
    )


def _describe(queue: Queue) -> str:
    text = queue.kind if queue.kind == "absent" else f"{queue.kind}, {queue.messages} message(s)"
    if queue.leftover is not None:
        text += f"; {queue.temporary} holds {queue.leftover}"
    return text


async def migrate_command(settings: AdminSettings, args: argparse.Namespace) -> int:
    topology = Topology(args.namespace or settings.amqp_namespace, settings.update_partitions)
    queues = topology_queues(topology)
    started = time.monotonic()
    async with connected(settings) as connection:
        try:
            for queue in queues:
                await inspect(connection, queue)
            work = [q for q in queues if q.has_work]
            busy = [q for q in queues if q.consumers or q.leftover_consumers]
            if args.dry_run:
                for queue in queues:
                    print(f"{queue.name}: {_describe(queue)}{'; to migrate' if queue.has_work else ''}")
                print(f"{len(work)} queue(s) to migrate; nothing was changed")
                return EXIT_OK
            if work and busy:
                names = ", ".join(f"{q.name} ({q.consumers + q.leftover_consumers})" for q in busy)
                raise AdminError(
                    f"refused: queues have consumers: {names}. Stop the gateway, handlers, OCR "
                    "and session services first; nothing was changed"
                )
            total = 0
            for queue in work:
                began = time.monotonic()
                said, moved = await migrate(connection, topology, queue)
                total += moved
                print(f"{queue.name}: {said} ({time.monotonic() - began:.1f} s)", flush=True)
        except aiormq.exceptions.ChannelAccessRefused as exc:
            raise AdminError(f"RabbitMQ refused: {exc}. {NEEDS_ADMINISTRATOR}") from None
    quorum = sum(q.kind == "quorum" and not q.has_work for q in queues)
    absent = sum(q.kind == "absent" and not q.has_work for q in queues)
    print(
        f"migrated {len(work)} queue(s) holding {total} message(s) in "
        f"{time.monotonic() - started:.1f} s; {quorum} already quorum, {absent} absent "
        "(declared by the services when they start)"
    )
    return EXIT_OK
