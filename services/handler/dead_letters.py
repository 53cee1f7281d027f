"""Moving an update that failed every try out of its partition, into the dead-letter queue.

The update is published unchanged (body and the gateway's headers) with the reason, the
number of tries, the last error, when and by whom, confirmed by RabbitMQ before the original
is acknowledged.  ``pokertracker-admin dead-letters list|replay`` shows and re-publishes them.
"""

from __future__ import annotations

from typing import Any

from aio_pika.abc import FieldValue

from services.common.amqp import declare_queue
from services.common.amqp.publisher import ConfirmedPublisher, PublishFailed
from services.handler.errors import DependencyUnavailable
from shared.topology import (
    HEADER_DEAD_AT,
    HEADER_DEAD_ATTEMPTS,
    HEADER_DEAD_ERROR,
    HEADER_DEAD_INSTANCE,
    HEADER_DEAD_REASON,
    HEADER_UPDATE_ID,
    Topology,
    now_ms,
)

MAX_ERROR_CHARS = 500


class DeadLetterQueue:
    def __init__(self, publisher: ConfirmedPublisher, topology: Topology, instance: str) -> None:
        self._publisher = publisher
        self._queue = topology.dead_letters_queue
        self._instance = instance

    async def declare(self) -> None:
        await declare_queue(self._publisher.channel, self._queue)

    async def put(
        self, body: bytes, headers: dict[str, Any], *, reason: str, attempts: int, error: str
    ) -> None:
        """Publish one dead letter, confirmed; a broker that cannot take it raises a retryable error."""
        dead_headers: dict[str, FieldValue] = {
            **headers,
            HEADER_DEAD_REASON: reason,
            HEADER_DEAD_ATTEMPTS: attempts,
            HEADER_DEAD_ERROR: " ".join(error.split())[:MAX_ERROR_CHARS],
            HEADER_DEAD_AT: now_ms(),
            HEADER_DEAD_INSTANCE: self._instance,
        }
        update_id = headers.get(HEADER_UPDATE_ID)
        try:
            await self._publisher.publish(
                body,
                routing_key=self._queue.name,
                message_id=None if update_id is None else str(update_id),
                headers=dead_headers,
            )
        except PublishFailed as exc:
            raise DependencyUnavailable(f"dead-letter publish failed: {exc.reason}") from exc
