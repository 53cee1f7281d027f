"""Shared fixtures: real PostgreSQL and RabbitMQ, and helpers that wait on conditions.

Service URLs come from TEST_DATABASE_URL / TEST_AMQP_URL when set, otherwise from
testcontainers; when neither is possible the tests that need them are skipped with the
reason, except under CI=true, where a missing service fails the run instead.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest


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
            topology.session_get_queue,
            topology.session_update_queue,
        ]
        for queue in queues:
            await channel.queue_delete(queue.name)
        await channel.exchange_delete(topology.updates_exchange.name)
    finally:
        await connection.close()


@pytest.fixture
async def namespace(amqp_url: str) -> AsyncIterator[str]:
    """A fresh AMQP namespace per test: its queues and exchanges are its own, and go after."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    await delete_topology(amqp_url, name)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
