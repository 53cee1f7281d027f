"""Telegram Bot API over httpx, with the retry policy Telegram asks clients to follow.

429 waits the ``retry_after`` Telegram gives; 5xx and network errors back off and retry;
any other 4xx is logged and dropped (retrying a bad request cannot help).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from prometheus_client import CollectorRegistry

from services.handler.conversation.replies import FilePart, Reply, SendFile
from services.handler.errors import DependencyUnavailable
from services.handler.metrics import HandlerMetrics

log = logging.getLogger(__name__)


class BotApi:
    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        token: str,
        *,
        max_attempts: int = 5,
        max_backoff: float = 10.0,
        metrics: HandlerMetrics | None = None,
    ) -> None:
        self._metrics = metrics or HandlerMetrics(CollectorRegistry())
        self._client = client
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
                if file is None:
                    response = await self._client.post(self._base + method, json=payload)
                else:
                    response = await self._client.post(
                        self._base + method, data=payload, files=[file]
                    )
            except httpx.TransportError as exc:
                self._metrics.bot_api_errors.labels(method, "network").inc()
                # str(exc) may hold the URL, and the URL holds the token: log the type only.
                log.warning(
                    "bot api unreachable",
                    extra={"method": method, "error": type(exc).__name__, "attempt": attempt},
                )
            else:
                status = response.status_code
                if status < 400:
                    return _json(response).get("result")
                body = _json(response)
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


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class TelegramFiles:
    """Downloads what users send (``getFile``, then the file URL), at most ``max_bytes``."""

    def __init__(self, bot: BotApi, client: httpx.AsyncClient, base_url: str, token: str) -> None:
        self._bot = bot
        self._client = client
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
            async with self._client.stream("GET", self._files + info["file_path"]) as response:
                if response.status_code >= 500:
                    raise DependencyUnavailable(f"file download: HTTP {response.status_code}")
                if response.status_code >= 400:
                    return None
                chunks, total = [], 0
                async for chunk in response.aiter_bytes():
                    total += len(chunk)
                    if total > max_bytes:
                        return None
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TransportError as exc:
            # str(exc) may hold the URL, and the URL holds the token: the type only.
            raise DependencyUnavailable(f"file download: {type(exc).__name__}") from None
