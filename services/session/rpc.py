"""Request/reply serving of the session service, straight on aio-pika and aiormq.

Every Telegram update costs the session service two requests (a get, then an update), so the
per-request CPU of this path is what limits it.  FastStream's consume chain (logging and
Prometheus middlewares, fast_depends validation, its reply publisher, its exception
middleware) cost about as much as the work itself, so the two queues are consumed here with
aio-pika directly: each delivery is parsed with pydantic, served, answered on the default
exchange to its ``reply_to`` with its ``correlation_id``, then acked.  The queues stay described
in the AsyncAPI document by FastStream subscribers whose handlers are this server's ``get`` and
``update``, on a ``DescribingBroker`` that never starts them.

Every request gets exactly one reply: a body that is not a valid request gets a
``SessionError(bad_request)``, a failure while serving it a ``SessionError(internal)``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiormq
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractRobustChannel
from aiormq.abc import DeliveredMessage
from faststream.rabbit import RabbitBroker
from pamqp import commands as spec
from pydantic import BaseModel, ValidationError

from services.common.amqp import raw_channel
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

GET_DESCRIPTION = (
    "Request/reply (reply_to, correlation_id). Replies with a SessionSnapshot "
    "(kind=session; applied=true when the request's update_id was already applied) or a "
    "SessionError (kind=error, code bad_request|internal); see shared/session_api.py."
)
UPDATE_DESCRIPTION = (
    "Request/reply compare-and-set on expected_version, recording update_id "
    "in the same transaction. Replies with SessionSaved (kind=saved; written=false when "
    "the data was unchanged), SessionConflict (kind=conflict), SessionDuplicate "
    "(kind=duplicate: update_id already applied), SessionTooLarge (kind=too_large: the "
    "data as compact JSON is over SESSION_MAX_BYTES; nothing written) or SessionError "
    "(kind=error)."
)

# Serves one request body; raises ValidationError for a malformed one.
Serve = Callable[[bytes], Awaitable[BaseModel]]


@dataclass
class Resources:
    """What the server needs, filled in by the app's lifespan before it starts."""

    metrics: SessionMetrics
    store: SessionStore | None = None

    def require_store(self) -> SessionStore:
        if self.store is None:  # pragma: no cover - the lifespan always sets it first
            raise RuntimeError("session store not initialised")
        return self.store


