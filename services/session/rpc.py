"""Request/reply subscribers of the session service."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from faststream import ExceptionMiddleware
from faststream.rabbit import RabbitRouter
from pydantic import ValidationError

from services.session.metrics import SessionMetrics
from services.session.store import SessionStore
from shared.session_api import (
    GetSession,
    SessionConflict,
    SessionDuplicate,
    SessionError,
    SessionSaved,
    SessionSnapshot,
    SessionTooLarge,
    UpdateSession,
)
from shared.topology import Topology

log = logging.getLogger(__name__)


@dataclass
class Resources:
    """What the subscribers need, filled in by the app's lifespan before the broker starts."""

    metrics: SessionMetrics
    store: SessionStore | None = None

    def require_store(self) -> SessionStore:
        if self.store is None:  # pragma: no cover - the lifespan always sets it first
            raise RuntimeError("session store not initialised")
        return self.store


def error_replies() -> ExceptionMiddleware:
    """Turn every failure into a typed ``SessionError`` reply instead of a silent timeout."""
    middleware = ExceptionMiddleware()

    @middleware.add_handler(ValidationError, publish=True)
    async def invalid(exc: ValidationError) -> SessionError:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'][1:])) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        log.warning("invalid session request", extra={"problems": problems})
        return SessionError(code="bad_request", message=problems)

    @middleware.add_handler(json.JSONDecodeError, publish=True)
    async def not_json(exc: json.JSONDecodeError) -> SessionError:
        log.warning("session request is not JSON")
        return SessionError(code="bad_request", message="body is not JSON")

    @middleware.add_handler(Exception, publish=True)
    async def internal(exc: Exception) -> SessionError:
        log.exception("session request failed", exc_info=exc)
        return SessionError(code="internal", message=type(exc).__name__)

    return middleware


def build_router(topology: Topology, resources: Resources) -> RabbitRouter:
    router = RabbitRouter()

    requests = resources.metrics.requests

    @router.subscriber(
        topology.session_get_queue,
        title="session: get",
        description="Request/reply (reply_to, correlation_id). Replies with a SessionSnapshot "
        "(kind=session; applied=true when the request's update_id was already applied) or a "
        "SessionError (kind=error, code bad_request|internal); see shared/session_api.py.",
    )
    async def get_session(request: GetSession) -> SessionSnapshot:
        started = time.perf_counter()
        reply = await resources.require_store().get(request.user_id, request.update_id)
        requests.labels("get", reply.kind).observe(time.perf_counter() - started)
        return reply

    @router.subscriber(
        topology.session_update_queue,
        title="session: update",
        description="Request/reply compare-and-set on expected_version, recording update_id "
        "in the same transaction. Replies with SessionSaved (kind=saved; written=false when "
        "the data was unchanged), SessionConflict (kind=conflict), SessionDuplicate "
        "(kind=duplicate: update_id already applied), SessionTooLarge (kind=too_large: the "
        "data as compact JSON is over SESSION_MAX_BYTES; nothing written) or SessionError "
        "(kind=error).",
    )
    async def update_session(
        request: UpdateSession,
    ) -> SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge:
        started = time.perf_counter()
        reply = await resources.require_store().update(request)
        requests.labels("update", reply.kind).observe(time.perf_counter() - started)
        return reply

    return router
