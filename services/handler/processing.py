"""One update, start to finish: session in, conversation, data saved, replies out, session out.

Order, and why:
1. read the session (one RPC);
2. run the conversation inside one tracker transaction and commit it; every write is
   idempotent on the update id, so a redelivered update cannot store anything twice;
3. send the replies (a redelivery may send them again: at-least-once);
4. write the session once, compare-and-set on the version read in 1;
5. return, and only then is the message acknowledged (FastStream acks on success).
A failing dependency is retried with backoff for up to ``retry_for`` seconds; after that the
exception propagates and the message goes back to the queue, never dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import asyncpg
from pydantic import ValidationError

from services.handler.bot_api import BotApi
from services.handler.conversation.dispatcher import converse
from services.handler.conversation.state import ConversationState
from services.handler.errors import DependencyUnavailable
from services.handler.telegram import Incoming, Update, to_incoming
from services.handler.tracker.postgres import PgTracker
from shared.session_api import SessionConflict, SessionSaved, SessionSnapshot

log = logging.getLogger(__name__)

# Failures of a dependency rather than of the update itself: worth waiting out.
TRANSIENT: tuple[type[BaseException], ...] = (
    DependencyUnavailable,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    ConnectionError,
    OSError,
    TimeoutError,
)


UNEXPECTED_FAILURE_PAUSE = 1.0


class SessionPort(Protocol):
    async def get(self, user_id: int) -> SessionSnapshot: ...

    async def update(
        self, user_id: int, expected_version: int, data: dict[str, Any]
    ) -> SessionSaved | SessionConflict: ...


class SessionChanged(DependencyUnavailable):
    """The session was written by someone else between our read and our write."""


def user_hash(user_id: int) -> str:
    """A stable pseudonym of a user for logs."""
    return hashlib.sha256(str(user_id).encode()).hexdigest()[:12]


async def retrying(
    attempt: Callable[[], Awaitable[None]], retry_for: float, *, what: dict[str, Any]
) -> None:
    deadline = time.monotonic() + retry_for
    delay = 0.2
    while True:
        try:
            return await attempt()
        except TRANSIENT as exc:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.error("update failed, returning it to the queue", extra={**what, "error": repr(exc)})
                raise
            if isinstance(exc, SessionChanged):
                log.warning("session changed concurrently, re-running update", extra=what)
                continue
            log.warning("dependency unavailable, retrying", extra={**what, "error": repr(exc), "retry_in": delay})
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, 5.0)


class UpdateProcessor:
    def __init__(
        self,
        sessions: SessionPort,
        pool: asyncpg.Pool,
        bot: BotApi,
        *,
        retry_for: float,
        instance: str,
    ) -> None:
        self._sessions = sessions
        self._pool = pool
        self._bot = bot
        self._retry_for = retry_for
        self._instance = instance

    async def process(self, body: bytes) -> None:
        try:
            update = Update.model_validate_json(body)
        except ValidationError as exc:
            log.warning("not a Telegram update, dropped", extra={"errors": exc.error_count()})
            return
        incoming = to_incoming(update)
        what: dict[str, Any] = {"update_id": update.update_id, "instance": self._instance}
        if incoming is None:
            log.info("update ignored: nothing for the bot", extra=what)
            return
        what |= {"user": user_hash(incoming.user_id), "kind": incoming.kind}
        started = time.monotonic()
        try:
            await retrying(lambda: self._once(incoming), self._retry_for, what=what)
        except TRANSIENT:
            raise  # already logged by retrying()
        except Exception:
            # A bug, not a dependency: the update goes back to the queue. The pause keeps
            # an update that fails every time from spinning a core until it is dead-lettered.
            log.exception("update failed, returning it to the queue", extra=what)
            await asyncio.sleep(UNEXPECTED_FAILURE_PAUSE)
            raise
        log.info(
            "update processed",
            extra={**what, "ms": round((time.monotonic() - started) * 1000, 1)},
        )

    async def _once(self, incoming: Incoming) -> None:
        snapshot = await self._sessions.get(incoming.user_id)
        state = ConversationState.from_session(snapshot.data)
        async with self._pool.acquire() as conn, conn.transaction():
            outcome = await converse(incoming, state, PgTracker(conn))
        for reply in outcome.replies:
            await self._bot.send(reply)
        saved = await self._sessions.update(
            incoming.user_id, snapshot.version, outcome.state.to_session()
        )
        if isinstance(saved, SessionConflict):
            raise SessionChanged(f"expected v{saved.expected_version}, found v{saved.current_version}")
