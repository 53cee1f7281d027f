"""Composition of the session service: ``create_app(settings)`` wires broker, pool and timers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from prometheus_client import CollectorRegistry

from services.common import db
from services.common.amqp.connection import connect_robust
from services.common.health import background, heartbeat
from services.common.metrics import serving_metrics
from services.common.service import Service
from services.common.startup import until_up
from services.session.metrics import SessionMetrics
from services.session.rpc import SessionApi, request_server
from services.session.settings import SessionSettings
from services.session.store import ROLE, SCHEMAS, SessionStore, init_connection
from shared.topology import Topology

log = logging.getLogger(__name__)


async def cleanup_loop(
    store: SessionStore, interval: float, batch_size: int, retention: timedelta
) -> None:
    """Every ``interval`` seconds delete expired sessions and update ids older than
    ``retention``; a failure waits for the next round."""
    while True:
        try:
            await cleanup_once(store, batch_size, retention)
        except Exception:
            log.exception("session cleanup failed; retrying next round")
        await asyncio.sleep(interval)


async def cleanup_once(store: SessionStore, batch_size: int, retention: timedelta) -> None:
    """One round over both tables; each delete is batched, so neither holds locks for long."""
    deleted = await store.delete_expired(batch_size)
    if deleted:
        log.info("expired sessions deleted", extra={"deleted": deleted})
    forgotten = await store.delete_applied_before(retention, batch_size)
    if forgotten:
        log.info("old applied update ids deleted", extra={"deleted": forgotten})


async def count_active_loop(store: SessionStore, metrics: SessionMetrics, interval: float) -> None:
    """Keep the active-sessions gauge fresh (one indexed count every ``interval`` seconds)."""
    while True:
        try:
            metrics.active.set(await store.active_sessions())
        except Exception as exc:
            log.warning("could not count active sessions", extra={"error": repr(exc)})
        await asyncio.sleep(interval)


def create_app(settings: SessionSettings) -> Service:
    topology = Topology(settings.amqp_namespace)
    registry = CollectorRegistry()
    metrics = SessionMetrics(registry)

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        pool = await until_up("PostgreSQL", lambda: db.open_pool(
            settings.database_url,
            max_size=settings.db_pool_size,
            schemas=SCHEMAS,
            init=init_connection,
            role=ROLE,
            migration_dsn=settings.migration_database_url,
        ), fatal=(db.RoleError,))
        connection = await until_up("RabbitMQ", lambda: connect_robust(settings.amqp_url))
        store = SessionStore(
            pool,
            timedelta(seconds=settings.session_ttl_seconds),
            extend_after=timedelta(seconds=settings.session_extend_after_seconds),
            max_bytes=settings.session_max_bytes,
            metrics=metrics,
        )
        cleanup = cleanup_loop(
            store,
            settings.session_cleanup_interval_seconds,
            settings.session_cleanup_batch_size,
            timedelta(seconds=settings.dedupe_retention_seconds),
        )
        health = heartbeat(settings.health_file, connection, pool) if settings.health_file else None
        active = count_active_loop(store, metrics, settings.session_active_refresh_seconds)
        requests = request_server(topology, SessionApi(store, metrics), metrics, settings.session_prefetch)
        try:
            with serving_metrics(registry, settings.metrics_host, settings.metrics_port):
                async with background(cleanup, active, health):
                    await requests.start(connection)
                    try:
                        yield
                    finally:
                        # Before the connection closes: the requests in hand still reply and ack.
                        await requests.stop()
        finally:
            await connection.close()
            await pool.close()

    return Service("session", lifespan)
