"""The network side of choosing servers (``devkit.local_servers``).

Does a PostgreSQL or RabbitMQ URL lead to a server we can use?  ``probe_postgres`` and
``probe_rabbitmq`` tell three cases apart: usable (it answered and let us in), nothing answers
at the address (a private instance may stand in), or it answers but turns us away (wrong user,
password, vhost, or not that server at all), with the reason.  ``pick_port`` finds the ports
for private instances.
"""

from __future__ import annotations

import asyncio
import random
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "")
PORT_RANGE = (20_000, 32_000)  # below Linux's ephemeral ports (see tests/conftest.free_fixed_port)


@dataclass(frozen=True)
class Probe:
    """What a URL's server did: ``usable``, or ``why`` not (``answered``: it answered at all)."""

    usable: bool
    answered: bool = True
    why: str = ""


def address(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2.0):
            return True
    except OSError:
        return False


async def probe_postgres(url: str) -> Probe:
    import asyncpg

    host, port = address(url, 5432)
    if not await asyncio.to_thread(_answers, host, port):
        return Probe(False, answered=False, why=f"nothing answers at {host}:{port}")
    admin = urlsplit(url)._replace(path="/postgres").geturl()
    try:
        conn = await asyncpg.connect(admin, timeout=10)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return Probe(False, why=f"{host}:{port} answers but turns us away ({type(exc).__name__}: {exc})")
    await conn.close()
    return Probe(True)


async def probe_rabbitmq(url: str) -> Probe:
    import aiormq

    host, port = address(url, 5671 if url.startswith("amqps") else 5672)
    if not await asyncio.to_thread(_answers, host, port):
        return Probe(False, answered=False, why=f"nothing answers at {host}:{port}")
    try:
        conn = await asyncio.wait_for(aiormq.connect(url), 15)
    except (TimeoutError, OSError, aiormq.exceptions.AMQPError) as exc:
        return Probe(False, why=f"{host}:{port} answers but turns us away ({type(exc).__name__}: {exc})")
    await conn.close()
    return Probe(True)


def is_local(url: str) -> bool:
    """Whether ``url`` names a server on this machine (a private instance can stand in)."""
    host = address(url, 0)[0]
    return host in LOCAL_HOSTS or host.startswith("127.")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closing TIME_WAIT is no use
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(kept: Any, taken: set[int]) -> int:
    """``kept`` if it is a port still free (and not ``taken``), else a free one at random."""
    if isinstance(kept, int) and kept not in taken and _port_free(kept):
        return kept
    rng = random.Random()
    while True:
        port = rng.randrange(*PORT_RANGE)
        if port not in taken and _port_free(port):
            return port
