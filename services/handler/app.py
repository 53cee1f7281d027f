"""Composition of a handler replica: ``create_app(settings)``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from prometheus_client import CollectorRegistry

from services.common import db
from services.common.amqp import declare_every_partition
from services.common.amqp.connection import connect_robust
from services.common.amqp.metrics import MessagingMetrics
from services.common.amqp.publisher import ConfirmedPublisher
from services.common.health import background, heartbeat
from services.common.metrics import serving_metrics
from services.common.service import Service
from services.common.startup import until_up
from services.common.telegram import open_session
from services.handler import bookkeeping
from services.handler.bot_api import BotApi, UserFiles
from services.handler.conversation.identity import BotIdentity
from services.handler.dead_letters import DeadLetterQueue
from services.handler.metrics import HandlerMetrics
from services.handler.ocr_jobs import OcrJobs
from services.handler.partitions import PartitionConsumer
from services.handler.pipeline import Effects, PipelineLimits, Settlement, UpdateApplier
from services.handler.reminders import ReminderScheduler
from services.handler.replicas import follow_assignment
from services.handler.session_client import SessionClient
from services.handler.settings import HandlerSettings
from services.handler.tracker.postgres import PgStore

log = logging.getLogger(__name__)

# Connections to the Bot API at most: with many updates in hand, the calls beyond it queue
# for a free connection rather than opening more.
BOT_API_CONNECTIONS = 256


def create_app(settings: HandlerSettings) -> Service:
    topology = settings.topology()
    registry = CollectorRegistry()
    metrics = HandlerMetrics(registry)
    messaging = MessagingMetrics(registry)

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        pool = await until_up("PostgreSQL", lambda: db.open_pool(
            settings.database_url,
            max_size=settings.db_pool_size,
            schemas=bookkeeping.SCHEMAS,
            role=bookkeeping.ROLE,
            migration_dsn=settings.migration_database_url,
        ), fatal=(db.RoleError,))
        # The process's connection: the partitions are consumed and the dead letters, OCR
        # jobs and result reminders published (confirmed, on one channel) over it.
        connection = await until_up("RabbitMQ", lambda: connect_robust(settings.amqp_url))
        publisher = await ConfirmedPublisher.open(
            connection, "handler: dead letters, ocr jobs and reminders",
            settings.session_rpc_timeout_seconds, messaging,
        )
        dead_letters = DeadLetterQueue(publisher, topology, settings.instance_name)
        ocr_jobs = OcrJobs(publisher, topology)
        await until_up("RabbitMQ", dead_letters.declare)
        await until_up("RabbitMQ", ocr_jobs.declare)
        sessions = SessionClient(
            settings.amqp_url,
            topology,
            timeout=settings.session_rpc_timeout_seconds,
            batch_max=settings.session_batch_max,
            batch_window=settings.session_batch_window_ms / 1000,
            observe_batch=metrics.session_batch_items.observe,
        )
        http = open_session(settings.bot_api_timeout_seconds, BOT_API_CONNECTIONS)
        token = settings.bot_token.get_secret_value()
        bot = BotApi(
            http,
            settings.telegram_api_url,
            token,
            max_attempts=settings.bot_api_max_attempts,
            metrics=metrics,
        )
        files = UserFiles(bot)
        limits = PipelineLimits.from_settings(settings)
        store = PgStore(pool)
        applier = UpdateApplier(
            sessions, store, files, Effects(bot, ocr_jobs), limits=limits, metrics=metrics,
            identity=BotIdentity(settings.bot_username),
        )
        settlement = Settlement(
            applier, dead_letters, instance=settings.instance_name, limits=limits, metrics=metrics
        )
        # Before any partition is consumed (each subscription declares its own queue too).
        await until_up("RabbitMQ", lambda: declare_every_partition(connection, topology))
        consumer = PartitionConsumer(
            connection,
            topology,
            settlement.handle,
            prefetch=settings.partition_prefetch,
            hold=settings.partition_hold_seconds,
        )
        replicas = bookkeeping.ReplicaRegistry(
            pool, settings.instance_name, topology.partitions, settings.replica_timeout_seconds
        )

        async def identify() -> None:
            """The bot's username, for the links to a private chat that group chats are given:
            BOT_USERNAME, else getMe, waited for like the other dependencies.  It does not hold
            up the partitions: until it is known, a group is told to open a private chat
            without the link."""
            if not applier.identity.username:
                applier.identity = await until_up("Telegram", bot.identity)
            log.info("bot identity", extra={"username": applier.identity.username})

        assignment = follow_assignment(
            replicas,
            consumer,
            instance=settings.instance_name,
            partitions=topology.partitions,
            interval=settings.replica_heartbeat_seconds,
            owned=metrics.partitions_owned,
        )
        # Due result reminders into the players' partitions, from whichever replicas are alive.
        reminders = ReminderScheduler(
            store, publisher, topology, batch=settings.reminder_batch,
            published=metrics.reminders_published.inc,
        ).run(settings.reminder_poll_seconds)
        health = heartbeat(settings.health_file, connection, pool) if settings.health_file else None
        log.info("handler ready", extra={"instance": settings.instance_name})
        try:
            with serving_metrics(registry, settings.metrics_host, settings.metrics_port):
                async with background(identify(), assignment, reminders, health):
                    yield
        finally:
            # SIGTERM: let the others take our partitions at once, finish each update in
            # hand, acknowledge it, and only then close the channels.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(replicas.leave(), 5)
            await consumer.close()
            log.info("partitions released", extra={"instance": settings.instance_name})
            await connection.close()
            await sessions.close()
            await http.close()
            await pool.close()

    return Service("handler", lifespan)
