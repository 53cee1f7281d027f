"""Losing the PostgreSQL primary while updates are processed: the handler and the session
service wait the failover out, and each update is then done exactly once.

The stack is real but for Telegram (the fake Bot API) and the dead-letter queue (in
memory): the update pipeline (``Settlement``) on a pool of its own, the session service running over
RabbitMQ, both on a database of the test's own.  The failover is staged on that database as
a client sees one: the backends are terminated (57P01, as when the old primary shuts down),
and for a while every new connection is to a server that refuses writes (as a standby does:
``default_transaction_read_only``), until the "new primary" takes them again.  Both services
name the server twice in ``DATABASE_URL`` behind a closed port, the recommended multi-host
form.  Figures (``print``ed; ``-s`` shows them) are what docs/reliability.md quotes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from devkit.fake_telegram import FakeTelegramConfig
from devkit.fake_telegram import create_app as fake_telegram
from services.common import db
from services.common.telegram import open_session
from services.handler import bookkeeping
from services.handler.bot_api import BotApi, UserFiles
from services.handler.errors import DependencyUnavailable
from services.handler.metrics import HandlerMetrics
from services.handler.pipeline import Effects, PipelineLimits, Settlement, UpdateApplier
from services.handler.session_client import SessionClient
from services.handler.tracker.postgres import PgStore
from services.session.app import create_app as session_app
from services.session.settings import SessionSettings
from shared.topology import HEADER_UPDATE_ID, Topology
from tests.conftest import database_of_its_own, eventually, free_port, random_user_id
from tests.integration.conftest import running_app, serving
from tests.integration.test_db_failover import set_read_only, with_hosts_before

pytestmark = pytest.mark.integration

TOKEN = "4242424242:" + "F" * 35
HANDLER = "failover-handler"
BACKOFF_MAX = 5.0  # DEPENDENCY_BACKOFF_MAX_SECONDS' default: the figures are the defaults'


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, Any]
    redelivered: bool = False
    routing_key: str = "p0"
    acks: int = 0

    async def ack(self, multiple: bool = False) -> None:
        self.acks += 1


@dataclass
class DeadLetters:
    letters: list[dict[str, Any]] = field(default_factory=list)

    async def put(self, body: bytes, headers: dict[str, Any], *, reason: str, attempts: int, error: str) -> None:
        self.letters.append({"reason": reason, "attempts": attempts, "error": error})


class NoOcr:
    async def submit(self, job: object) -> None:
        raise AssertionError("no photo is sent here")


def register(user_id: int) -> Delivery:
    update_id = user_id % 10**9
    body = json.dumps({"update_id": update_id, "message": {
        "message_id": 1, "from": {"id": user_id, "first_name": "F", "language_code": "en"},
        "chat": {"id": user_id, "type": "private"},
        "text": "/register Failover Cup | 01.02.2025 | 10 | Club"}}).encode()
    return Delivery(body, {HEADER_UPDATE_ID: update_id})


@dataclass
class Stack:
    processor: Settlement
    metrics: HandlerMetrics
    fake: Any
    dead: DeadLetters
    admin: asyncpg.Connection
    database: str

    def sent(self, user_id: int) -> list[str]:
        return [c["params"]["text"] for c in self.fake.calls
                if c["method"] == "sendMessage" and c["params"]["chat_id"] == user_id]

    async def stored(self, user_id: int) -> int:
        return await self.admin.fetchval(
            "SELECT count(*) FROM tracker.tournaments WHERE player_id = $1", user_id)

    async def terminate_backends(self, *keep: int, application: str = "%") -> int:
        """Terminate every backend on the database but the test's own (of ``application``
        alone if named): 57P01 to each."""
        return await self.admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> ALL($1::int[])"
            " AND application_name LIKE $2",
            [self.admin.get_server_pid(), *keep], application,
        )


def processor_for(pool: asyncpg.Pool, sessions: SessionClient, bot: BotApi, files: UserFiles,
                  dead: DeadLetters, metrics: HandlerMetrics) -> Settlement:
    limits = PipelineLimits(max_attempts=3, max_backoff=BACKOFF_MAX, failure_pause=0.05)
    applier = UpdateApplier(sessions, PgStore(pool), files, Effects(bot, NoOcr()), limits=limits, metrics=metrics)
    return Settlement(applier, dead, instance="failover-test", limits=limits, metrics=metrics)


@contextlib.asynccontextmanager
async def stack(
    database_url: str, amqp_url: str, namespace: str, *, handler_on_one_host: bool = False
) -> AsyncIterator[Stack]:
    """The stack on a database of its own; the services' URLs name a closed port first (with
    ``handler_on_one_host`` the handler's names the server alone, as application
    ``HANDLER``)."""
    async with database_of_its_own(database_url, "failover") as url:
        several = with_hosts_before(url, f"127.0.0.1:{free_port()}")  # read-write: defaulted
        admin = await asyncpg.connect(url)
        handler_url = f"{url}?application_name={HANDLER}" if handler_on_one_host else several
        pool = await db.open_pool(handler_url, max_size=4, schemas=bookkeeping.SCHEMAS)
        settings = SessionSettings(amqp_url=amqp_url, database_url=several, amqp_namespace=namespace)  # type: ignore[call-arg]
        sessions = SessionClient(amqp_url, Topology(namespace), timeout=3.0)
        telegram = fake_telegram(FakeTelegramConfig(token=TOKEN))
        try:
            async with running_app(session_app(settings)), serving(telegram, free_port()) as api, \
                    open_session(10.0, 8) as http:
                bot = BotApi(http, api, TOKEN, max_attempts=2, max_backoff=0.1)
                dead, metrics = DeadLetters(), HandlerMetrics(CollectorRegistry())
                processor = processor_for(pool, sessions, bot, UserFiles(bot), dead, metrics)
                yield Stack(processor, metrics, telegram.state.fake, dead, admin, url)
        finally:
            await sessions.close()
            await pool.close()
            await admin.close()


def retries(metrics: HandlerMetrics) -> float:
    return metrics.dependency_retries._value.get()


def waited_out(caplog: pytest.LogCaptureFixture) -> str:
    """The errors the handler waited out, as it logged them."""
    return " ".join(str(getattr(r, "error", "")) for r in caplog.records
                    if r.getMessage().startswith("dependency unavailable"))


async def blocked_write(admin: asyncpg.Connection) -> int:
    """The pid of a backend waiting for the tracker's lock: the handler's write in flight."""
    return await admin.fetchval(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query ILIKE '%tracker.%' LIMIT 1")


@contextlib.asynccontextmanager
async def tracker_locked(url: str) -> AsyncIterator[asyncpg.Connection]:
    """The tracker's tables locked against writes (reads go on) until the block ends."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE tracker.players, tracker.tournaments IN EXCLUSIVE MODE")
            yield conn
    finally:
        await conn.close()


