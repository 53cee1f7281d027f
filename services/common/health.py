"""A heartbeat file for container healthchecks of services that serve no HTTP."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[bool]]


async def heartbeat(path: Path, probe: Probe, interval: float = 5.0) -> None:
    """Touch ``path`` every ``interval`` seconds while ``probe()`` says the service is healthy."""
    while True:
        try:
            healthy = await asyncio.wait_for(probe(), timeout=interval)
        except Exception:  # a failing probe is exactly what the file reports
            healthy = False
        if healthy:
            path.touch()
        await asyncio.sleep(interval)


def main() -> None:
    """``python -m services.common.health FILE [MAX_AGE]``: exit 0 if FILE is fresh."""
    path, max_age = Path(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    try:
        fresh = time.time() - path.stat().st_mtime < max_age
    except FileNotFoundError:
        fresh = False
    raise SystemExit(0 if fresh else 1)


if __name__ == "__main__":
    main()
