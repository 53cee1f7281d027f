"""Posting updates to a webhook the way Telegram does: over at most ``max_connections``
keep-alive HTTP/1.1 connections, each carrying one request at a time, with the secret header.

Plain asyncio streams, no HTTP client library, so that the load generator's own cost per
request stays small beside the system it measures.
"""

from __future__ import annotations

import asyncio
import time

THROTTLED_HEADER = b"x-throttled"  # services/gateway/flood.py


class Connection:
    """One keep-alive connection to the webhook."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer


class WebhookClient:
    """A pool of at most ``max_connections`` connections to ``webhook_url``."""

    def __init__(self, webhook_url: str, secret: str, max_connections: int) -> None:
        rest = webhook_url.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        self.host, _, port = hostport.partition(":")
        self.port = int(port or 80)
        self.path = "/" + path
        self.secret = secret
        self.max_connections = max_connections
        self._pool: asyncio.Queue[Connection] = asyncio.Queue()
        self._opened = 0

    async def connection(self) -> Connection:
        """A free connection: an idle one, a new one while under the limit, or the next one
        to come free."""
        if self._pool.empty() and self._opened < self.max_connections:
            self._opened += 1
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except BaseException:
                self._opened -= 1
                raise
            return Connection(reader, writer)
        return await self._pool.get()

    async def post(self, conn: Connection, body: bytes) -> tuple[int, bool, float]:
        """POST ``body`` on ``conn`` and read the answer; (status, throttled, answered at).
        The connection goes back to the pool, unless the server closes it or it fails."""
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nX-Telegram-Bot-Api-Secret-Token: {self.secret}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        try:
            conn.writer.write(head + body)
            head_in = await conn.reader.readuntil(b"\r\n\r\n")
            answered = time.perf_counter()
            status = int(head_in.split(b" ", 2)[1])
            length, throttled, close = 0, False, False
            for line in head_in.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip())
                elif name == THROTTLED_HEADER:
                    throttled = True
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            if length:
                await conn.reader.readexactly(length)
        except BaseException:
            conn.writer.transport.abort()
            self._opened -= 1
            raise
        if close:
            conn.writer.close()
            self._opened -= 1
        else:
            self._pool.put_nowait(conn)
        return status, throttled, answered

    def close(self) -> None:
        """Close the idle connections."""
        while not self._pool.empty():
            self._pool.get_nowait().writer.close()
        self._opened = 0
