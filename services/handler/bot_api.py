"""Telegram Bot API over aiohttp, with the retry policy Telegram asks clients to follow.

429 waits the ``retry_after`` Telegram gives; 5xx and network errors back off and retry;
any other 4xx is logged and dropped (retrying a bad request cannot help).

aiohttp rather than httpx: every update ends in one or more Bot API calls, and aiohttp's C
HTTP parser and leaner connection pool cost about a tenth of httpx's CPU per call.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry

from services.handler.conversation.replies import FilePart, Reply, SendFile
from services.handler.errors import DependencyUnavailable
from services.handler.metrics import HandlerMetrics

log = logging.getLogger(__name__)

# What a network failure looks like from aiohttp: connection refused/reset, a malformed or
# truncated response (ClientError), or the total timeout running out (TimeoutError).
NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError)

IDLE_SECONDS = 5.0


def open_session(timeout: float, max_connections: int) -> aiohttp.ClientSession:
    """The HTTP session for ``BotApi`` and ``TelegramFiles``; call it inside the running loop.

    ``timeout`` bounds each request as a whole (connect, send, read the body). Idle
    connections are dropped after 5 s, as httpx did: servers commonly close theirs soon
    after (uvicorn at 5 s), and a POST on a connection the server is closing fails. No
    cookies are kept: the Bot API sets none, and a jar costs work on every call.
    """
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout),
        connector=aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=IDLE_SECONDS),
        cookie_jar=aiohttp.DummyCookieJar(),
    )


class BotApi:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        token: str,
        *,
        max_attempts: int = 5,
        max_backoff: float = 10.0,
        metrics: HandlerMetrics | None = None,
    ) -> None:
        self._metrics = metrics or HandlerMetrics(CollectorRegistry())
        self._session = session
        self._base = f"{base_url.rstrip('/')}/bot{token}/"
        self._max_attempts = max_attempts
        self._max_backoff = max_backoff

    async def send(self, reply: Reply) -> Any | None:
        if isinstance(reply, SendFile):
            method, form, file = reply.to_upload()
            return await self.call(method, form, file)
        return await self.call(*reply.to_call())

    async def call(
        self, method: str, payload: dict[str, Any], file: FilePart | None = None
    ) -> Any | None:
        """The method's ``result``, or ``None`` if Telegram refused the request (4xx).

        With ``file`` the request is a multipart upload and ``payload`` its form fields.
        """
        delay = 0.5
        for attempt in range(1, self._max_attempts + 1):
            wait = delay
            self._metrics.bot_api_calls.labels(method).inc()
            try:
                status, body = await self._post(method, payload, file)
            except NETWORK_ERRORS as exc:
                self._metrics.bot_api_errors.labels(method, "network").inc()
                # str(exc) may hold the URL, and the URL holds the token: log the type only.
                log.warning(
                    "bot api unreachable",
                    extra={"method": method, "error": type(exc).__name__, "attempt": attempt},
                )
            else:
                if status < 400:
                    return body.get("result")
                self._metrics.bot_api_errors.labels(method, str(status)).inc()
                if status == 429:
                    self._metrics.bot_api_rate_limited.labels(method).inc()
                    retry_after = (body.get("parameters") or {}).get("retry_after", 1)
                    wait = float(retry_after) if isinstance(retry_after, int | float) else 1.0
                    log.warning(
                        "bot api rate limited",
                        extra={"method": method, "retry_after": wait, "attempt": attempt},
                    )
                elif status >= 500:
                    log.warning(
                        "bot api server error",
                        extra={"method": method, "status": status, "attempt": attempt},
                    )
                else:
                    log.warning(
                        "bot api refused request",
                        extra={
                            "method": method,
                            "status": status,
                            "description": str(body.get("description", ""))[:200],
                        },
                    )
                    return None
            if attempt < self._max_attempts:
                await asyncio.sleep(wait)
                delay = min(delay * 2, self._max_backoff)
        raise DependencyUnavailable(f"bot api {method} failed {self._max_attempts} times")

    async def _post(
        self, method: str, payload: dict[str, Any], file: FilePart | None
    ) -> tuple[int, dict[str, Any]]:
        """One attempt: the HTTP status and the JSON object answered (``{}`` if it is not one).

        The body is read inside the request so the connection goes back to the pool at once.
        """
        url = self._base + method
        if file is None:
            request = self._session.post(url, json=payload, allow_redirects=False)
        else:
            # A fresh FormData per attempt: aiohttp consumes it when it sends it.
            request = self._session.post(url, data=_form(payload, file), allow_redirects=False)
        async with request as response:
            return response.status, _json(await response.read())


def _form(fields: dict[str, str], file: FilePart) -> aiohttp.FormData:
    """The multipart body: the form fields, then the file part (name, filename, type)."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    field, (filename, content, content_type) = file
    form.add_field(field, content, filename=filename, content_type=content_type)
    return form


def _json(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; anything else (not JSON, a list, a proxy's HTML) is ``{}``."""
    try:
        data = json.loads(body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        return {}
    return data if isinstance(data, dict) else {}


class TelegramFiles:
    """Downloads what users send (``getFile``, then the file URL), at most ``max_bytes``."""

    def __init__(
        self, bot: BotApi, session: aiohttp.ClientSession, base_url: str, token: str
    ) -> None:
        self._bot = bot
        self._session = session
        self._files = f"{base_url.rstrip('/')}/file/bot{token}/"

    async def download(self, file_id: str, max_bytes: int) -> bytes | None:
        """The file's bytes; ``None`` if Telegram refuses it or it is larger than ``max_bytes``.

        Network trouble raises ``DependencyUnavailable`` (the update waits and retries).
        """
        info = await self._bot.call("getFile", {"file_id": file_id})
        if not isinstance(info, dict) or not isinstance(info.get("file_path"), str):
            return None
        size = info.get("file_size")
        if isinstance(size, int) and size > max_bytes:
            return None
        try:
            async with self._session.get(
                self._files + info["file_path"], allow_redirects=False
            ) as response:
                return await _read_capped(response, max_bytes)
        except NETWORK_ERRORS as exc:
            # str(exc) may hold the URL, and the URL holds the token: the type only.
            raise DependencyUnavailable(f"file download: {type(exc).__name__}") from None


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes | None:
    """The body, streamed, or ``None`` on a 4xx or once it outgrows ``max_bytes`` (the
    connection is then dropped rather than drained)."""
    if response.status >= 500:
        raise DependencyUnavailable(f"file download: HTTP {response.status}")
    if response.status >= 400:
        return None
    chunks, total = [], 0
    async for chunk in response.content.iter_any():
        total += len(chunk)
        if total > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
