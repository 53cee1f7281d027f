"""One OCR job, from the queue to the user's partition: download, read, parse, publish.

A job is acknowledged only once its ``TicketRead`` is confirmed by RabbitMQ, so a crash at
any point repeats it (the handler deduplicates on ``event_id``).  Outages are waited out:
the Bot API (network, 5xx, 429) and RabbitMQ (an unconfirmed or unroutable publish) are
retried with back-off for as long as they last.  What can never succeed is answered at once:
a file Telegram will not give, or that is not an image, is ``unavailable``; an image with
nothing usable on it (or tesseract failing or timing out on it) is ``unreadable``.

When the service stops, a job still waiting out an outage is handed back to the queue
(nack with requeue) instead of being held until the graceful timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from aio_pika.abc import FieldValue
from faststream.exceptions import NackMessage
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitMessage, RabbitRouter
from faststream.rabbit.schemas import Channel

from services.common.amqp.connection import FailoverBroker
from services.common.logs import user_hash
from services.common.retry import RetryPolicy, Stopped
from services.common.telegram import BotApiError, FileUnavailable, Unavailable
from services.ocr.engine import NotAnImage, OcrFailed, OcrTimeout
from services.ocr.metrics import OcrMetrics
from services.ocr.ticket import has_fields, nothing_read, parse_ticket
from shared.ocr_api import (
    KIND_TICKET_READ,
    OcrJob,
    TicketFields,
    TicketRead,
    ticket_event_id,
)
from shared.topology import (
    HEADER_ACCEPTED_AT,
    HEADER_KIND,
    HEADER_UPDATE_ID,
    HEADER_USER_ID,
    Topology,
    now_ms,
)

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 10.0
FIRST_BACKOFF_SECONDS = 0.5

JOB_DESCRIPTION = (
    "A ticket photo to read (shared/ocr_api.py OcrJob), published by the handler. The OCR "
    "service downloads it with getFile, reads it with tesseract and publishes a TicketRead "
    "to the user's update partition; the job is acknowledged only after that publish is "
    "confirmed. An invalid job is rejected."
)
READ_DESCRIPTION = (
    "What the OCR service read off a ticket photo (shared/ocr_api.py TicketRead), published "
    "to the updates exchange with the user's partition routing key and headers "
    "x-kind=ticket-read, x-user-id, x-update-id=event_id (the negative of the photo's "
    "update_id) and x-accepted-at-ms; persistent, confirmed, mandatory."
)


class Abandoned(Exception):
    """The service is stopping while the job waits out an outage: hand it back."""


class PublishFailed(Exception):
    """RabbitMQ did not confirm the TicketRead: unreachable, unroutable or too slow."""

    retry_after = None

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Status = Literal["read", "unreadable", "unavailable"]
T = TypeVar("T")
A = TypeVar("A")
Reader = Callable[[bytes], Awaitable[str]]
Downloader = Callable[[str], Awaitable[bytes]]


@dataclass
class JobRunner:
    """Runs jobs; ``download`` and ``read`` are filled in by the app's lifespan."""

    broker: FailoverBroker
    topology: Topology
    metrics: OcrMetrics
    concurrency: int = 1
    max_backoff: float = 5.0
    download: Downloader | None = None
    read: Reader | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._slots = asyncio.Semaphore(self.concurrency)
        self._publisher = self.broker.publisher(
            exchange=self.topology.updates_exchange,
            title="ocr: ticket read",
            description=READ_DESCRIPTION,
            schema=TicketRead,
        )

    async def run(self, job: OcrJob, *, redelivered: bool = False) -> TicketRead:
        """Do one job to the end (its TicketRead confirmed); raises Abandoned when stopping."""
        started = time.perf_counter()
        try:
            data = await self._patiently("bot api", self._download, job.file_id)
        except FileUnavailable as exc:
            log.info("ticket file unavailable", extra={"user": user_hash(job.user_id),
                                                       "reason": str(exc)[:200]})  # fmt: skip
            status: Status = "unavailable"
            fields = nothing_read()
        else:
            status, fields = await self._read(data, job)
        read = TicketRead(
            user_id=job.user_id,
            chat_id=job.chat_id,
            event_id=ticket_event_id(job.update_id),
            language_code=job.language_code,
            status=status,
            fields=fields,
        )
        await self._patiently("rabbitmq", self._publish, read)
        self.metrics.jobs.labels(status).inc()
        for name, value in fields:
            if value is not None:
                self.metrics.fields_read.labels(name).inc()
        elapsed = time.perf_counter() - started
        self.metrics.job_seconds.observe(elapsed)
        log.info(
            "ocr job done",
            extra={
                "user": user_hash(job.user_id),
                "update_id": job.update_id,
                "status": status,
                "fields": [name for name, value in fields if value is not None],
                "redelivered": redelivered,
                "ms": round(elapsed * 1000),
            },
        )
        return read

    async def _download(self, file_id: str) -> bytes:
        if self.download is None:  # pragma: no cover - the lifespan always sets it first
            raise RuntimeError("downloader not initialised")
        try:
            return await self.download(file_id)
        except BotApiError as exc:
            self.metrics.download_errors.labels(exc.reason).inc()
            raise

    async def _read(self, data: bytes, job: OcrJob) -> tuple[Status, TicketFields]:
        """(status, fields) of an image; never raises but Abandoned."""
        if self.read is None:  # pragma: no cover - the lifespan always sets it first
            raise RuntimeError("reader not initialised")
        what = {"user": user_hash(job.user_id), "update_id": job.update_id}
        started = time.perf_counter()
        try:
            async with self._slots:
                text = await self.read(data)
        except NotAnImage as exc:
            log.info("ticket file is not an image", extra={**what, "reason": str(exc)[:200]})
            return "unavailable", nothing_read()
        except OcrTimeout:
            log.warning("ocr timed out", extra=what)
            return "unreadable", nothing_read()
        except OcrFailed as exc:
            log.error("ocr failed", extra={**what, "error": str(exc)[:300]})
            return "unreadable", nothing_read()
        except Exception:  # a bug must not lose the job: the user is told it was unreadable
            log.exception("ocr crashed", extra=what)
            return "unreadable", nothing_read()
        finally:
            self.metrics.ocr_seconds.observe(time.perf_counter() - started)
        fields = parse_ticket(text)
        return ("read" if has_fields(fields) else "unreadable"), fields

    async def _publish(self, read: TicketRead) -> None:
        headers: dict[str, FieldValue] = {
            HEADER_KIND: KIND_TICKET_READ,
            HEADER_USER_ID: read.user_id,
            HEADER_UPDATE_ID: read.event_id,
            HEADER_ACCEPTED_AT: now_ms(),
        }
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
                await self._publisher.publish(
                    read,
                    # The user's partition: the reading joins their other updates, in order.
                    routing_key=self.topology.routing_key(read.user_id, read.event_id),
                    persist=True,
                    mandatory=True,
                    timeout=PUBLISH_TIMEOUT_SECONDS,
                    content_type="application/json",
                    message_id=str(read.event_id),
                    headers=headers,
                )
        except Exception as exc:  # noqa: BLE001 - whatever it was, RabbitMQ does not hold it
            self.metrics.publish_retries.inc()
            await self.broker.renew_if_refused(exc)  # a quorum queue's new leader: renewal.py
            raise PublishFailed(f"publish {type(exc).__name__}") from None

    async def _patiently(self, what: str, attempt: Callable[[A], Awaitable[T]], arg: A) -> T:
        """``attempt(arg)`` until it raises no outage, backing off in between (a 429's
        ``retry_after`` instead, when Telegram gives one)."""
        if self.stopping.is_set():
            raise Abandoned(what)

        def retrying(exc: BaseException, wait: float, tries: int) -> None:
            log.warning(
                f"{what} unavailable, retrying", extra={"error": str(exc), "retry_in": round(wait, 2)}
            )

        policy = RetryPolicy(
            FIRST_BACKOFF_SECONDS, self.max_backoff, retry_on=(Unavailable, PublishFailed)
        )
        try:
            return await policy.run(
                lambda: attempt(arg), stopping=self.stopping, on_retry=retrying
            )
        except Stopped:
            raise Abandoned(what) from None


def build_router(topology: Topology, runner: JobRunner, prefetch: int) -> RabbitRouter:
    router = RabbitRouter()

    @router.subscriber(
        topology.ocr_queue,
        # As many jobs in hand as tesseract runs at once; the rest wait in the queue, where
        # another OCR process can take them.
        channel=Channel(prefetch_count=prefetch),
        ack_policy=AckPolicy.REJECT_ON_ERROR,
        title="ocr: job",
        description=JOB_DESCRIPTION,
    )
    async def ocr_job(job: OcrJob, message: RabbitMessage) -> None:
        try:
            await runner.run(job, redelivered=bool(message.raw_message.redelivered))
        except Abandoned:
            log.info("ocr job handed back: stopping", extra={"user": user_hash(job.user_id)})
            raise NackMessage(requeue=True) from None

    return router
