"""A service process: its resources opened, served, and closed in order on SIGTERM/SIGINT.

Each service's ``create_app(settings)`` builds a ``Service`` from a lifespan: an async
context manager that opens the resources (waiting for the ones that are down), builds the
objects that use them, starts serving, and on leaving stops serving and closes everything in
the order the service needs.  ``run`` is the process (``python -m services.<name>``); tests
enter ``lifespan`` themselves to run a service inside their own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
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
        """Start, serve until SIGTERM or SIGINT, then stop gracefully.  A signal that comes
        while the service is still starting (waiting for a dependency) cancels the start."""
        stop = asyncio.Event()
        started = asyncio.Event()
        loop = asyncio.get_running_loop()
        signals = (signal.SIGTERM, signal.SIGINT)
        for signum in signals:
            loop.add_signal_handler(signum, stop.set)

        async def serve() -> None:
            async with self.lifespan():
                started.set()
                log.info(STARTED)
                await stop.wait()
                log.info("service stopping")

        serving = asyncio.create_task(serve())
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait((serving, stopped), return_when=asyncio.FIRST_COMPLETED)
            if not started.is_set():
                serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
        finally:
            stopped.cancel()
            for signum in signals:
                loop.remove_signal_handler(signum)
        log.info("service stopped")
