"""Connections that fail over between the brokers AMQP_URL names (``addresses``).

Every connection a service opens comes from here:

- ``connect_robust`` and ``FailoverConnection``: aio-pika's robust connection, which after
  losing its broker reconnects, reopens its channels (prefetch, declared queues and
  exchanges, consumers, then each channel's ``reopen_callbacks``), but always to its one URL.
  ``FailoverConnection`` moves on to the next broker each time its connection is lost or an
  attempt fails, so it reconnects to the next broker that answers, and the channels come
  back there.
- ``BrokerRing`` and ``connect``: plain connections (no reconnection of their own), for the
  RPC client, which opens a new one when it needs one, and for the admin commands.

Brokers are tried in the order listed, starting with the first (so each service can be
given a different preferred node); after a broker is lost, the next one in the list comes
first and the lost one last.  A connection does not go back to its preferred broker when it
returns.  Brokers are tried back to back until each was tried once; only then does a robust
connection wait ``reconnect_interval`` (5 s by default) before the next round.  A connection
lost within ``reconnect_interval`` of being made waits out the rest of it first (aio-pika
pauses after every attempt, a successful one too), so a broker that accepts connections
and drops them at once is not hammered.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika import RobustConnection
from aio_pika.abc import AbstractConnection, TimeoutType
from aiormq.connection import parse_bool
from yarl import URL

from services.common.amqp.addresses import broker_urls

log = logging.getLogger(__name__)


def shown(url: URL) -> str:
    """``url`` without its password, for logs."""
    return str(url.with_password("******") if url.password else url)


class FailoverConnection(RobustConnection):
    """A robust connection over several brokers: ``addresses`` (single-broker URLs), in the
    order to try them; without them, just ``url``.

    ``url`` also carries the connection's own parameters in its query (``reconnect_interval``,
    ``fail_fast``), as for aio-pika's ``RobustConnection``; each address's query is read by
    aiormq when connecting to it (``heartbeat``, ``name``, TLS files).

    With ``fail_fast`` (the default) the first ``connect`` raises the last broker's error
    once every broker refused; without it, it keeps going round until one answers.
    """

    def __init__(
        self,
        url: URL,
        loop: asyncio.AbstractEventLoop | None = None,
        *,
        addresses: Sequence[str | URL] = (),
        **kwargs: Any,
    ) -> None:
        self._brokers = [URL(address) for address in addresses] or [URL(url)]
        self._next = 0
        self._shown = self._brokers[0]  # the broker of the last attempt: what logs name
        self._failures = 0  # attempts failed in a row since the last connection
        self._was_connected = False
        self._gave_up: asyncio.Future[None] | None = None
        wanted = kwargs.get("fail_fast")
        if wanted is None:
            wanted = URL(url).query.get("fail_fast", "1")
        # aio-pika's fail-fast gives up after the first failed attempt, whichever broker it
        # was: the base class keeps trying, and ``connect`` gives up after a whole round.
        super().__init__(url, loop, **{**kwargs, "fail_fast": False})
        self.fail_fast = parse_bool(wanted)
        self.url = self._brokers[0]

    @property
    def brokers(self) -> list[URL]:
        return list(self._brokers)

    @property
    def reconnect_interval(self) -> Any:
        """No pause before the next attempt until every broker was tried once since the last
        connection; then aio-pika's (the base class sleeps this long between attempts)."""
        if self._failures % len(self._brokers):
            return 0
        return self._interval

    @reconnect_interval.setter
    def reconnect_interval(self, value: Any) -> None:
        self._interval = value

    def __str__(self) -> str:
        return shown(self._shown)

    async def connect(self, timeout: TimeoutType = None) -> None:
        if self._was_connected or not self.fail_fast or self._gave_up is not None:
            await super().connect(timeout)
            return
        self._gave_up = self.loop.create_future()
        connecting = asyncio.ensure_future(super().connect(timeout))
        try:
            await asyncio.wait((connecting, self._gave_up), return_when=asyncio.FIRST_COMPLETED)
            if connecting.done():
                connecting.result()
                return
        except BaseException:
            await self._abandon(connecting)  # nobody will hold this connection
            raise
        await self._abandon(connecting)
        self._gave_up.result()  # raises the last broker's error

    async def _abandon(self, connecting: asyncio.Future[None]) -> None:
        """Stop a first connect that failed or was cancelled, and its reconnecting."""
        connecting.cancel()
        await asyncio.gather(connecting, return_exceptions=True)
        await self.close()

    async def _on_connected(self) -> None:
        await super()._on_connected()
        self._shown = self.url
        self._failures = 0
        if self._was_connected:
            log.info("broker connection restored", extra={"broker": shown(self.url)})
        self._was_connected = True

    async def _on_connection_close(self, closing: asyncio.Future) -> None:
        # Called when an established connection is lost and when an attempt fails.
        if not (self._close_called or self.is_closed):
            self._move_on(closing, established=self.connected.is_set())
        await super()._on_connection_close(closing)

    def _move_on(self, closing: asyncio.Future, *, established: bool) -> None:
        """Make the next broker in the list the one the next attempt goes to."""
        self._shown = self.url
        self._next = (self._next + 1) % len(self._brokers)
        self.url = self._brokers[self._next]
        error = closing.exception() if closing.done() and not closing.cancelled() else None
        if not established:
            self._failures += 1
        if len(self._brokers) > 1:
            log.log(
                logging.WARNING if established else logging.INFO,
                "broker connection lost" if established else "broker did not answer",
                extra={
                    "broker": shown(self._shown),
                    "next_broker": shown(self.url),
                    "error": f"{type(error).__name__}: {error}"[:300] if error else None,
                },
            )
        gave_up = self._gave_up
        if (
            gave_up is not None
            and not gave_up.done()
            and not self._was_connected
            and self._failures >= len(self._brokers)
        ):
            gave_up.set_exception(error or ConnectionError("no broker answered"))


