"""The fake served in the caller's own event loop, on a port of its own, for a process that
needs the Bot API beside what it does (a load generator reading calls through ``on_call``)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn

from devkit.fake_telegram.config import FakeTelegramConfig
from devkit.fake_telegram.routes import create_app
from devkit.fake_telegram.state import FakeTelegram


class _Server(uvicorn.Server):
    """uvicorn, leaving the process's signals to their owner (it serves beside other work)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class FakeTelegramServer:
    """``url = await server.start()``, then ``server.fake`` answers there until ``close()``."""

    def __init__(self, config: FakeTelegramConfig) -> None:
        app = create_app(config)
        self.fake: FakeTelegram = app.state.fake
        self._server = _Server(uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=1,
            # Longer than any client's idle expiry, so a client never reuses a connection the
            # server is closing at that very moment.
            timeout_keep_alive=75, backlog=1024,
        ))  # fmt: skip
        self._task: asyncio.Task[None] | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0: any free port); return the base URL once it serves."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it
                raise RuntimeError("the fake Telegram stopped before it served")
            await asyncio.sleep(0.01)
        return f"http://{host}:{sock.getsockname()[1]}"

    async def close(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            await self._task
            self._task = None
