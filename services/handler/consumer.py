"""The subscriber that feeds updates from RabbitMQ into the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter
from faststream.rabbit.annotations import RabbitMessage

from services.handler.processing import UpdateProcessor
from shared.topology import Topology


@dataclass
class Resources:
    """Filled in by the app's lifespan before the broker starts consuming."""

    processor: UpdateProcessor | None = None


def build_router(topology: Topology, resources: Resources) -> RabbitRouter:
    router = RabbitRouter()

    # Acknowledged only when process() returns; an exception puts the update back.
    @router.subscriber(
        topology.updates_queue, topology.updates_exchange, ack_policy=AckPolicy.NACK_ON_ERROR
    )
    async def on_update(message: RabbitMessage) -> None:
        assert resources.processor is not None
        await resources.processor.process(message.body)

    return router
