"""Shared fixtures: real PostgreSQL and RabbitMQ, and helpers that wait on conditions.

Service URLs come from TEST_DATABASE_URL / TEST_AMQP_URL when set, otherwise from
testcontainers; when neither is possible the tests that need them are skipped with the
reason, except under CI=true, where a missing service fails the run instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from devkit import rabbitmq_node
from devkit.rabbitmq_node import PrivateRabbitMQ


def _from_env_or_container(env: str, start: Callable[[], tuple[Any, str]]) -> Iterator[str]:
    url = os.environ.get(env)
    if url:
        yield url
        return
    try:
        container, url = start()
    except Exception as exc:  # no Docker engine, image not available, ...
        reason = f"{env} is not set and testcontainers could not start one: {type(exc).__name__}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield url
    finally:
        container.stop()


def _postgres() -> tuple[Any, str]:
    from testcontainers.postgres import PostgresContainer

    container = PostgresContainer("postgres:15-alpine", driver=None).start()
    return container, container.get_connection_url()


def _rabbitmq() -> tuple[Any, str]:
    from testcontainers.rabbitmq import RabbitMqContainer

    container = RabbitMqContainer("rabbitmq:3.10-alpine").start()
    host, port = container.get_container_host_ip(), container.get_exposed_port(5672)
    return container, f"amqp://guest:guest@{host}:{port}/"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    yield from _from_env_or_container("TEST_DATABASE_URL", _postgres)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    yield from _from_env_or_container("TEST_AMQP_URL", _rabbitmq)


async def delete_topology(amqp_url: str, namespace: str, partitions: int = 1024) -> None:
    """Remove a namespace's queues and exchange so test runs leave the broker as they found it.

    Deletes every partition queue a test may have used (``partitions`` is the most it tries).
    """
    import aio_pika

    from shared.topology import Topology

    topology = Topology(namespace, partitions)
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        queues = [
            *topology.partition_queues,
            topology.dead_letters_queue,
            topology.session_requests_queue,
            topology.ocr_queue,
        ]
        for queue in queues:
            await channel.queue_delete(queue.name)
        await channel.exchange_delete(topology.updates_exchange.name)
    finally:
        await connection.close()


@contextlib.contextmanager
def own_rabbitmq(directory: Path, **options: Any) -> Iterator[PrivateRabbitMQ]:
    """A started RabbitMQ node of the test's own (devkit/rabbitmq_node.py), stopped and removed
    after it.  Without the rabbitmq-server package the test fails in CI and is skipped
    elsewhere, saying why."""
    if not rabbitmq_node.installed():
        problem = "rabbitmq-server is not installed: this test starts a RabbitMQ node of its own"
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    node = PrivateRabbitMQ(directory, **options)
    node.start()
    try:
        yield node
    finally:
        node.stop()


async def take_all(channel: Any, queue: str, timeout: float = 10.0) -> list[Any]:
    """Every message ready in ``queue`` now, in queue order, removed.

    Consumed rather than fetched with basic.get, which a single-active-consumer quorum
    queue (a partition) refuses.
    """
    declared = await channel.declare_queue(queue, passive=True)
    wanted = declared.declaration_result.message_count or 0
    found: list[Any] = []
    if wanted:
        async with declared.iterator(no_ack=True) as messages:
            async with asyncio.timeout(timeout):
                async for message in messages:
                    found.append(message)
                    if len(found) == wanted:
                        break
    return found


async def ready_messages(amqp_url: str, queue: str) -> int:
    """How many messages a queue holds ready (delivered but unacknowledged ones not counted).

    A fresh plain connection each time: a robust one answers a passive declare from its cache.
    """
    import aio_pika

    connection = await aio_pika.connect(amqp_url)
    try:
        declared = await (await connection.channel()).declare_queue(queue, passive=True)
        return declared.declaration_result.message_count or 0
    finally:
        await connection.close()


@pytest.fixture
async def namespace(amqp_url: str) -> AsyncIterator[str]:
    """A fresh AMQP namespace per test: its queues and exchanges are its own, and go after."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    await delete_topology(amqp_url, name)


@contextlib.asynccontextmanager
async def database_of_its_own(database_url: str, prefix: str) -> AsyncIterator[str]:
    """A fresh database on ``database_url``'s server, dropped at the end; yields its URL."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield str(URL(database_url).with_path(f"/{name}"))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_fixed_port() -> int:
    """A free port below Linux's ephemeral range, for a server that starts late.

    Clients retrying a connection to an ephemeral port nobody listens on can end up connected
    to themselves (TCP simultaneous open), and then the port is taken.
    """
    rng = random.Random()
    while True:
        port = rng.randrange(20_000, 32_000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def random_user_id() -> int:
    """Random ids let tests share one database without cleaning up."""
    return 10**12 + uuid.uuid4().int % 10**12


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 15.0, interval: float = 0.05
) -> Any:
    """Poll ``check`` until it returns something truthy; fail with its last value at the deadline."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


class TcpRelay:
    """A TCP relay to a service (RabbitMQ, PostgreSQL) that can be cut like a crashed host,
    or started late like a service that was not up yet."""

    def __init__(self, target: URL) -> None:
        self._target = target
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def start(self, port: int = 0) -> str:
        """Listen (on ``port``, or any free one); return the target's URL through the relay."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", port)
        port = self._server.sockets[0].getsockname()[1]
        return str(self._target.with_host("127.0.0.1").with_port(port))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self._target.host, self._target.port)
        self._writers += [writer, up_writer]
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        dst.transport.abort()

    async def cut(self) -> None:
        """Refuse new connections and reset the open ones, without any AMQP goodbye."""
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
