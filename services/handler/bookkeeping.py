"""The handler replicas' own bookkeeping in PostgreSQL: who is alive.

``handler.replicas`` holds one heartbeat row per replica; the live ones (a heartbeat within
``REPLICA_TIMEOUT_SECONDS``) share the update partitions between them (``assignment.py``).
How often an update came back unfinished is counted by its quorum queue
(``x-delivery-count``), not here.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import asyncpg

from services.common.db import ServiceRole
from services.handler.tracker import schema as tracker_schema

log = logging.getLogger(__name__)

SCHEMA = "handler"

# The role the handler replicas run as (docs/security.md): it owns schemas ``tracker`` and
# ``handler`` and has no access to the session service's.  With MIGRATION_DATABASE_URL the
# role is DATABASE_URL's user.
ROLE = ServiceRole("pokertracker_handler")

MIGRATIONS: list[str] = [
    # 1: heartbeats of the live replicas, and redelivery counts of unfinished updates.
    """
    CREATE TABLE handler.replicas (
        instance text PRIMARY KEY,
        partitions integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE handler.redeliveries (
        update_id bigint PRIMARY KEY,
        deliveries integer NOT NULL,
        last_at timestamptz NOT NULL DEFAULT now()
    );
    """,
    # 2: the partitions are quorum queues, which count an update's deliveries themselves.
    "DROP TABLE handler.redeliveries;",
]

# What a replica migrates at start (``db.open_pool``), and ``pokertracker-admin db setup``:
# the tracker data, then this bookkeeping.
SCHEMAS = [(tracker_schema.SCHEMA, tracker_schema.MIGRATIONS), (SCHEMA, MIGRATIONS)]

_BEAT = """
INSERT INTO handler.replicas AS r (instance, partitions) VALUES ($1, $2)
ON CONFLICT (instance) DO UPDATE SET heartbeat_at = now(), partitions = EXCLUDED.partitions
"""

_LIVE = """
SELECT instance, partitions FROM handler.replicas
WHERE heartbeat_at > now() - $1::interval ORDER BY instance
"""

# Rows of replicas that died without leaving; long gone, so no live replica can be among them.
_FORGET_DEAD = "DELETE FROM handler.replicas WHERE heartbeat_at < now() - interval '1 hour'"

_LEAVE = "DELETE FROM handler.replicas WHERE instance = $1"


class ReplicaRegistry:
    """Heartbeats of this replica, and the list of live replicas that agree on partitions."""

    def __init__(self, pool: asyncpg.Pool, instance: str, partitions: int, timeout: float) -> None:
        self._pool = pool
        self._instance = instance
        self._partitions = partitions
        self._timeout = timedelta(seconds=timeout)
        self._disagreeing: frozenset[str] = frozenset()

    async def beat(self) -> list[str]:
        """Record that this replica is alive; return the live replicas, itself included."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_BEAT, self._instance, self._partitions)
            await conn.execute(_FORGET_DEAD)
            rows = await conn.fetch(_LIVE, self._timeout)
        live = [r["instance"] for r in rows if r["partitions"] == self._partitions]
        disagreeing = frozenset(r["instance"] for r in rows) - set(live)
        if disagreeing and disagreeing != self._disagreeing:
            # Two partition counts at once would route one user to two queues: say so loudly.
            log.error(
                "replicas disagree on UPDATE_PARTITIONS; ignoring them",
                extra={"replicas": sorted(disagreeing), "partitions": self._partitions},
            )
        self._disagreeing = disagreeing
        return live

    async def leave(self) -> None:
        """Remove this replica's row so the others take its partitions without waiting."""
        await self._pool.execute(_LEAVE, self._instance)
