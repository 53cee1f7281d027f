"""One update, start to finish: deduplicated, retried, dead-lettered, settled exactly once.

For each delivery from a partition (``partitions.py``, one at a time per user):
1. parse it; something that is not an update goes to the dead letters;
2. if the partition (a quorum queue) says it returned the update more than
   ``UPDATE_MAX_REDELIVERIES`` times before (its ``x-delivery-count``), the update keeps
   coming back unfinished (it kills its replica): it is dead-lettered;
3. read the session together with "was this update_id already applied?" (one call, batched
   with other updates' calls); if it was, nothing is done again: a Telegram retry or a
   redelivery after a crash is a no-op;
4. run the conversation in a unit of work that opens a tracker transaction only if the step
   writes; every tracker write is idempotent on the update id, so the re-run after a crash
   between 4 and 6 stores nothing twice;
5. send the replies, a button's answer together with the first message (sent again only if a
   replica dies between 5 and 6);
6. write the session, compare-and-set on the version read in 3, recording the update_id in
   the same transaction: this write is the commit point of the update; an outage here is
   waited out by the write alone, so the replies of 5 are not sent again;
7. acknowledge.
A step whose new session would be larger than ``SESSION_MAX_BYTES`` (compact JSON) is
refused in 4: the tracker transaction is rolled back, the user is told, and the session is
written back unchanged with the update_id, so the update counts as done.
A dependency that is unavailable (session service, PostgreSQL, RabbitMQ; which failures say
so, a PostgreSQL failover's among them: ``services/common/outage.py``) is waited out with
backoff for as long as it takes: the update is not acknowledged until it is done, and the
user's later updates wait behind it.  If the partition is given up meanwhile (hand-over,
SIGTERM) the update is left unsettled and its next owner starts it again.  An update that
raises anything else is tried ``UPDATE_MAX_ATTEMPTS`` times, then dead-lettered, so one
poison update holds the user's later updates back for those tries only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

import asyncpg
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from services.common.amqp.consumer import Abandoned
from services.common.logs import user_hash
from services.common.outage import OUTAGES
from services.handler.bot_api import BotApi
from services.handler.conversation.context import FileSource
from services.handler.conversation.dispatcher import converse
from services.handler.conversation.replies import (
    AnswerCallback,
    Effect,
    RequestOcr,
    SendMessage,
)
from services.handler.conversation.state import ConversationState
from services.handler.errors import DependencyUnavailable
from services.handler.metrics import HandlerMetrics
from services.handler.telegram import Incoming, Update, ticket_incoming, to_incoming
from services.handler.texts import catalogue_for
from services.handler.tracker.postgres import PgTracker
from services.handler.tracker.unit_of_work import UnitOfWork
from shared.ocr_api import KIND_TICKET_READ, OcrJob, TicketRead
from shared.session_api import (
    DEFAULT_MAX_BYTES,
    SessionConflict,
    SessionDuplicate,
    SessionSaved,
    SessionSnapshot,
    SessionTooLarge,
    session_size,
)
from shared.topology import HEADER_ACCEPTED_AT, HEADER_DELIVERY_COUNT, HEADER_KIND, now_ms

log = logging.getLogger(__name__)

T = TypeVar("T")


class Delivery(Protocol):
    """What the processor needs of a RabbitMQ delivery (aio-pika's IncomingMessage fits)."""

    @property
    def body(self) -> bytes: ...
    @property
    def headers(self) -> Any: ...
    @property
    def redelivered(self) -> bool | None: ...
    @property
    def routing_key(self) -> str | None: ...
    async def ack(self, multiple: bool = False) -> None: ...


class SessionPort(Protocol):
    async def get(self, user_id: int, update_id: int | None = None) -> SessionSnapshot: ...

    async def update(
        self,
        user_id: int,
        expected_version: int,
        data: dict[str, Any],
        update_id: int | None = None,
    ) -> SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge: ...


class DeadLetterPort(Protocol):
    async def put(
        self, body: bytes, headers: dict[str, Any], *, reason: str, attempts: int, error: str
    ) -> None: ...


class OcrPort(Protocol):
    async def submit(self, job: OcrJob) -> None: ...


class SessionChanged(DependencyUnavailable):
    """The session was written by someone else between our read and our write."""


class _SessionTooLarge(Exception):
    """Raised inside the tracker transaction to roll it back: the step's session is too large."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def returned(headers: dict[str, Any]) -> int:
    """How many times the partition returned this delivery unacknowledged before: a replica
    died with it, or gave its partition up (hand-over, shutdown) with it in hand."""
    value = headers.get(HEADER_DELIVERY_COUNT)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def accepted_at_ms(delivery: Delivery) -> int | None:
    """When the gateway accepted the update (its header), if it says."""
    value = (delivery.headers or {}).get(HEADER_ACCEPTED_AT)
    return value if isinstance(value, int) else None


def parse_delivery(body: bytes, headers: dict[str, Any]) -> tuple[int, Incoming | None]:
    """The delivery's dedupe id and what the conversation sees of it (``None``: nothing).

    A partition carries Telegram updates and, marked by ``x-kind``, the OCR service's
    readings of ticket photos.  Raises ``ValidationError`` for anything else.
    """
    if headers.get(HEADER_KIND) == KIND_TICKET_READ:
        ticket = TicketRead.model_validate_json(body)
        return ticket.event_id, ticket_incoming(ticket)
    update = Update.model_validate_json(body)
    return update.update_id, to_incoming(update)


async def pause(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep, unless the partition is given up first: then raise ``Abandoned``."""
    if seconds > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), seconds)
    if stopping.is_set():
        raise Abandoned


