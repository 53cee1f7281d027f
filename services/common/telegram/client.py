"""Bot API calls over aiohttp, JSON or multipart, retried as Telegram asks clients to.

aiohttp rather than httpx: every update ends in one or more Bot API calls, and aiohttp's C
HTTP parser and leaner connection pool cost a fraction of httpx's CPU per call
(docs/benchmark.md).  What an answer means is ``answers.py``; a :class:`Transient` failure
(429 after its ``retry_after``, 5xx, network) is tried again under ``services.common.retry``,
anything else is raised at once.

The token is part of every URL (``/bot<token>/<method>``): no URL is ever logged or put in
an exception; the one text taken from the network (Telegram's description, a network
error's message) passes through :meth:`BotClient.redact` first.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import aiohttp

from services.common.retry import RetryPolicy
from services.common.telegram.answers import (
    Answer,
    BadToken,
    BotApiError,
    Refused,
    TimedOut,
    Transient,
    interpret,
    one_line,
)

log = logging.getLogger(__name__)

IDLE_SECONDS = 5.0

# A file part of a multipart upload: (field name, (file name, content, content type)).
FilePart = tuple[str, tuple[str, bytes, str]]


class CallObserver(Protocol):
    """Counts what the client does (the handler's metrics implement it)."""

    def attempted(self, method: str) -> None: ...
    def failed(self, error: BotApiError) -> None: ...


def open_session(timeout: float, max_connections: int) -> aiohttp.ClientSession:
    """The HTTP session for a :class:`BotClient`; call it inside the running loop.

    ``timeout`` bounds each request as a whole (connect, send, read the body).  Idle
    connections are dropped after 5 s: servers commonly close theirs soon after (uvicorn at
    5 s), and a POST on a connection the server is closing fails.  No cookies are kept: the
    Bot API sets none, and a jar costs work on every call.
    """
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout),
        connector=aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=IDLE_SECONDS),
        cookie_jar=aiohttp.DummyCookieJar(),
    )


class BotClient:
    """Calls ``{base_url}/bot{token}/{method}``; tries a transient failure ``max_attempts``
    times in all, backing off up to ``max_backoff`` seconds."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        token: str,
        *,
        max_attempts: int = 5,
        max_backoff: float = 10.0,
        observer: CallObserver | None = None,
    ) -> None:
        base = base_url.rstrip("/")
        self.session = session
        self._token = token
        self._base = f"{base}/bot{token}/"
        self._files = f"{base}/file/bot{token}/"
        self._shown = f"{base}/bot***/"
        self._observer = observer
        self._policy = RetryPolicy(
            first=0.5, cap=max_backoff, attempts=max_attempts, retry_on=(Transient,)
        )

    def redact(self, text: str) -> str:
        """``text`` without the token, whole, URL-encoded or its secret half alone."""
        secret = self._token.partition(":")[2]
        for value in (self._token, self._token.replace(":", "%3A"), secret):
            if value:
                text = text.replace(value, "***")
        return text

    def shown_url(self, method: str) -> str:
        """The method's URL as it may be printed: ``.../bot***/<method>``."""
        return self._shown + method

    def file_url(self, file_path: str) -> str:
        """Where a file ``getFile`` named is downloaded from (holds the token: never shown)."""
        return self._files + file_path

    async def answer(
        self, method: str, payload: dict[str, Any], file: FilePart | None = None
    ) -> Answer:
        """Telegram's answer to the call; raises what ``answers.py`` says it means.

        With ``file`` the request is a multipart upload and ``payload`` its form fields.
        A :class:`Transient` failure is raised once the attempts are used up.
        """
        return await self._policy.run(lambda: self._once(method, payload, file))

    async def call(
        self, method: str, payload: dict[str, Any], file: FilePart | None = None
    ) -> Any | None:
        """The method's ``result``, or ``None`` if Telegram refused the request (4xx)."""
        try:
            return (await self.answer(method, payload, file)).result
        except Refused:
            return None
        except Transient as exc:
            attempts = self._policy.attempts
            raise Transient(method, reason=exc.reason, detail=f"failed {attempts} times") from None

    async def _once(self, method: str, payload: dict[str, Any], file: FilePart | None) -> Answer:
        """One attempt, logged and counted."""
        if self._observer is not None:
            self._observer.attempted(method)
        try:
            try:
                status, body = await self._post(method, payload, file)
            except TimeoutError:  # the total timeout ran out
                raise TimedOut(method) from None
            except aiohttp.ClientError as exc:  # refused, reset, a malformed or truncated answer
                detail = self.redact(one_line(f"{type(exc).__name__}: {exc}"))[:300]
                raise Transient(method, reason="network", detail=type(exc).__name__,
                                network_error=detail) from None  # fmt: skip
            if log.isEnabledFor(logging.DEBUG):
                log.debug(f"HTTP Request: POST {self.shown_url(method)} {status}")
            return interpret(method, status, body, self.redact)
        except BotApiError as exc:
            self.report(exc)
            raise

    def report(self, error: BotApiError) -> None:
        """Log and count a failure (the files client reports its downloads' here too)."""
        if self._observer is not None:
            self._observer.failed(error)
        method, seen = error.method, {"method": error.method, "status": error.status}
        if error.reason == "network":
            # The type only: a network error's message may hold the URL.
            log.warning("bot api unreachable", extra={"method": method, "error": error.detail})
        elif error.reason == "rate_limited":
            log.warning("bot api rate limited", extra={**seen, "retry_after": error.retry_after})
        elif isinstance(error, Transient):
            log.warning("bot api server error", extra=seen)
        elif isinstance(error, BadToken):
            log.error(
                "bot api refused the bot token: check BOT_TOKEN and TELEGRAM_API_URL",
                extra=seen,
            )
        else:
            log.warning("bot api refused request", extra={**seen, "description": error.description})

    async def _post(
        self, method: str, payload: dict[str, Any], file: FilePart | None
    ) -> tuple[int, bytes]:
        """One request: the HTTP status and the body, read inside the request so the
        connection goes back to the pool at once."""
        url = self._base + method
        if file is None:
            request = self.session.post(url, json=payload, allow_redirects=False)
        else:
            # A fresh FormData per attempt: aiohttp consumes it when it sends it.
            request = self.session.post(url, data=_form(payload, file), allow_redirects=False)
        async with request as response:
            return response.status, await response.read()


def _form(fields: dict[str, str], file: FilePart) -> aiohttp.FormData:
    """The multipart body: the form fields, then the file part (name, filename, type)."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    field, (filename, content, content_type) = file
    form.add_field(field, content, filename=filename, content_type=content_type)
    return form
