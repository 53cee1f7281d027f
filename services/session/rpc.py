"""The session service's request/reply API: batches of gets and writes.

Every request is a ``SessionBatch`` (shared/session_api.py) on ``{ns}.session.requests``,
served by the shared ``RpcServer`` (services/common/amqp/rpc.py): its gets in one SQL
statement, its writes in one transaction, one typed outcome per item.  Every request gets
exactly one reply: a body that is not a valid batch gets a ``SessionError(bad_request)``; a
statement that fails gives each of its items a ``SessionError(internal)`` (nothing of them was
applied, so they may be sent again) while the other statement's items keep their outcomes.
The handler waits such an error out like an outage, as it is during a PostgreSQL failover or
restart (``services/common/outage.py``); the pool then reconnects to the new primary.

The queue stays described in the AsyncAPI document by a FastStream subscriber whose handler
has ``SessionApi.serve_batch``'s types, on a ``DescribingBroker`` that never starts it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from services.common.amqp.connection import FailoverBroker
from services.common.amqp.rpc import REPLY_TO, RpcServer
from services.common.outage import is_outage
from services.session.metrics import SessionMetrics
from services.session.store import SessionStore
from shared.session_api import (
    BatchReply,
    SessionBatch,
    SessionBatchReply,
    SessionError,
)
from shared.topology import Topology

log = logging.getLogger(__name__)

DESCRIPTION = (
    "Request/reply (reply_to, correlation_id): a SessionBatch of gets and compare-and-set "
    "writes. Replies with a SessionBatchReply (kind=batch) holding one outcome per item in "
    "order: for a get a SessionSnapshot (kind=session; applied=true when its update_id was "
    "already applied); for a write SessionSaved (kind=saved; written=false when the data was "
    "unchanged), SessionConflict (kind=conflict), SessionDuplicate (kind=duplicate: update_id "
    "already applied), SessionTooLarge (kind=too_large: over SESSION_MAX_BYTES; nothing "
    "written); for either a SessionError (kind=error, code internal: nothing applied, send "
    "again). A body that is not a batch gets a SessionError (code bad_request). See "
    "shared/session_api.py."
)

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


def request_server(topology: Topology, metrics: SessionMetrics, prefetch: int) -> RpcServer:
    """The server of ``{ns}.session.requests``, counting requests in hand in ``metrics``."""
    return RpcServer(topology.session_requests_queue, prefetch, in_hand=metrics.in_hand.inc)


class DescribingBroker(FailoverBroker):
    """The service's FastStream broker: its connection (shared with the ``RpcServer``, failing
    over between the brokers of AMQP_URL), the health check's ping, and the AsyncAPI
    description of the request queue.

    ``start`` connects but starts no subscriber: the one ``describe`` registers documents
    what the ``RpcServer`` consumes, and must not consume the queue a second time.
    """

    async def start(self) -> None:
        await self.connect()
        self.running = True


def describe(broker: DescribingBroker, topology: Topology) -> None:
    """Register the request queue with a typed handler, so the AsyncAPI document shows the
    batch and its reply; the handler never runs (the ``RpcServer`` consumes the queue)."""

    async def session_batch(batch: SessionBatch) -> SessionBatchReply:
        raise NotImplementedError("served by SessionApi.serve_batch through RpcServer")

    broker.subscriber(
        topology.session_requests_queue, title="session: batch", description=DESCRIPTION
    )(session_batch)
    broker.publisher(
        REPLY_TO,
        title="session: batch reply",
        description="The reply to a SessionBatch, sent to its reply_to (RabbitMQ's direct "
        "reply-to) with its correlation_id: a SessionBatchReply, or a SessionError for a body "
        "that is not a batch.",
        schema=BatchReply,
    )


def bad_request(exc: ValidationError) -> SessionError:
    """The reply to a body that is not a valid batch (not JSON, or not the request type)."""
    problems = "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
    )
    log.warning("invalid session request", extra={"problems": problems})
    return SessionError(code="bad_request", message=problems)
