"""A service process: its resources opened, served, and closed in order on SIGTERM/SIGINT.

Each service's ``create_app(settings)`` builds a ``Service`` from a lifespan: an async
context manager that opens the resources (waiting for the ones that are down), builds the
objects that use them, starts serving, and on leaving stops serving and closes everything in
the order the service needs.  ``run`` is the process (``python -m services.<name>``); tests
enter ``lifespan`` themselves to run a service inside their own event loop.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

log = logging.getLogger(__name__)

STARTED = "service started"  # logged once the lifespan is entered: what launchers wait for


@dataclass(frozen=True)
class Service:
    name: str
    lifespan: Callable[[], AbstractAsyncContextManager[None]]

    async def run(self) -> None:
        """Start, serve until SIGTERM or SIGINT, then stop gracefully."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        signals = (signal.SIGTERM, signal.SIGINT)
        for signum in signals:
            loop.add_signal_handler(signum, stop.set)
        try:
            async with self.lifespan():
                log.info(STARTED, extra={"service": self.name})
                await stop.wait()
                log.info("service stopping", extra={"service": self.name})
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)
        log.info("service stopped", extra={"service": self.name})
