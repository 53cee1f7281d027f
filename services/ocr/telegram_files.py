"""Fetching a file the user sent, through the Bot API: ``getFile`` then a size-capped download.

Every failure is one of two kinds.  :class:`TelegramDown` is worth waiting out: the network,
a 5xx, a 429 (with the ``retry_after`` Telegram asks for), a 401 (a token being rotated is
fixed by the operator, and the jobs should still be there then; getFile's 404 likewise,
which is how the Bot API answers a malformed token).  :class:`FileUnavailable`
will never change: Telegram refused the file_id (400), the file is larger than the cap, or
the download is gone.

URLs carry the bot token: only exception types and statuses are ever logged.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from services.ocr.metrics import OcrMetrics

log = logging.getLogger(__name__)


class FileUnavailable(Exception):
    """The file cannot be had, now or later."""


class TelegramDown(Exception):
    """The Bot API did not answer usefully this time; try again after ``retry_after`` s or a
    back-off."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class TelegramFiles:
    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        token: str,
        *,
        max_bytes: int,
        metrics: OcrMetrics,
    ) -> None:
        base = base_url.rstrip("/")
        self._client = client
        self._api = f"{base}/bot{token}/"
        self._files = f"{base}/file/bot{token}/"
        self._max_bytes = max_bytes
        self._metrics = metrics

    async def download(self, file_id: str) -> bytes:
        """The file's bytes.  Raises FileUnavailable or TelegramDown."""
        file_path = await self._file_path(file_id)
        return await self._fetch(file_path)

    def _down(self, reason: str, what: str, retry_after: float | None = None) -> TelegramDown:
        self._metrics.download_errors.labels(reason).inc()
        return TelegramDown(f"{what}: {reason}", retry_after)

    def _unavailable(self, reason: str, detail: str) -> FileUnavailable:
        self._metrics.download_errors.labels(reason).inc()
        return FileUnavailable(detail)

    async def _file_path(self, file_id: str) -> str:
        try:
            response = await self._client.post(self._api + "getFile", json={"file_id": file_id})
        except httpx.TransportError as exc:
            # str(exc) may hold the URL, and the URL holds the token: the type only.
            raise self._down("network", f"getFile {type(exc).__name__}") from None
        body = _json(response)
        # The Bot API answers 404 to a malformed token as to an unknown method: not the file.
        self._raise_for_status(response.status_code, body, "getFile", token_refused=(401, 404))
        result = body.get("result")
        if not body.get("ok") or not isinstance(result, dict):
            raise self._down("bad_answer", "getFile answered without a result")
        file_path = result.get("file_path")
        if not isinstance(file_path, str) or not file_path:
            # Telegram leaves file_path out of files it will not serve (over 20 MB).
            raise self._unavailable("refused", "getFile gave no file_path")
        if ".." in file_path.split("/") or file_path.startswith("/"):
            raise self._unavailable("refused", "getFile gave an odd file_path")
        size = result.get("file_size")
        if isinstance(size, int) and size > self._max_bytes:
            raise self._unavailable("too_big", f"file of {size} bytes is over the cap")
        return file_path

    async def _fetch(self, file_path: str) -> bytes:
        try:
            async with self._client.stream("GET", self._files + file_path) as response:
                if response.status_code != 200:
                    await response.aread()
                    self._raise_for_status(
                        response.status_code, _json(response), "download", token_refused=(401,)
                    )
                    raise self._down("bad_answer", f"download answered {response.status_code}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self._max_bytes:
                    raise self._unavailable("too_big", f"file of {declared} bytes is over the cap")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise self._unavailable("too_big", "file is over the cap")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TransportError as exc:
            raise self._down("network", f"download {type(exc).__name__}") from None

    def _raise_for_status(
        self, status: int, body: dict[str, Any], what: str, *, token_refused: tuple[int, ...]
    ) -> None:
        if status < 300:
            return
        if status == 429:
            retry_after = (body.get("parameters") or {}).get("retry_after")
            wait = float(retry_after) if isinstance(retry_after, int | float) else None
            raise self._down("rate_limited", what, wait)
        if status >= 500:
            raise self._down("server_error", f"{what} {status}")
        if status in token_refused:
            log.error("bot api refused the token", extra={"method": what, "status": status})
            raise self._down("unauthorized", f"{what} {status}")
        description = str(body.get("description", ""))[:200]
        raise self._unavailable("refused", f"{what} {status} {description}".strip())


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
