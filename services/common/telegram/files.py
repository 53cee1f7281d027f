"""Files users sent: ``getFile``, then a download of at most ``max_bytes``.

Failures mean what ``answers.py`` says, with one addition: whatever says the file cannot be
had (getFile refused the file_id, gave no path or an odd one, the file is over the cap, its
URL answers 404) is :class:`FileUnavailable`.
"""

from __future__ import annotations

import aiohttp

from services.common.telegram.answers import (
    BadToken,
    BotApiError,
    FileUnavailable,
    RateLimited,
    Refused,
    TimedOut,
    Transient,
    Unavailable,
)
from services.common.telegram.client import BotClient

DOWNLOAD = "download"


class TelegramFiles:
    def __init__(self, client: BotClient) -> None:
        self._client = client

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """The file's bytes.  Raises FileUnavailable, or an Unavailable to wait out."""
        file_path = await self._file_path(file_id, max_bytes)
        try:
            return await self._fetch(file_path, max_bytes)
        except Unavailable as exc:  # an outage an operator wants to see; a refusal is not
            self._client.report(exc)
            raise

    async def _file_path(self, file_id: str, max_bytes: int) -> str:
        try:
            answer = await self._client.answer("getFile", {"file_id": file_id})
        except Refused as exc:  # 400: a file_id Telegram does not know
            raise FileUnavailable(
                "getFile", status=exc.status, description=exc.description
            ) from None
        result = answer.result
        if not isinstance(result, dict):
            raise Transient("getFile", reason="bad_answer", detail="without a result")
        file_path = result.get("file_path")
        if not isinstance(file_path, str) or not file_path:
            # Telegram leaves file_path out of files it will not serve (over 20 MB).
            raise FileUnavailable("getFile", detail="gave no file_path")
        if ".." in file_path.split("/") or file_path.startswith("/"):
            raise FileUnavailable("getFile", detail="gave an odd file_path")
        size = result.get("file_size")
        if isinstance(size, int) and size > max_bytes:
            raise FileUnavailable("getFile", reason="too_big", detail=f"file of {size} bytes")
        return file_path

    async def _fetch(self, file_path: str, max_bytes: int) -> bytes:
        url = self._client.file_url(file_path)
        try:
            async with self._client.session.get(url, allow_redirects=False) as response:
                if response.status != 200:
                    raise _refusal(response.status)
                declared = response.content_length
                if declared is not None and declared > max_bytes:
                    raise FileUnavailable(DOWNLOAD, reason="too_big", detail=f"file of {declared} bytes")
                chunks, size = [], 0
                async for chunk in response.content.iter_any():
                    size += len(chunk)
                    if size > max_bytes:
                        # The connection is dropped rather than drained.
                        raise FileUnavailable(DOWNLOAD, reason="too_big", detail="over the cap")
                    chunks.append(chunk)
                return b"".join(chunks)
        except TimeoutError:
            raise TimedOut(DOWNLOAD) from None
        except aiohttp.ClientError as exc:
            # The type only: the message may hold the URL, and the URL holds the token.
            raise Transient(DOWNLOAD, reason="network", detail=type(exc).__name__) from None


def _refusal(status: int) -> BotApiError:
    """What a file URL's status other than 200 means."""
    if status == 429:
        return RateLimited(DOWNLOAD, None)
    if status >= 500:
        return Transient(DOWNLOAD, status=status, from_bot_api=False)
    if status == 401:
        return BadToken(DOWNLOAD, status=status, from_bot_api=False)
    if status >= 400:  # 404: the file is gone
        return FileUnavailable(DOWNLOAD, status=status, from_bot_api=False)
    return Transient(DOWNLOAD, reason="bad_answer", status=status, from_bot_api=False)
