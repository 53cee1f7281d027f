"""Moving an update that failed every try out of its partition, into the dead-letter queue.

The update is published unchanged (body and the gateway's headers) with the reason, the
number of tries, the last error, when and by whom, confirmed by RabbitMQ before the original
is acknowledged.  ``pokertracker-admin dead-letters list|replay`` shows and re-publishes them.
"""

from __future__ import annotations

from typing import Any

from services.common.amqp.connection import FailoverBroker
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
from shared.update_message import UPDATE_DESCRIPTION, TelegramUpdate

MAX_ERROR_CHARS = 500


class DeadLetterQueue:
    def __init__(
        self, broker: FailoverBroker, topology: Topology, instance: str, timeout: float
    ) -> None:
        self._broker = broker
        self._queue = topology.dead_letters_queue
        self._publisher = broker.publisher(
            queue=self._queue,
            title="handler: dead letter",
            description="An update that failed every try, for `pokertracker-admin dead-letters`. "
            + UPDATE_DESCRIPTION,
            schema=TelegramUpdate,
        )
        self._instance = instance
        self._timeout = timeout

    async def declare(self) -> None:
        await self._broker.declare_queue(self._queue)

    async def put(
        self, body: bytes, headers: dict[str, Any], *, reason: str, attempts: int, error: str
    ) -> None:
        """Publish one dead letter, confirmed; a broker that cannot take it raises a retryable error."""
        dead_headers = {
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
                persist=True,
                mandatory=True,
                timeout=self._timeout,
                content_type="application/json",
                message_id=None if update_id is None else str(update_id),
                headers=dead_headers,
            )
        except Exception as exc:
            await self._broker.renew_if_refused(exc)  # a quorum queue's new leader: renewal.py
            raise DependencyUnavailable(f"dead-letter publish failed: {type(exc).__name__}") from exc
