"""A heartbeat file for container healthchecks of services that serve no HTTP, and the
background tasks a service runs beside its consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the healthcheck CLI below runs every few seconds: keep it light
    import asyncpg
    from aio_pika.abc import AbstractRobustConnection

log = logging.getLogger(__name__)


async def heartbeat(
    path: Path,
    connection: AbstractRobustConnection,
    pool: asyncpg.Pool | None = None,
    interval: float = 5.0,
) -> None:
    """Touch ``path`` every ``interval`` seconds while the process's broker connection is up
    and PostgreSQL (``pool``, for a service that has one) answers."""

    async def healthy() -> bool:
        if connection.is_closed or not connection.connected.is_set():
            return False
        return pool is None or await pool.fetchval("SELECT 1") == 1

    while True:
        try:
            ok = await asyncio.wait_for(healthy(), timeout=interval)
        except Exception:  # a failing probe is exactly what the file reports
            ok = False
        if ok:
            path.touch()
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def background(*jobs: Coroutine[Any, Any, None] | None) -> AsyncIterator[None]:
    """Run ``jobs`` (``None`` entries skipped) for the duration of the block, then cancel them."""
    tasks = [asyncio.create_task(job) for job in jobs if job is not None]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def main() -> None:
    """``python -m services.common.health [FILE [MAX_AGE]]``: exit 0 if FILE is fresh.

    FILE defaults to $HEALTH_FILE and MAX_AGE to 30 seconds (the container healthcheck).
    """
    args = sys.argv[1:]
    path = Path(args[0] if args else os.environ.get("HEALTH_FILE", ""))
    max_age = float(args[1]) if len(args) > 1 else 30.0
    try:
        fresh = time.time() - path.stat().st_mtime < max_age
    except OSError:  # missing, or HEALTH_FILE unset
        fresh = False
    raise SystemExit(0 if fresh else 1)


if __name__ == "__main__":
    main()