class RequestServer:
    """Consumes the get and update queues on one channel with ``prefetch`` messages in hand.

    The channel is aio-pika's (it declares the queues, keeps the prefetch, and is reopened
    after a reconnection, when the consumers are registered again), but deliveries, replies
    and acks go through the aiormq channel under it: aio-pika's Message objects cost more CPU
    than the rest of a round trip (6,000 RPCs against a trivial responder: 0.77 ms per RPC
    through aio-pika, 0.34 ms through aiormq).  aiormq runs each delivery's callback in a
    task of its own, so up to ``prefetch`` requests are served at once.  ``stop`` cancels the
    consumers first and then waits for the requests in hand, so a graceful shutdown answers
    (and acks) everything it took.
    """

    def __init__(self, topology: Topology, resources: Resources, prefetch: int) -> None:
        self._topology = topology
        self._resources = resources
        self._prefetch = prefetch
        self._channel: AbstractChannel | None = None
        self._underlay: aiormq.Channel | None = None
        self._consumers: list[str] = []
        self._stopping = False
        self._in_hand = 0
        self._idle = asyncio.Event()
        self._idle.set()
        requests = resources.metrics.requests
        self._in_hand_gauge = resources.metrics.in_hand
        # Label children looked up once: ``labels()`` per request is measurable.
        self._observe = {
            (op, kind): requests.labels(op, kind).observe
            for op, kinds in (
                ("get", ("session",)),
                ("update", ("saved", "conflict", "duplicate", "too_large")),
            )
            for kind in kinds
        }

    async def start(self, connection: AbstractConnection) -> None:
        # No publisher confirms: a reply lost with its connection is a timeout for the
        # caller either way, and the request, not acked yet, is delivered again.
        channel = await connection.channel(publisher_confirms=False)
        self._channel = channel
        await channel.set_qos(prefetch_count=self._prefetch)
        for queue in (self._topology.session_get_queue, self._topology.session_update_queue):
            await channel.declare_queue(queue.name, durable=queue.durable)
        await self._consume()
        if isinstance(channel, AbstractRobustChannel):
            channel.reopen_callbacks.add(self._reopened)

    async def _consume(self) -> None:
        """Register both consumers on the aiormq channel now under ``_channel``."""
        assert self._channel is not None
        underlay = await raw_channel(self._channel)
        self._underlay, self._consumers = underlay, []
        for queue, serve in (
            (self._topology.session_get_queue, self._get),
            (self._topology.session_update_queue, self._update),
        ):
            ok = await underlay.basic_consume(queue.name, self._handler(serve, underlay))
            assert ok.consumer_tag is not None
            self._consumers.append(ok.consumer_tag)

    async def _reopened(self, channel: object) -> None:
        """After a reconnection aio-pika reopens the channel (prefetch included) but knows
        nothing of consumers registered beneath it: register them again."""
        if not self._stopping:
            await self._consume()
            log.info("session request consumers restored after a reconnection")

    async def stop(self, timeout: float = 30.0) -> None:
        """Take no new requests, finish those in hand (up to ``timeout``), close the channel."""
        self._stopping = True
        consumers, self._consumers = self._consumers, []
        for tag in consumers:
            try:
                assert self._underlay is not None
                await self._underlay.basic_cancel(tag)
            except Exception as exc:  # a channel already gone has nothing left to cancel
                log.warning("could not cancel a session consumer", extra={"error": repr(exc)})
        await asyncio.sleep(0)  # deliveries that came before the cancel-ok start their callbacks
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("session requests still in hand at shutdown", extra={"in_hand": self._in_hand})
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()

    def _handler(
        self, serve: Serve, channel: aiormq.Channel
    ) -> Callable[[DeliveredMessage], Coroutine[Any, Any, None]]:
        async def on_message(message: DeliveredMessage) -> None:
            # Shielded: a channel that drops under a request (broker restart) cancels this
            # callback, but the request is served (and counted in hand) to the end all the same.
            await asyncio.shield(self._in_hand_while(self._answer(serve, channel, message)))

        return on_message

    async def _in_hand_while(self, work: Awaitable[None]) -> None:
        self._in_hand += 1
        self._in_hand_gauge.inc()
        self._idle.clear()
        try:
            await work
        finally:
            self._in_hand -= 1
            self._in_hand_gauge.dec()
            if not self._in_hand:
                self._idle.set()

    async def _answer(self, serve: Serve, channel: aiormq.Channel, message: DeliveredMessage) -> None:
        """Serve, reply, ack: on the channel that delivered it (an ack is per channel)."""
        try:
            reply = await serve(message.body)
        except ValidationError as exc:
            reply = bad_request(exc)
        except Exception as exc:
            log.exception("session request failed", exc_info=exc)
            reply = SessionError(code="internal", message=type(exc).__name__)
        properties = message.header.properties
        try:
            if properties.reply_to:
                # Not mandatory: RabbitMQ returns every mandatory message to a direct reply-to
                # address even after delivering it, and a caller that is gone has no use for
                # the reply anyway.  wait=False: queued for the socket, ahead of the ack.
                await channel.basic_publish(
                    reply.model_dump_json().encode(),
                    routing_key=properties.reply_to,
                    properties=spec.Basic.Properties(
                        content_type="application/json",
                        correlation_id=properties.correlation_id,
                    ),
                    wait=False,
                )
            assert message.delivery_tag is not None
            await channel.basic_ack(message.delivery_tag, wait=False)
        except Exception as exc:  # the channel went away: the request comes back unacked
            log.warning("could not answer a session request", extra={"error": repr(exc)})

    async def get(self, request: GetSession) -> SessionSnapshot:
        started = time.perf_counter()
        reply = await self._resources.require_store().get(request.user_id, request.update_id)
        self._observe["get", reply.kind](time.perf_counter() - started)
        return reply

    async def update(
        self, request: UpdateSession
    ) -> SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge:
        started = time.perf_counter()
        reply = await self._resources.require_store().update(request)
        self._observe["update", reply.kind](time.perf_counter() - started)
        return reply

    async def _get(self, body: bytes) -> SessionSnapshot:
        return await self.get(GetSession.model_validate_json(body))

    async def _update(
        self, body: bytes
    ) -> SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge:
        return await self.update(UpdateSession.model_validate_json(body))


class DescribingBroker(RabbitBroker):
    """The service's FastStream broker: its connection (shared with ``RequestServer``), the
    health check's ping, and the AsyncAPI description of the request queues.

    ``start`` connects but starts no subscriber: the ones ``describe`` registers document
    what ``RequestServer`` consumes, and must not consume the queues a second time.
    """

    async def start(self) -> None:
        await self.connect()
        self.running = True


def describe(broker: DescribingBroker, topology: Topology, server: RequestServer) -> None:
    """Register the request queues, with the server's typed ``get`` and ``update`` as their
    handlers, so the AsyncAPI document shows their payloads and replies."""
    broker.subscriber(
        topology.session_get_queue, title="session: get", description=GET_DESCRIPTION
    )(server.get)
    broker.subscriber(
        topology.session_update_queue, title="session: update", description=UPDATE_DESCRIPTION
    )(server.update)


def bad_request(exc: ValidationError) -> SessionError:
    """The reply to a body that is not a valid request (not JSON, or not the request type)."""
    problems = "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
    )
    log.warning("invalid session request", extra={"problems": problems})
    return SessionError(code="bad_request", message=problems)
