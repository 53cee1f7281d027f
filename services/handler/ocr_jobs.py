"""Handing ticket photos to the OCR service: one confirmed, persistent ``OcrJob`` each.

OCR runs in its own service on its own queue (``Topology.ocr_queue``), so a slow reading
never holds a partition; its result comes back into the user's partition (shared.ocr_api).
"""

from __future__ import annotations

from services.common.amqp.connection import FailoverBroker
from services.handler.errors import DependencyUnavailable
from shared.ocr_api import OcrJob
from shared.topology import Topology


class OcrJobs:
    def __init__(self, broker: FailoverBroker, topology: Topology, timeout: float) -> None:
        self._broker = broker
        self._queue = topology.ocr_queue
        self._publisher = broker.publisher(
            queue=self._queue,
            title="handler: ticket photo to read",
            description="A ticket photo a user sent, for the OCR service.",
            schema=OcrJob,
        )
        self._timeout = timeout

    async def declare(self) -> None:
        await self._broker.declare_queue(self._queue)

    async def submit(self, job: OcrJob) -> None:
        """Publish the job, confirmed; a broker that cannot take it raises a retryable error."""
        try:
            await self._publisher.publish(
                job,
                persist=True,
                mandatory=True,
                timeout=self._timeout,
                message_id=f"ocr-{job.user_id}-{job.update_id}",
            )
        except Exception as exc:
            await self._broker.renew_if_refused(exc)  # a quorum queue's new leader: renewal.py
            raise DependencyUnavailable(f"ocr job publish failed: {type(exc).__name__}") from exc
