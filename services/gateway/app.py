"""The gateway's HTTP app: ``create_app(settings)``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.health import background
from services.common.metrics import serving_metrics
from services.gateway.flood import THROTTLED_HEADER, FloodGuard
from services.gateway.metrics import GatewayMetrics
from services.gateway.publisher import PublishFailed, UpdatePublisher, make_broker
from services.gateway.settings import GatewaySettings
from services.gateway.webhook import Rejection, check_secret, parse_update

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"


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


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or ``None`` as soon as it exceeds ``limit`` bytes."""
    if _declared_too_large(request.headers.get("content-length"), limit):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(settings: GatewaySettings) -> Starlette:
    secret = settings.webhook_secret.get_secret_value()
    registry = CollectorRegistry()
    metrics = GatewayMetrics(registry)
    broker = make_broker(settings.amqp_url)
    publisher = UpdatePublisher(
        broker, settings.topology(), settings.publish_timeout_seconds
    )
    flood = FloodGuard.from_settings(settings, metrics.throttle)

    def _reject(rejection: Rejection) -> JSONResponse:
        metrics.reject(rejection.status)
        log.info("webhook rejected", extra={"status": rejection.status, "reason": rejection.reason})
        return JSONResponse({"ok": False, "error": rejection.reason}, status_code=rejection.status)

    async def webhook(request: Request) -> Response:
        if (rejection := check_secret(request.headers.get(SECRET_HEADER), secret)) is not None:
            return _reject(rejection)
        try:
            body = await _read_limited(request, settings.max_body_bytes)
        except ClientDisconnect:
            return Response(status_code=400)
        if body is None:
            return _reject(Rejection(413, "body larger than the limit"))
        parsed = parse_update(body)
        if isinstance(parsed, Rejection):
            return _reject(parsed)
        if flood is not None and (answer := flood.check(parsed.user_id, body)) is not None:
            # Over the sender's limit: not queued; 200 so that Telegram does not retry it.
            return JSONResponse(answer, headers={THROTTLED_HEADER: "1"})
        try:
            await publisher.publish(body, parsed.update_id, parsed.user_id)
        except PublishFailed as exc:
            if flood is not None:
                flood.refund(parsed.user_id)  # Telegram delivers it again
            metrics.reject(503)
            log.warning("update not queued, asking Telegram to retry",
                        extra={"update_id": parsed.update_id, "error": str(exc)})
            return JSONResponse(
                {"ok": False, "error": "temporarily unavailable"},
                status_code=503,
                headers={"Retry-After": "1"},
            )
        metrics.accepted.inc()
        return JSONResponse({"ok": True})

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
            await broker.stop()

    return Starlette(
        routes=[
            Route("/telegram/webhook", webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
