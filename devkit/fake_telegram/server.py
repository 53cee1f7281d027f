"""The fake's Bot API served in the caller's own event loop over a minimal HTTP/1.1 server
(keep-alive, Content-Length bodies), for a process that needs the Bot API beside what it does:
the benchmark's load generator reads every call through ``FakeTelegram.on_call``.  The calls
run through the same :class:`FakeTelegram` as the full app's, so the answers are the same;
the ``/_...`` routes and file downloads are the app's alone (:func:`create_app`).  A
framework's request handling would cost several times the CPU of the fake's own work, and
this process shares the machine with what it measures.

Faults scripted in Python (``server.fake.faults.script(...)``) answer here as in the app, Bot
API methods only; a call costs one more check while none is scripted."""

from __future__ import annotations

import asyncio
import contextlib
import time
from urllib.parse import parse_qsl

from devkit.fake_telegram.answers import BotApiError, JsonDict
from devkit.fake_telegram.config import FakeTelegramConfig
from devkit.fake_telegram.faults import Answer
from devkit.fake_telegram.params import parse_params
from devkit.fake_telegram.state import FakeTelegram

_NOT_FOUND = Answer(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
_REASONS = {200: b"OK", 400: b"Bad Request", 401: b"Unauthorized", 404: b"Not Found",
            429: b"Too Many Requests", 500: b"Internal Server Error"}  # fmt: skip


class FakeTelegramServer:
    """``url = await server.start()``; ``server.fake`` answers Bot API calls there until
    ``close()``: ``/bot{token}/{method}`` with JSON, urlencoded or multipart parameters."""

    def __init__(self, config: FakeTelegramConfig) -> None:
        self.fake = FakeTelegram(config)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0: any free port); return the base URL."""
        self._server = await asyncio.start_server(self._serve, host, port, backlog=1024)
        return f"http://{host}:{self._server.sockets[0].getsockname()[1]}"

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._server.wait_closed()
        self._server = None
        await self.fake.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrived = time.perf_counter()
                request_line, _, header_lines = head.decode("latin-1").partition("\r\n")
                headers: dict[str, str] = {}
                for line in header_lines.split("\r\n"):
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                status, answer, content_type, cut_after = await self._answer(request_line, headers, body, arrived)
                writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s" % (
                    status, _REASONS.get(status, b"Error"), content_type.encode("latin-1"), len(answer),
                    answer if cut_after is None else answer[:cut_after]))  # fmt: skip
                await writer.drain()
                if cut_after is not None and cut_after < len(answer):
                    break  # a scripted fault: the body is cut short by closing the connection
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass  # the client went away, or sent what this server does not read
        finally:
            self._connections.discard(task)
            writer.close()

    async def _answer(
        self, request_line: str, headers: dict[str, str], body: bytes, arrived: float
    ) -> Answer:
        """Run the call ``/bot{token}/{method}`` names, as the app's Bot API route does."""
        target = request_line.split(" ")[1] if request_line.count(" ") >= 2 else ""
        path, _, query = target.partition("?")
        _, bot, method = path.split("/", 2) if path.count("/") == 2 else ("", "", "")
        if not bot.startswith("bot") or not method:
            return _NOT_FOUND
        parse_error: BotApiError | None = None
        params: JsonDict = {}
        try:
            params = parse_params(dict(parse_qsl(query, keep_blank_values=True)), body,
                                  headers.get("content-type", ""))  # fmt: skip
        except BotApiError as err:
            parse_error = err
        if self.fake.config.latency > 0:
            await asyncio.sleep(self.fake.config.latency)
        if self.fake.faults:
            return await self.fake.answer(bot.removeprefix("bot"), method, params, parse_error, arrived)
        return Answer(*await self.fake.call(bot.removeprefix("bot"), method, params, parse_error, arrived))