class UpdateProcessor:
    def __init__(
        self,
        sessions: SessionPort,
        pool: asyncpg.Pool,
        bot: BotApi,
        dead_letters: DeadLetterPort,
        *,
        files: FileSource,
        ocr: OcrPort,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
        instance: str,
        max_attempts: int = 3,
        max_redeliveries: int = 10,
        max_backoff: float = 5.0,
        failure_pause: float = 1.0,
        session_max_bytes: int = DEFAULT_MAX_BYTES,
        metrics: HandlerMetrics | None = None,
    ) -> None:
        self._metrics = metrics or HandlerMetrics(CollectorRegistry())
        self._sessions = sessions
        self._pool = pool
        self._bot = bot
        self._files = files
        self._ocr = ocr
        self._today = today
        self._dead_letters = dead_letters
        self._instance = instance
        self._max_attempts = max_attempts
        self._max_redeliveries = max_redeliveries
        # Per partition, the return count of the last update dead-lettered for coming back
        # too often.  The quorum queue counts every delivery in hand at each death, and
        # redelivered updates run one at a time in queue order, so the ones returned with it
        # (no more often than it) come after it here and are innocent: they are run.  One
        # that is poison too kills this replica, so its next owner finds it counted higher.
        self._spared: dict[str | None, int] = {}
        self._max_backoff = max_backoff
        self._failure_pause = failure_pause
        self._session_max_bytes = session_max_bytes

    async def handle(self, delivery: Delivery, stopping: asyncio.Event) -> None:
        """Process a delivery and acknowledge it, or leave it unsettled if abandoned."""
        try:
            await self._settle(delivery, stopping)
        except Abandoned:
            log.info("update left to the partition's next owner", extra={"instance": self._instance})
            return
        try:
            await delivery.ack()
        except Exception as exc:
            # The broker went away after the work was done: the redelivery is a recorded no-op.
            log.warning("could not acknowledge update", extra={"error": repr(exc)})
            return
        if (accepted := accepted_at_ms(delivery)) is not None:
            self._metrics.latency.observe(max(now_ms() - accepted, 0) / 1000)

    async def _settle(self, delivery: Delivery, stopping: asyncio.Event) -> None:
        headers = dict(delivery.headers or {})
        what: dict[str, Any] = {"instance": self._instance, "partition": delivery.routing_key}
        try:
            update_id, incoming = parse_delivery(delivery.body, headers)
        except ValidationError as exc:
            log.warning("not a Telegram update, dead-lettered", extra={**what, "errors": exc.error_count()})
            await self._bury(delivery, headers, "invalid", 1, f"not a Telegram update: {exc}", stopping, what)
            return
        what["update_id"] = update_id
        if incoming is None:
            log.info("update ignored: nothing for the bot", extra=what)
            return
        what |= {"user": user_hash(incoming.user_id), "kind": incoming.kind}

        count = returned(headers)
        if count > self._max_redeliveries and count > self._spared.get(delivery.routing_key, -1):
            # What was in hand with it at every death was returned as often: those behind it
            # on this partition, at this count or below, are run (see ``_spared``).
            self._spared[delivery.routing_key] = count
            deliveries = count + 1
            log.error("update keeps coming back unfinished, dead-lettered", extra={**what, "deliveries": deliveries})
            await self._bury(
                delivery, headers, "redelivered", deliveries,
                f"delivered {deliveries} times without finishing", stopping, what,
            )
            return

        started_at, started = time.time(), time.monotonic()
        for attempt in range(1, self._max_attempts + 1):
            try:
                outcome = await self._wait(lambda: self._once(incoming, update_id, stopping, what), stopping, what)
                break
            except Abandoned:
                raise
            except Exception as exc:
                self._metrics.failed.labels(incoming.kind).inc()
                if attempt < self._max_attempts:
                    log.exception("update failed, trying again", extra={**what, "attempt": attempt})
                    await pause(stopping, self._failure_pause * attempt)
                    continue
                log.exception("update failed every try, dead-lettered", extra={**what, "attempt": attempt})
                await self._bury(delivery, headers, "failed", attempt, f"{type(exc).__name__}: {exc}", stopping, what)
                outcome = "dead-lettered"
        if outcome == "dead-lettered":
            return
        finished_at, elapsed = time.time(), time.monotonic() - started
        self._metrics.processed.labels(incoming.kind, outcome).inc()
        self._metrics.processing.labels(incoming.kind).observe(elapsed)
        extra = {
            **what,
            "outcome": outcome,
            "redelivered": bool(delivery.redelivered),
            "ms": round(elapsed * 1000, 1),
            "started_at": started_at,
            "finished_at": finished_at,
        }
        if (accepted := accepted_at_ms(delivery)) is not None:
            extra["since_accepted_ms"] = round(finished_at * 1000 - accepted, 1)
        log.info("update already applied, skipped" if outcome == "duplicate" else "update processed", extra=extra)

    async def _wait(self, attempt: Callable[[], Awaitable[T]], stopping: asyncio.Event, what: dict[str, Any]) -> T:
        """Run ``attempt``, retrying transient failures with backoff until it works or we stop.

        The first try runs even when the partition is being given up: an update in hand is
        finished if it can be (its replies may be out already and only its write left); only
        a retry is given up (``pause``)."""
        delay = 0.2
        while True:
            try:
                return await attempt()
            except SessionChanged:
                log.warning("session changed concurrently, re-running update", extra=what)
            except OUTAGES as exc:  # a dependency's, not the update's: waited out
                self._metrics.dependency_retries.inc()
                log.warning(
                    "dependency unavailable, retrying",
                    extra={**what, "error": repr(exc), "retry_in": delay},
                )
                await pause(stopping, delay)
                delay = min(delay * 2, self._max_backoff)

    async def _bury(
        self,
        delivery: Delivery,
        headers: dict[str, Any],
        reason: str,
        attempts: int,
        error: str,
        stopping: asyncio.Event,
        what: dict[str, Any],
    ) -> None:
        async def put() -> None:
            await self._dead_letters.put(delivery.body, headers, reason=reason, attempts=attempts, error=error)

        await self._wait(put, stopping, what)
        self._metrics.dead_letters.labels(reason).inc()

    async def _save(
        self,
        user_id: int,
        version: int,
        data: dict[str, Any],
        update_id: int,
        stopping: asyncio.Event,
        what: dict[str, Any],
    ) -> tuple[SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge, bool]:
        """Write the session, waiting out outages; also whether an earlier try of this very
        write failed unanswered (then a duplicate is most likely that try's, gone through)."""
        tries = 0

        async def write() -> SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge:
            nonlocal tries
            tries += 1
            with self._metrics.session_rpc.labels("update").time():
                return await self._sessions.update(user_id, version, data, update_id)

        saved = await self._wait(write, stopping, what)
        return saved, tries > 1

    async def _once(self, incoming: Incoming, update_id: int, stopping: asyncio.Event, what: dict[str, Any]) -> str:
        with self._metrics.session_rpc.labels("get").time():
            snapshot = await self._sessions.get(incoming.user_id, update_id)
        if snapshot.applied:
            return "duplicate"
        state = ConversationState.from_session(snapshot.data)
        limit = self._session_max_bytes
        try:
            async with UnitOfWork(self._pool) as work:
                outcome = await converse(incoming, state, PgTracker(work), self._files, self._today())
                data = outcome.state.to_session()
                if (size := session_size(data)) > limit:
                    raise _SessionTooLarge(size)  # rolls the tracker transaction back
        except _SessionTooLarge as exc:
            return await self._refuse_too_large(incoming, snapshot, update_id, exc.size, limit, stopping, what)
        await self._send(outcome.replies)
        # The replies are out: an outage now is waited out by this write alone, so they are
        # not sent again (a write that went through unanswered comes back as a duplicate).
        saved, retried = await self._save(incoming.user_id, snapshot.version, data, update_id, stopping, what)
        if isinstance(saved, SessionTooLarge):
            # The session service keeps less than SESSION_MAX_BYTES here says: a
            # misconfiguration.  This step's replies are out and its tracker changes stay
            # (every step that changes tracker data ends idle, with an empty session); the
            # session stays as it was.  Later updates are checked against its limit.
            log.error(
                "session service refused the session as too large: its SESSION_MAX_BYTES is "
                "below the handler's", extra={"update_id": update_id, "size": saved.size,
                                              "limit": saved.limit, "handler_limit": limit},
            )
            self._session_max_bytes = min(self._session_max_bytes, saved.limit)
            return await self._refuse_too_large(
                incoming, snapshot, update_id, saved.size, saved.limit, stopping, what
            )
        if isinstance(saved, SessionConflict):
            raise SessionChanged(f"expected v{saved.expected_version}, found v{saved.current_version}")
        if isinstance(saved, SessionDuplicate):
            if retried:
                # Our own earlier try went through, its answer lost: this run applied it.
                log.info("session write had gone through unanswered", extra={"update_id": update_id})
                return "applied"
            # Two replicas ran it at once (one cut off from PostgreSQL but not from
            # RabbitMQ): the first write won, this one changed nothing.
            log.warning("update was applied concurrently elsewhere", extra={"update_id": update_id})
            return "duplicate"
        return "applied"

    async def _send(self, replies: Sequence[Effect]) -> None:
        """Send the step's replies in order; a button's answer goes out together with the
        first message, not before it (the player's client stops spinning either way)."""
        rest = list(replies)
        if len(rest) > 1 and isinstance(rest[0], AnswerCallback):
            answer, first, *rest = rest
            assert isinstance(answer, AnswerCallback)
            results = await asyncio.gather(
                self._bot.send(answer), self._effect(first), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    raise result
        for reply in rest:
            await self._effect(reply)

    async def _effect(self, reply: Effect) -> None:
        if isinstance(reply, RequestOcr):
            await self._ocr.submit(reply.job)
        else:
            await self._bot.send(reply)

    async def _refuse_too_large(
        self,
        incoming: Incoming,
        snapshot: SessionSnapshot,
        update_id: int,
        size: int,
        limit: int,
        stopping: asyncio.Event,
        what: dict[str, Any],
    ) -> str:
        """Tell the user the step was too big, and record the update with the session unchanged."""
        log.warning(
            "session would be too large, update refused",
            extra={"update_id": update_id, "user": user_hash(incoming.user_id), "size": size, "limit": limit},
        )
        if incoming.kind == "callback":
            await self._bot.send(AnswerCallback(incoming.callback_id))  # a button must not spin
        await self._bot.send(
            SendMessage(incoming.chat_id, catalogue_for(incoming.language_code).session_too_large)
        )
        saved, _ = await self._save(incoming.user_id, snapshot.version, snapshot.data, update_id, stopping, what)
        if isinstance(saved, SessionConflict):
            raise SessionChanged(f"expected v{saved.expected_version}, found v{saved.current_version}")
        if isinstance(saved, SessionDuplicate):
            return "duplicate"
        if isinstance(saved, SessionTooLarge):  # the service never refuses unchanged data
            log.error("session service refused the unchanged session", extra={"update_id": update_id})
        return "session_too_large"
