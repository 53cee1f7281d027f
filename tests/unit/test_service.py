"""A service process stops gracefully on SIGTERM/SIGINT, and a signal during its start
(waiting for a dependency) does not leave it hanging."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator

from services.common.service import Service


async def test_a_signal_while_serving_leaves_the_lifespan_in_order() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        events.append("opened")
        try:
            yield
        finally:
            events.append("closed")

    asyncio.get_running_loop().call_later(0.1, os.kill, os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(Service("test", lifespan).run(), 10)
    assert events == ["opened", "closed"]


async def test_a_signal_while_starting_cancels_the_start() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        try:
            await asyncio.sleep(3600)  # a dependency that never comes up
        except asyncio.CancelledError:
            events.append("start cancelled")
            raise
        yield

    asyncio.get_running_loop().call_later(0.1, os.kill, os.getpid(), signal.SIGINT)
    await asyncio.wait_for(Service("test", lifespan).run(), 10)
    assert events == ["start cancelled"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers removed
