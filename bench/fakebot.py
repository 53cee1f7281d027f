"""A minimal, cheap fake Telegram Bot API for the benchmark.

Raw asyncio HTTP/1.1 with keep-alive (no framework), so that it costs little CPU next to what
is measured.  Every call is answered after ``latency`` seconds with ``{"ok": true, ...}``; its
arrival is time-stamped (``time.perf_counter()``) and handed to ``on_call`` at once, so the
load generator sees the bot's replies as they are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Call:
    at: float  # perf_counter() when the request arrived
    method: str
    chat_id: int | None
    params: dict[str, Any]
    message_id: int


OnCall = Callable[[Call], None]


class FakeBotApi:
    def __init__(self, latency: float = 0.05, on_call: OnCall | None = None) -> None:
        self.latency = latency
        self.on_call = on_call
        self.calls = 0
        self._message_ids = itertools.count(1)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = await asyncio.start_server(self._serve, host, port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, _, rest = head.partition(b"\r\n")
                length = 0
                for line in rest.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length) if length else b""
                at = time.perf_counter()
                path = request_line.split(b" ")[1].decode()
                method = path.rsplit("/", 1)[-1]
                params: dict[str, Any]
                try:
                    params = json.loads(body) if body[:1] == b"{" else {}
                except ValueError:
                    params = {}
                chat = params.get("chat_id")
                message_id = next(self._message_ids)
                self.calls += 1
                if self.on_call is not None:
                    self.on_call(Call(at, method, chat if isinstance(chat, int) else None, params, message_id))
                if method == "answerCallbackQuery":
                    payload = b'{"ok":true,"result":true}'
                else:
                    payload = (
                        b'{"ok":true,"result":{"message_id":%d,"date":%d,"chat":{"id":%d,"type":"private"}}}'
                        % (message_id, int(time.time()), chat if isinstance(chat, int) else 0)
                    )
                if self.latency > 0:
                    await asyncio.sleep(self.latency)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(payload), payload)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, asyncio.CancelledError):
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
