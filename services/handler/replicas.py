"""Keeping this replica's share of the partitions right as replicas come and go."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Gauge

from services.handler.assignment import assign
from services.handler.bookkeeping import ReplicaRegistry
from services.handler.partitions import PartitionConsumer

log = logging.getLogger(__name__)


async def follow_assignment(
    registry: ReplicaRegistry,
    consumer: PartitionConsumer,
    *,
    instance: str,
    partitions: int,
    interval: float,
    owned: Gauge,
) -> None:
    """Heartbeat every ``interval`` and consume the partitions the live replicas give us.

    Runs until cancelled.  If PostgreSQL is unreachable the current partitions are kept: a
    replica that others believe dead may still be consuming, but single-active-consumer keeps
    its successor on standby until it lets go, so no partition is ever consumed twice at once.
    """
    current: frozenset[int] | None = None
    while True:
        try:
            live = await registry.beat()
            mine = assign(partitions, live).get(instance, frozenset())
            if mine != current:
                log.info(
                    "partitions assigned",
                    extra={"replicas": len(live), "partitions": len(mine), "instance": instance},
                )
                current = mine
                owned.set(len(mine))
            consumer.assign(mine)
        except Exception as exc:
            log.warning("replica heartbeat failed; keeping current partitions", extra={"error": repr(exc)})
        await asyncio.sleep(interval)
