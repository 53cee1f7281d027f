"""What each measured system gets fresh and loses at the end: a PostgreSQL database, an AMQP
namespace (queues and exchange), a Redis database.

``Fresh`` remembers everything it created until it is removed, so that ``cleanup()`` at the
end of a run (also after an error, Ctrl-C or SIGTERM) removes what an interrupted system left.
A Redis database is taken only if it is empty, marked with a claim key so that two runs do
not take the same one, and flushed when given back: nothing else's keys are ever removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any
from urllib.parse import urlsplit

import aio_pika
import asyncpg

CLAIM_KEY = "pokertracker-bench:claimed-by"


def with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


# ------------------------------------------------------------------------------ Redis (RESP)


async def redis_command(url: str, *args: str | int) -> Any:
    """One command over a connection of its own (the harness needs four commands, no client)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 6379)
    try:
        commands: list[tuple[str | int, ...]] = []
        if parts.password:
            commands.append(
                ("AUTH", parts.password) if not parts.username else ("AUTH", parts.username, parts.password)
            )
        db = (parts.path or "/0").strip("/") or "0"
        commands += [("SELECT", db), tuple(args)]
        reply: Any = None
        for command in commands:
            encoded = [str(a).encode() for a in command]
            writer.write(b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in encoded))
            await writer.drain()
            reply = await _resp(reader)
        return reply
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _resp(reader: asyncio.StreamReader) -> Any:
    line = (await reader.readuntil(b"\r\n"))[:-2]
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(f"redis: {rest.decode()}")
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else (await reader.readexactly(size + 2))[:-2].decode()
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [await _resp(reader) for _ in range(size)]
    raise RuntimeError(f"redis: unexpected reply {line!r}")


def redis_db_url(url: str, db: int) -> str:
    parts = urlsplit(url)
    return parts._replace(path=f"/{db}").geturl()


# ------------------------------------------------------------------------------ AMQP


async def delete_namespace(amqp_url: str, namespace: str, partitions: int) -> None:
    """Every queue and exchange ``shared.topology.Topology`` names for ``namespace``: the
    partition queues and each property that is a queue or an exchange (read from the class,
    so a queue added to the topology is removed too)."""
    from shared.topology import Exchange, Queue, Topology

    topology = Topology(namespace, partitions)
    queues: list[str] = [q.name for q in topology.partition_queues]
    exchanges: list[str] = []
    for name, member in vars(Topology).items():
        if isinstance(member, property):
            with contextlib.suppress(Exception):
                value = getattr(topology, name)
                if isinstance(value, Queue):
                    queues.append(value.name)
                elif isinstance(value, Exchange):
                    exchanges.append(value.name)
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in exchanges:
            await channel.exchange_delete(exchange)
    finally:
        await connection.close()


async def purge_partitions(amqp_url: str, namespace: str, partitions: int) -> None:
    """Drop the updates waiting in a namespace's partition queues (a backlog let go)."""
    from shared.topology import Topology

    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        for queue in Topology(namespace, partitions).partition_queues:
            await (await channel.declare_queue(queue.name, passive=True)).purge()
    finally:
        await connection.close()


# ------------------------------------------------------------------------------ Fresh


@dataclasses.dataclass
class Fresh:
    admin_url: str
    amqp_url: str
    redis_url: str
    run_id: str
    partitions: int
    databases: list[str] = dataclasses.field(default_factory=list)
    namespaces: list[str] = dataclasses.field(default_factory=list)
    redis_dbs: list[str] = dataclasses.field(default_factory=list)

    async def database(self, label: str) -> tuple[str, str]:
        """A new, empty database: (name, URL)."""
        name = f"bench_{self.run_id}_{label}"
        conn = await asyncpg.connect(self.admin_url)
        try:
            self.databases.append(name)
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return name, with_db(self.admin_url, name)

    async def drop_database(self, name: str) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        with contextlib.suppress(ValueError):
            self.databases.remove(name)

    def namespace(self, label: str) -> str:
        ns = f"bench-{self.run_id}-{label}"
        self.namespaces.append(ns)
        return ns

    async def delete_namespace(self, ns: str) -> None:
        await delete_namespace(self.amqp_url, ns, self.partitions)
        with contextlib.suppress(ValueError):
            self.namespaces.remove(ns)

    async def redis_db(self) -> str:
        """The URL of a Redis database that was empty, claimed for this run."""
        databases = 16  # Redis's default, when CONFIG is not allowed
        with contextlib.suppress(Exception):
            databases = int((await redis_command(self.redis_url, "CONFIG", "GET", "databases"))[1])
        for db in range(databases - 1, 0, -1):
            url = redis_db_url(self.redis_url, db)
            if await redis_command(url, "DBSIZE") != 0:
                continue
            if await redis_command(url, "SET", CLAIM_KEY, self.run_id, "NX") == "OK":
                self.redis_dbs.append(url)
                return url
        raise RuntimeError("no empty Redis database to use")

    async def release_redis(self, url: str) -> None:
        """Flush a database this run claimed (it was empty when claimed)."""
        if await redis_command(url, "GET", CLAIM_KEY) == self.run_id:
            await redis_command(url, "FLUSHDB")
        with contextlib.suppress(ValueError):
            self.redis_dbs.remove(url)

    async def cleanup(self) -> list[str]:
        """Remove whatever is still here; the problems met, to report (nothing raised)."""
        problems = []
        for ns in list(self.namespaces):
            try:
                await self.delete_namespace(ns)
            except Exception as exc:
                problems.append(f"namespace {ns}: {exc!r}")
        for url in list(self.redis_dbs):
            try:
                await self.release_redis(url)
            except Exception as exc:
                problems.append(f"redis {url}: {exc!r}")
        for name in list(self.databases):
            try:
                await self.drop_database(name)
            except Exception as exc:
                problems.append(f"database {name}: {exc!r}")
        return problems