async def test_terminated_backends_and_a_read_only_period_are_waited_out_and_the_update_done_once(
    database_url: str, amqp_url: str, namespace: str, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with stack(database_url, amqp_url, namespace) as s:
        uid = random_user_id()
        d = register(uid)
        async with tracker_locked(s.database) as lock:
            task = asyncio.create_task(s.processor.handle(d, asyncio.Event()))
            writer = await eventually(lambda: blocked_write(s.admin))
            # The primary is lost: its backends go (57P01 to the write in flight), and until
            # the new primary is up every server there is refuses writes.
            await set_read_only(s.admin, True)
            assert await s.terminate_backends(lock.get_server_pid()) >= 1

            async def writer_gone() -> bool:  # a terminated backend takes a moment to exit
                return writer not in (await s.admin.fetchval(
                    "SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = current_database()") or [])

            await eventually(writer_gone)
        retried = retries(s.metrics)
        await eventually(lambda: asyncio.sleep(0, retries(s.metrics) >= retried + 2), timeout=10)
        assert not task.done() and d.acks == 0 and s.sent(uid) == []

        await set_read_only(s.admin, False)  # the new primary takes writes
        lifted = time.monotonic()
        await asyncio.wait_for(task, BACKOFF_MAX + 10)
        resumed = time.monotonic() - lifted

        assert d.acks == 1 and s.dead.letters == []
        assert len(s.sent(uid)) == 1 and "registered" in s.sent(uid)[0]
        assert await s.stored(uid) == 1
        seen = waited_out(caplog)
        # The staged failover really happened: the write in flight lost its backend.
        assert "due to administrator command" in seen or "AdminShutdownError" in seen, seen
        assert resumed < BACKOFF_MAX + 2, "the handler resumes at its next retry"
        print(f"\nresumed {resumed * 1000:.0f} ms after the read-only period ended "
              f"({retries(s.metrics):.0f} retries in all)")


async def test_a_handler_on_one_host_waits_out_read_only_answers_and_then_writes_once(
    database_url: str, amqp_url: str, namespace: str, caplog: pytest.LogCaptureFixture,
) -> None:
    """A single-host DATABASE_URL (a proxy or DNS name that follows the primary) reaches a
    read-only server itself: the handler's writes fail with 25006 and are waited out; once
    the server takes writes, the pool's read-only connections are not used again."""
    caplog.set_level(logging.WARNING)
    async with stack(database_url, amqp_url, namespace, handler_on_one_host=True) as s:
        await set_read_only(s.admin, True)
        # The handler's pool reconnects, to a read-only server; the session service's
        # connections, opened before, still write.
        await s.terminate_backends(application=HANDLER)
        uid = random_user_id()
        d = register(uid)
        task = asyncio.create_task(s.processor.handle(d, asyncio.Event()))
        await eventually(lambda: asyncio.sleep(0, "ReadOnlySQLTransactionError" in waited_out(caplog)), timeout=10)
        assert not task.done() and s.sent(uid) == []

        await set_read_only(s.admin, False)
        lifted = time.monotonic()
        await asyncio.wait_for(task, BACKOFF_MAX + 10)
        resumed = time.monotonic() - lifted
        assert d.acks == 1 and s.dead.letters == []
        assert len(s.sent(uid)) == 1 and await s.stored(uid) == 1
        assert resumed < BACKOFF_MAX + 2
        print(f"\nresumed {resumed * 1000:.0f} ms after the read-only period ended")


async def test_backends_terminated_mid_write_are_waited_out_at_once(
    database_url: str, amqp_url: str, namespace: str,
) -> None:
    """Only the connections are lost (a restart, a proxy's failover): the update goes on at
    the first retry, 0.2 s later."""
    async with stack(database_url, amqp_url, namespace) as s:
        uid = random_user_id()
        d = register(uid)
        async with tracker_locked(s.database) as lock:
            task = asyncio.create_task(s.processor.handle(d, asyncio.Event()))
            await eventually(lambda: blocked_write(s.admin))
            terminated = time.monotonic()
            await s.terminate_backends(lock.get_server_pid())
        await asyncio.wait_for(task, 10)
        resumed = time.monotonic() - terminated
        assert d.acks == 1 and s.dead.letters == []
        assert len(s.sent(uid)) == 1 and await s.stored(uid) == 1
        print(f"\ndone {resumed * 1000:.0f} ms after the backends were terminated")


async def test_the_session_service_answers_a_read_only_database_as_an_outage_then_writes(
    database_url: str, amqp_url: str, namespace: str,
) -> None:
    """Over RabbitMQ, as the handler sees it: a write refused by a read-only server is an
    error the handler waits out (DependencyUnavailable), not one it counts; once the server
    takes writes, the next write goes through on a new connection."""
    async with database_of_its_own(database_url, "failover") as url:
        admin = await asyncpg.connect(url)
        settings = SessionSettings(amqp_url=amqp_url, database_url=url, amqp_namespace=namespace)  # type: ignore[call-arg]
        client = SessionClient(amqp_url, Topology(namespace), timeout=3.0)
        try:
            async with running_app(session_app(settings)):
                uid = random_user_id()
                await set_read_only(admin, True)
                await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()")

                async def read() -> bool:
                    with contextlib.suppress(DependencyUnavailable):  # a terminated backend
                        return (await client.get(uid)).version == 0
                    return False

                await eventually(read, timeout=10)  # reads go on
                with pytest.raises(DependencyUnavailable, match="ReadOnlySQLTransactionError"):
                    await client.update(uid, 0, {"step": "x"}, update_id=uid % 10**9)
                await set_read_only(admin, False)
                saved = await client.update(uid, 0, {"step": "x"}, update_id=uid % 10**9)
                assert saved.kind == "saved"
        finally:
            await client.close()
            await admin.close()
