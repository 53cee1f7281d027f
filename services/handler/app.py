"""Composition of a handler replica: ``create_app(settings)``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import httpx
from faststream import FastStream
from faststream.rabbit import RabbitBroker
from faststream.rabbit.schemas import Channel

from services.common import db
from services.common.health import background, heartbeat
from services.handler.bot_api import BotApi
from services.handler.consumer import Resources, build_router
from services.handler.processing import UpdateProcessor
from services.handler.session_client import SessionClient
from services.handler.settings import HandlerSettings
from services.handler.tracker.schema import MIGRATIONS, SCHEMA
from shared.topology import Topology

log = logging.getLogger(__name__)


def create_app(settings: HandlerSettings) -> FastStream:
    topology = Topology(settings.amqp_namespace)
    broker = RabbitBroker(
        settings.amqp_url,
        default_channel=Channel(prefetch_count=settings.handler_concurrency),
        # Longer than the longest an update may take, so SIGTERM finishes the update in hand.
        graceful_timeout=settings.dependency_retry_seconds + 15,
        log_level=logging.DEBUG,
    )
    resources = Resources()
    broker.include_router(build_router(topology, resources))

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        pool = await db.create_pool(settings.database_url, max_size=settings.db_pool_size)
        async with pool.acquire() as conn:
            await db.migrate(conn, SCHEMA, MIGRATIONS)
        sessions = SessionClient(
            settings.amqp_url, topology, timeout=settings.session_rpc_timeout_seconds
        )
        http = httpx.AsyncClient(
            timeout=settings.bot_api_timeout_seconds,
            limits=httpx.Limits(max_connections=settings.handler_concurrency * 2),
        )
        bot = BotApi(
            http,
            settings.telegram_api_url,
            settings.bot_token.get_secret_value(),
            max_attempts=settings.bot_api_max_attempts,
        )
        resources.processor = UpdateProcessor(
            sessions,
            pool,
            bot,
            retry_for=settings.dependency_retry_seconds,
            instance=settings.instance_name,
        )
        health = heartbeat(settings.health_file, broker, pool) if settings.health_file else None
        log.info("handler ready", extra={"instance": settings.instance_name})
        try:
            async with background(health):
                yield
        finally:
            await sessions.close()
            await http.aclose()
            await pool.close()

    return FastStream(broker, lifespan=lifespan, logger=log)
