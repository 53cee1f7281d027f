"""The gateway's HTTP app: ``create_app(settings)``.

``POST /telegram/webhook`` is served by a plain ASGI callable (``Webhook``): it is the only
route under load, and Starlette's Request and Response objects and middleware cost more CPU
per webhook than everything the route does itself.  Its answers are precomputed bytes.
Every other request (``/healthz``, ``/readyz``, wrong methods and paths: 404, 405, the
trailing-slash redirect) and the lifespan go to a Starlette app, which also holds the
webhook route so that its path answers another method (405) and a trailing slash (the
redirect) as any Starlette route does.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.amqp.publisher import PublishFailed
from services.common.health import background
from services.common.metrics import serving_metrics
from services.gateway.flood import THROTTLED_HEADER, FloodGuard
from services.gateway.metrics import GatewayMetrics
from services.gateway.publisher import UpdatePublisher
from services.gateway.settings import GatewaySettings
from services.gateway.webhook import Rejection, check_secret, parse_update

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = b"x-telegram-bot-api-secret-token"
CONTENT_LENGTH = b"content-length"


class _Disconnected(Exception):
    """The client went away before its body was read."""


def _declared_too_large(declared: str | None, limit: int) -> bool:
    """Whether a Content-Length announces more than ``limit`` bytes.

    ASCII digits only (``"²".isdigit()`` is true, and ``int()`` refuses it), compared by
    length first (``int()`` refuses more than 4300 digits); anything else is left to the
    byte count of the stream.
    """
    if declared is None or not (declared.isascii() and declared.isdigit()):
        return False
    digits = declared.lstrip("0")
    return len(digits) > len(str(limit)) or int(digits or "0") > limit


def _json(payload: object) -> bytes:
    """JSON as Starlette's JSONResponse renders it (compact, UTF-8)."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


class _Answer:
    """One HTTP answer, as the two ASGI messages that send it (built once, sent many times)."""

    __slots__ = ("body", "start")

    def __init__(self, status: int, body: bytes, *, json_body: bool = True,
                 headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        raw = [*headers, (b"content-length", str(len(body)).encode())]
        if json_body:
            raw.append((b"content-type", b"application/json"))
        self.start = {"type": "http.response.start", "status": status, "headers": raw}
        self.body = {"type": "http.response.body", "body": body}

    async def send(self, send: Send) -> None:
        await send(self.start)
        await send(self.body)


ACCEPTED = _Answer(200, _json({"ok": True}))
UNAVAILABLE = _Answer(503, _json({"ok": False, "error": "temporarily unavailable"}),
                      headers=((b"retry-after", b"1"),))
DISCONNECTED = _Answer(400, b"", json_body=False)
TOO_LARGE = Rejection(413, "body larger than the limit")


async def _read_limited(receive: Receive, declared: bytes | None, limit: int) -> bytes | None:
    """The body, or ``None`` as soon as it exceeds ``limit`` bytes (or is announced so)."""
    if declared is not None and _declared_too_large(declared.decode("latin-1"), limit):
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect
            raise _Disconnected
        chunk = message.get("body", b"")
        more = message.get("more_body", False)
        if not chunks and not more:  # the usual case: the whole body in one message
            return chunk if len(chunk) <= limit else None
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not more:
            return b"".join(chunks)


class Webhook:
    """``POST /telegram/webhook`` as an ASGI app: check, parse, limit, publish, answer."""

    def __init__(self, settings: GatewaySettings, publisher: UpdatePublisher,
                 flood: FloodGuard | None, metrics: GatewayMetrics) -> None:
        self._secret = settings.webhook_secret.get_secret_value()
        self._limit = settings.max_body_bytes
        self._publisher = publisher
        self._flood = flood
        self._metrics = metrics
        self._rejections: dict[Rejection, _Answer] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secret: bytes | None = None
        declared: bytes | None = None
        for name, value in scope["headers"]:  # the first of each counts, as in Starlette
            if name == SECRET_HEADER:
                if secret is None:
                    secret = value
            elif name == CONTENT_LENGTH and declared is None:
                declared = value
        header = None if secret is None else secret.decode("latin-1")
        if (rejection := check_secret(header, self._secret)) is not None:
            return await self._reject(rejection, send)
        try:
            body = await _read_limited(receive, declared, self._limit)
        except _Disconnected:
            return await DISCONNECTED.send(send)
        if body is None:
            return await self._reject(TOO_LARGE, send)
        parsed = parse_update(body)
        if isinstance(parsed, Rejection):
            return await self._reject(parsed, send)
        flood = self._flood
        if flood is not None and (answer := flood.check(parsed.user_id, body)) is not None:
            # Over the sender's limit: not queued; 200 so that Telegram does not retry it.
            throttled = _Answer(200, _json(answer), headers=((THROTTLED_HEADER.lower().encode(), b"1"),))
            return await throttled.send(send)
        try:
            await self._publisher.publish(body, parsed.update_id, parsed.user_id)
        except PublishFailed as exc:
            if flood is not None:
                flood.refund(parsed.user_id)  # Telegram delivers it again
            self._metrics.reject(503)
            log.warning("update not queued, asking Telegram to retry",
                        extra={"update_id": parsed.update_id, "error": str(exc)})
            return await UNAVAILABLE.send(send)
        self._metrics.accepted.inc()
        await ACCEPTED.send(send)

    async def _reject(self, rejection: Rejection, send: Send) -> None:
        self._metrics.reject(rejection.status)
        log.info("webhook rejected", extra={"status": rejection.status, "reason": rejection.reason})
        answer = self._rejections.get(rejection)
        if answer is None:  # a handful of distinct rejections: each built once
            answer = _Answer(rejection.status, _json({"ok": False, "error": rejection.reason}))
            self._rejections[rejection] = answer
        await answer.send(send)


def create_app(settings: GatewaySettings) -> ASGIApp:
    registry = CollectorRegistry()
    metrics = GatewayMetrics(registry)
    publisher = UpdatePublisher(
        settings.amqp_url, settings.topology(), settings.publish_timeout_seconds
    )
    flood = FloodGuard.from_settings(settings, metrics.throttle)
    webhook = Webhook(settings, publisher, flood, metrics)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(request: Request) -> Response:
        ready = publisher.ready
        return JSONResponse({"ready": ready}, status_code=200 if ready else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            with serving_metrics(registry, settings.metrics_host, settings.metrics_port):
                async with background(publisher.connect_forever()):
                    yield
        finally:
            await publisher.close()

    starlette = Starlette(
        routes=[
            Route(WEBHOOK_PATH, webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == WEBHOOK_PATH:
            await webhook(scope, receive, send)
        else:
            await starlette(scope, receive, send)

    return app
