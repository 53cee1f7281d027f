"""The session service's request/reply API: batches of gets and writes.

Every request is a ``SessionBatch`` (shared/session_api.py) on ``{ns}.session.requests``,
served by the shared ``RpcServer`` (services/common/amqp/rpc.py): its gets in one SQL
statement, its writes in one transaction, one typed outcome per item.  Every request gets
exactly one reply: a body that is not a valid batch gets a ``SessionError(bad_request)``; a
statement that fails gives each of its items a ``SessionError(internal)`` (nothing of them was
applied, so they may be sent again) while the other statement's items keep their outcomes.
The handler waits such an error out like an outage, as it is during a PostgreSQL failover or
restart (``services/common/outage.py``); the pool then reconnects to the new primary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from services.common.amqp.rpc import RpcServer
from services.common.outage import is_outage
from services.session.metrics import SessionMetrics
from services.session.store import SessionStore
from shared.session_api import (
    SessionBatch,
    SessionBatchReply,
    SessionError,
)
from shared.topology import Topology

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R", bound=BaseModel)


@dataclass
class SessionApi:
    """Serves batches from a store; timed per item in ``metrics``."""

    store: SessionStore
    metrics: SessionMetrics

    def __post_init__(self) -> None:
        requests = self.metrics.requests
        # Label children looked up once: ``labels()`` per request is measurable.
        self._observe = {
            (op, kind): requests.labels(op, kind).observe
            for op, kinds in (
                ("get", ("session", "error")),
                ("update", ("saved", "conflict", "duplicate", "too_large", "error")),
            )
            for kind in kinds
        }
        self._batch_items = self.metrics.batch_items.observe

    async def serve(self, body: bytes) -> bytes:
        """The reply body to a request body; never raises."""
        try:
            batch = SessionBatch.model_validate_json(body)
        except ValidationError as exc:
            return bad_request(exc).model_dump_json().encode()
        return (await self.serve_batch(batch)).model_dump_json().encode()

    async def serve_batch(self, batch: SessionBatch) -> SessionBatchReply:
        self._batch_items(len(batch.gets) + len(batch.updates))
        gets = await self._each("get", batch.gets, self.store.get_many)
        updates = await self._each("update", batch.updates, self.store.update_many)
        return SessionBatchReply(gets=gets, updates=updates)

    async def _each(
        self, op: str, items: Sequence[T], run: Callable[[Sequence[T]], Awaitable[Sequence[R]]]
    ) -> list[R | SessionError]:
        if not items:
            return []
        started = time.perf_counter()
        outcomes: list[R | SessionError]
        try:
            outcomes = list(await run(items))
        except Exception as exc:
            if is_outage(exc):  # a PostgreSQL failover or restart: the handler waits it out
                log.warning(
                    "session %s batch failed: database unavailable", op,
                    extra={"items": len(items), "error": repr(exc)},
                )
            else:
                log.exception("session %s batch failed", op, extra={"items": len(items)})
            error = SessionError(code="internal", message=type(exc).__name__)
            outcomes = [error] * len(items)
        elapsed = time.perf_counter() - started
        for outcome in outcomes:
            self._observe[op, getattr(outcome, "kind", "error")](elapsed)
        return outcomes


def request_server(
    topology: Topology, api: SessionApi, metrics: SessionMetrics, prefetch: int
) -> RpcServer:
    """The server of ``{ns}.session.requests``, counting requests in hand in ``metrics``."""
    return RpcServer(
        topology.session_requests_queue, api.serve, prefetch, in_hand=metrics.in_hand.inc
    )


def bad_request(exc: ValidationError) -> SessionError:
    """The reply to a body that is not a valid batch (not JSON, or not the request type)."""
    problems = "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
    )
    log.warning("invalid session request", extra={"problems": problems})
    return SessionError(code="bad_request", message=problems)
