"""Composition of the OCR service: ``create_app(settings)`` wires the job consumer, the
TicketRead publisher, the engine and the Bot API."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from prometheus_client import CollectorRegistry

from services.common.amqp import declare_exchange
from services.common.amqp.connection import connect_robust
from services.common.amqp.consumer import QueueConsumer
from services.common.amqp.metrics import MessagingMetrics
from services.common.amqp.publisher import ConfirmedPublisher
from services.common.health import background, heartbeat
from services.common.metrics import serving_metrics
from services.common.service import Service
from services.common.startup import until_up
from services.common.telegram import BotClient, TelegramFiles, open_session
from services.ocr.engine import TesseractEngine
from services.ocr.jobs import PUBLISH_TIMEOUT_SECONDS, JobRunner, job_handler
from services.ocr.metrics import OcrMetrics
from services.ocr.settings import OcrSettings

log = logging.getLogger(__name__)

# Beyond the longest tesseract run, so a job in hand finishes (and is acknowledged) on SIGTERM.
GRACEFUL_MARGIN_SECONDS = 15.0


def create_app(settings: OcrSettings) -> Service:
    topology = settings.topology()
    registry = CollectorRegistry()
    metrics = OcrMetrics(registry)
    messaging = MessagingMetrics(registry)
    engine = TesseractEngine(settings.ocr_languages, settings.ocr_timeout_seconds)

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        connection = await until_up("RabbitMQ", lambda: connect_robust(settings.amqp_url))
        # TicketReads confirmed and mandatory (an unroutable one raises, and is retried).
        publisher = await ConfirmedPublisher.open(
            connection, "ocr: ticket reads", PUBLISH_TIMEOUT_SECONDS, messaging
        )
        # The gateway declares it too (same arguments): a TicketRead is never published to
        # an exchange that does not exist.  The job queue is declared by its consumer.
        await until_up("RabbitMQ", lambda: declare_exchange(publisher.channel, topology.updates_exchange))
        http = open_session(settings.bot_api_timeout_seconds, settings.ocr_concurrency)
        # One try per call: the job's own retries (jobs.py) wait out whatever fails.
        bot = BotClient(http, settings.telegram_api_url, settings.bot_token.get_secret_value(),
                        max_attempts=1)  # fmt: skip
        files = TelegramFiles(bot)

        async def download(file_id: str) -> bytes:
            return await files.download(file_id, settings.ocr_max_file_bytes)

        runner = JobRunner(
            publisher,
            topology,
            metrics,
            download=download,
            read=engine.read,
            concurrency=settings.ocr_concurrency,
            max_backoff=settings.dependency_backoff_max_seconds,
        )
        # As many jobs in hand as tesseract runs at once; the rest wait in the queue, where
        # another OCR process can take them.
        jobs = QueueConsumer(
            topology.ocr_queue, job_handler(runner), settings.ocr_concurrency, metrics=messaging
        )
        health = heartbeat(settings.health_file, connection) if settings.health_file else None
        try:
            with serving_metrics(registry, settings.metrics_host, settings.metrics_port):
                async with background(health):
                    await jobs.start(connection)
                    log.info(
                        "ocr ready",
                        extra={"languages": settings.ocr_languages, "concurrency": settings.ocr_concurrency},
                    )
                    try:
                        yield
                    finally:
                        # A job waiting out an outage is handed back at once; one being read
                        # finishes and is acknowledged.
                        runner.stopping.set()
                        await jobs.stop(settings.ocr_timeout_seconds + GRACEFUL_MARGIN_SECONDS)
        finally:
            await connection.close()
            await http.close()

    return Service("ocr", lifespan)