async def connect_robust(amqp_url: str, **kwargs: Any) -> FailoverConnection:
    """A ``FailoverConnection`` over every broker of ``amqp_url`` (AMQP_URL), connected;
    ``kwargs`` as for ``aio_pika.connect_robust`` (``timeout`` applies to each attempt)."""
    urls = broker_urls(amqp_url)
    connection = await aio_pika.connect_robust(
        urls[0], connection_class=_failover_over(urls), **kwargs
    )
    assert isinstance(connection, FailoverConnection)
    return connection


def _failover_over(urls: Sequence[str]) -> type[FailoverConnection]:
    # aio-pika builds the connection from a class and a URL: this one brings the others.
    return functools.partial(FailoverConnection, addresses=urls)  # type: ignore[return-value]


class BrokerRing:
    """Plain connections, each to the first broker of ``amqp_url`` that answers.

    Tries the brokers from the first listed; once a connection it opened closes, the next
    one opened starts from the broker after it.
    """

    def __init__(self, amqp_url: str) -> None:
        self.urls = broker_urls(amqp_url)
        self._next = 0

    async def connect(self, timeout: TimeoutType = None) -> AbstractConnection:
        """A connection to the first broker that answers (each given ``timeout``); the last
        broker's error if none does."""
        error: Exception | None = None
        for _ in self.urls:
            index = self._next
            try:
                connection = await aio_pika.connect(self.urls[index], timeout=timeout)
            except Exception as exc:  # refused, timeout, login, ...: the next one
                self._passed(index)
                error = exc
                continue
            except BaseException:  # cancelled mid-attempt: the next call starts after it
                self._passed(index)
                raise
            connection.close_callbacks.add(functools.partial(self._closed, index))
            return connection
        assert error is not None
        raise error

    def _closed(self, index: int, *_: object) -> None:
        self._passed(index)

    def _passed(self, index: int) -> None:
        if self._next == index:
            self._next = (index + 1) % len(self.urls)


async def connect(amqp_url: str, timeout: TimeoutType = None) -> AbstractConnection:
    """A plain connection to the first broker of ``amqp_url`` that answers, trying them in
    the order listed (each given ``timeout``); the last broker's error if none does."""
    return await BrokerRing(amqp_url).connect(timeout)
