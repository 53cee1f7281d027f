"""Handing ticket photos to the OCR service: one confirmed, persistent ``OcrJob`` each.

OCR runs in its own service on its own queue (``Topology.ocr_queue``), so a slow reading
never holds a partition; its result comes back into the user's partition (shared.ocr_api).
"""

from __future__ import annotations

from services.common.amqp import declare_queue
from services.common.amqp.publisher import ConfirmedPublisher, PublishFailed
from services.handler.errors import DependencyUnavailable
from shared.ocr_api import OcrJob
from shared.topology import Topology


class OcrJobs:
    def __init__(self, publisher: ConfirmedPublisher, topology: Topology) -> None:
        self._publisher = publisher
        self._queue = topology.ocr_queue

    async def declare(self) -> None:
        await declare_queue(self._publisher.channel, self._queue)

    async def submit(self, job: OcrJob) -> None:
        """Publish the job, confirmed; a broker that cannot take it raises a retryable error."""
        try:
            await self._publisher.publish(
                job.model_dump_json().encode(),
                routing_key=self._queue.name,
                message_id=f"ocr-{job.user_id}-{job.update_id}",
            )
        except PublishFailed as exc:
            raise DependencyUnavailable(f"ocr job publish failed: {exc.reason}") from exc
