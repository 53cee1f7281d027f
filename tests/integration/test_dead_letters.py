"""A handler's dead letters reach RabbitMQ as the admin command expects them."""

from __future__ import annotations

import aio_pika
import pytest

from services.common.amqp.connection import connect_robust
from services.common.amqp.publisher import ConfirmedPublisher
from services.handler.dead_letters import DeadLetterQueue
from shared.topology import (
    HEADER_DEAD_AT,
    HEADER_DEAD_ATTEMPTS,
    HEADER_DEAD_ERROR,
    HEADER_DEAD_INSTANCE,
    HEADER_DEAD_REASON,
    HEADER_UPDATE_ID,
    Topology,
)

pytestmark = pytest.mark.integration


async def test_a_dead_letter_is_the_update_unchanged_with_why_and_when(amqp_url: str, namespace: str) -> None:
    topology = Topology(namespace)
    robust = await connect_robust(amqp_url)  # as a replica publishes its dead letters
    try:
        publisher = await ConfirmedPublisher.open(robust, "dead letters", timeout=5.0)
        queue = DeadLetterQueue(publisher, topology, "handler-dlq")
        await queue.declare()
        body = b'{"update_id": 42, "message": {"text": "\\u00b2 | 850"}}'
        await queue.put(body, {HEADER_UPDATE_ID: 42}, reason="failed", attempts=3, error="ValueError:\n boom " * 100)
    finally:
        await robust.close()
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        dlq = await channel.declare_queue(
            topology.dead_letters_queue.name, durable=True, arguments=topology.dead_letters_queue.arguments
        )
        message = await dlq.get(no_ack=True)
    finally:
        await connection.close()
    assert message.body == body and message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.message_id == "42"
    headers = message.headers
    assert headers[HEADER_UPDATE_ID] == 42 and headers[HEADER_DEAD_REASON] == "failed"
    assert headers[HEADER_DEAD_ATTEMPTS] == 3 and headers[HEADER_DEAD_INSTANCE] == "handler-dlq"
    assert isinstance(headers[HEADER_DEAD_AT], int) and headers[HEADER_DEAD_AT] > 1_700_000_000_000
    error = headers[HEADER_DEAD_ERROR]
    assert error.startswith("ValueError: boom") and "\n" not in error and len(error) <= 500
