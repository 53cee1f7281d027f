"""Composition of the OCR service: ``create_app(settings)`` wires broker, engine and Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from faststream import FastStream
from faststream.rabbit import RabbitBroker
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from faststream.rabbit.schemas import Channel
from prometheus_client import CollectorRegistry

from services.common.amqp.connection import FailoverBroker
from services.common.health import background
from services.common.metrics import serving_metrics
from services.common.startup import until_up
from services.common.telegram import BotClient, TelegramFiles, open_session
from services.ocr.engine import TesseractEngine
from services.ocr.jobs import JobRunner, build_router
from services.ocr.metrics import OcrMetrics
from services.ocr.settings import OcrSettings

log = logging.getLogger(__name__)

# Beyond the longest tesseract run, so a job in hand finishes (and is acknowledged) on SIGTERM.
GRACEFUL_MARGIN_SECONDS = 15.0


async def heartbeat(path: Path, broker: RabbitBroker, interval: float = 5.0) -> None:
    """Touch ``path`` every ``interval`` seconds while RabbitMQ answers (the service has no
    database; ``python -m services.common.health`` checks the file)."""
    while True:
        try:
            ok = await asyncio.wait_for(broker.ping(1.0), timeout=interval)
        except Exception:  # noqa: BLE001 - a failing probe is exactly what the file reports
            ok = False
        if ok:
            path.touch()
        await asyncio.sleep(interval)


def create_app(settings: OcrSettings) -> FastStream:
    topology = settings.topology()
    registry = CollectorRegistry()
    metrics = OcrMetrics(registry)
    # Publishes TicketReads confirmed and mandatory (an unroutable one raises, and is retried);
    # the job subscriber has its own channel with prefetch OCR_CONCURRENCY.
    broker = FailoverBroker(
        settings.amqp_url,
        default_channel=Channel(publisher_confirms=True, on_return_raises=True),
        middlewares=[RabbitPrometheusMiddleware(registry=registry, app_name="ocr")],
        graceful_timeout=settings.ocr_timeout_seconds + GRACEFUL_MARGIN_SECONDS,
        log_level=logging.DEBUG,
    )
    runner = JobRunner(
        broker,
        topology,
        metrics,
        concurrency=settings.ocr_concurrency,
        max_backoff=settings.dependency_backoff_max_seconds,
    )
    broker.include_router(build_router(topology, runner, settings.ocr_concurrency))
    engine = TesseractEngine(settings.ocr_languages, settings.ocr_timeout_seconds)

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        async def connect_and_declare() -> None:
            await broker.connect()
            # The gateway declares it too (same arguments): a TicketRead is never published
            # to an exchange that does not exist.  The job queue is declared by the subscriber.
            await broker.declare_exchange(topology.updates_exchange)

        # FastStream's start reuses this connection; its own first connect would not retry.
        await until_up("RabbitMQ", connect_and_declare)
        http = open_session(settings.bot_api_timeout_seconds, settings.ocr_concurrency)
        # One try per call: the job's own retries (jobs.py) wait out whatever fails.
        bot = BotClient(http, settings.telegram_api_url, settings.bot_token.get_secret_value(),
                        max_attempts=1)  # fmt: skip
        files = TelegramFiles(bot)

        async def download(file_id: str) -> bytes:
            return await files.download(file_id, settings.ocr_max_file_bytes)

        runner.download = download
        runner.read = engine.read
        health = heartbeat(settings.health_file, broker) if settings.health_file else None
        log.info(
            "ocr ready",
            extra={"languages": settings.ocr_languages, "concurrency": settings.ocr_concurrency},
        )
        try:
            with serving_metrics(registry, settings.metrics_host, settings.metrics_port):
                async with background(health):
                    yield
        finally:
            await http.close()

    app = FastStream(broker, lifespan=lifespan, logger=log)
    # Runs before the broker stops: a job waiting out an outage is handed back at once.
    app.on_shutdown(runner.stopping.set)
    return app
