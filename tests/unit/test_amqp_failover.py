"""Connections over several brokers, where none answers (closed local ports): every broker is
tried once, back to back, before giving up with the last one's error.  With brokers that
answer: tests/integration/test_broker_failover.py."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from aiormq.exceptions import AMQPConnectionError

from services.common.amqp.addresses import broker_urls
from services.common.amqp.connection import (
    BrokerRing,
    FailoverConnection,
    _failover_over,
    connect,
    connect_robust,
)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def closed_url(port: int | None = None) -> str:
    return f"amqp://guest:guest@127.0.0.1:{port or closed_port()}/"


async def test_a_robust_connection_tries_every_broker_once_then_raises_the_last_error() -> None:
    last = closed_port()
    started = time.monotonic()
    with pytest.raises(AMQPConnectionError) as caught:
        # A round of brokers is tried without waiting reconnect_interval between them.
        await connect_robust(
            f"{closed_url()},{closed_url()},{closed_url(last)}", reconnect_interval=30
        )
    assert time.monotonic() - started < 10
    assert str(last) in str(caught.value)


async def test_a_connection_that_gave_up_stops_reconnecting() -> None:
    before = {t for t in asyncio.all_tasks() if not t.done()}
    with pytest.raises(AMQPConnectionError):
        await connect_robust(f"{closed_url()},{closed_url()}")
    await asyncio.sleep(0)
    left = {t for t in asyncio.all_tasks() if not t.done()} - before
    assert not [t for t in left if "connection_factory" in repr(t.get_coro())]


async def test_a_plain_connection_tries_every_broker_then_raises_the_last_error() -> None:
    last = closed_port()
    with pytest.raises(AMQPConnectionError) as caught:
        await connect(f"{closed_url()},{closed_url(last)}", timeout=5)
    assert str(last) in str(caught.value)


async def test_a_ring_that_was_cancelled_mid_attempt_starts_after_that_broker() -> None:
    ring = BrokerRing(f"{closed_url()},{closed_url()},{closed_url()}")
    with pytest.raises(AMQPConnectionError):
        await ring.connect()
    assert ring._next == 0  # a whole round: back to the first
    ring._passed(0)
    assert ring._next == 1
    ring._passed(0)  # only the broker it is at moves it on
    assert ring._next == 1


def test_the_failover_connection_takes_the_brokers_in_order() -> None:
    connection = FailoverConnection(
        "amqp://h0/?fail_fast=1", addresses=["amqp://h1/", "amqp://h2/"]
    )  # type: ignore[arg-type]
    assert [str(u) for u in connection.brokers] == ["amqp://h1/", "amqp://h2/"]
    assert str(connection.url) == "amqp://h1/" and connection.fail_fast


def test_connect_robust_builds_a_failover_connection_over_every_broker() -> None:
    urls = broker_urls("amqp://u:p@h1:5672,h2:5672/vh")
    connection = _failover_over(urls)(urls[0])
    assert isinstance(connection, FailoverConnection)
    assert [str(u) for u in connection.brokers] == ["amqp://u:p@h1:5672/vh", "amqp://u:p@h2:5672/vh"]
