"""The unit of work of one update: applied at most once, its session write the commit point.

Read the session with "was this update already applied?"; run the conversation in a tracker
transaction; hold the step to the session size rule; send the replies; write the session,
compare-and-set on the version read, recording the update id.  See the package docstring
for why each step is where it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Protocol

from services.common.logs import user_hash
from services.handler.conversation.context import FileSource
from services.handler.conversation.dispatcher import converse
from services.handler.conversation.identity import UNNAMED_BOT, BotIdentity
from services.handler.conversation.replies import AnswerCallback, SendMessage
from services.handler.conversation.state import ConversationState
from services.handler.metrics import HandlerMetrics
from services.handler.pipeline.effects import Effects
from services.handler.pipeline.limits import PipelineLimits
from services.handler.pipeline.outcome import Outcome
from services.handler.pipeline.waiting import Patience, SessionChanged
from services.handler.telegram import Incoming
from services.handler.texts import catalogue_for
from services.handler.tracker.model import TrackerStore
from shared.session_api import (
    SessionConflict,
    SessionDuplicate,
    SessionSaved,
    SessionSnapshot,
    SessionTooLarge,
    session_size,
)

log = logging.getLogger(__name__)

SessionWrite = SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge


class SessionPort(Protocol):
    async def get(self, user_id: int, update_id: int | None = None) -> SessionSnapshot: ...

    async def update(
        self,
        user_id: int,
        expected_version: int,
        data: dict[str, Any],
        update_id: int | None = None,
    ) -> SessionWrite: ...


class _SessionTooLarge(Exception):
    """Raised inside the tracker transaction to roll it back: the step's session is too large."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class UpdateApplier:
    def __init__(
        self,
        sessions: SessionPort,
        store: TrackerStore,
        files: FileSource,
        effects: Effects,
        *,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        limits: PipelineLimits,
        metrics: HandlerMetrics,
        identity: BotIdentity = UNNAMED_BOT,
    ) -> None:
        self._sessions = sessions
        # The bot's username, for the conversation's answers in groups; set by the app once
        # getMe has answered, before any partition is consumed.
        self.identity = identity
        self._store = store
        self._files = files
        self._effects = effects
        self._today = today
        self._now = now
        self._metrics = metrics
        # Lowered to the session service's limit if that one turns out to be smaller.
        self._session_max_bytes = limits.session_max_bytes

    async def apply(self, incoming: Incoming, update_id: int, patience: Patience) -> Outcome:
        """Apply the update once; raises ``SessionChanged`` for a re-run on fresh state."""
        with self._metrics.session_rpc.labels("get").time():
            snapshot = await self._sessions.get(incoming.user_id, update_id)
        if snapshot.applied:
            return Outcome.DUPLICATE
        state = ConversationState.from_session(snapshot.data)
        limit = self._session_max_bytes
        try:
            async with self._store.unit_of_work() as tracker:
                outcome = await converse(
                    incoming, state, tracker, self._files, self._today(), self.identity, self._now()
                )
                data = outcome.state.to_session()
                if (size := session_size(data)) > limit:
                    raise _SessionTooLarge(size)  # rolls the tracker transaction back
        except _SessionTooLarge as exc:
            return await self._refuse_too_large(incoming, snapshot, update_id, exc.size, limit, patience)
        await self._effects.send(outcome.replies)
        # The replies are out: an outage now is waited out by this write alone, so they are
        # not sent again (a write that went through unanswered comes back as a duplicate).
        saved, retried = await self._save(incoming.user_id, snapshot.version, data, update_id, patience)
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
                incoming, snapshot, update_id, saved.size, saved.limit, patience
            )
        if isinstance(saved, SessionConflict):
            raise SessionChanged(f"expected v{saved.expected_version}, found v{saved.current_version}")
        if isinstance(saved, SessionDuplicate):
            if retried:
                # Our own earlier try went through, its answer lost: this run applied it.
                log.info("session write had gone through unanswered", extra={"update_id": update_id})
                return Outcome.APPLIED
            # Two replicas ran it at once (one cut off from PostgreSQL but not from
            # RabbitMQ): the first write won, this one changed nothing.
            log.warning("update was applied concurrently elsewhere", extra={"update_id": update_id})
            return Outcome.DUPLICATE
        return Outcome.APPLIED

    async def _save(
        self, user_id: int, version: int, data: dict[str, Any], update_id: int, patience: Patience
    ) -> tuple[SessionWrite, bool]:
        """Write the session, waiting out outages; also whether an earlier try of this very
        write failed unanswered (then a duplicate is most likely that try's, gone through)."""
        tries = 0

        async def write() -> SessionWrite:
            nonlocal tries
            tries += 1
            with self._metrics.session_rpc.labels("update").time():
                return await self._sessions.update(user_id, version, data, update_id)

        saved = await patience.wait_out(write)
        return saved, tries > 1

    async def _refuse_too_large(
        self,
        incoming: Incoming,
        snapshot: SessionSnapshot,
        update_id: int,
        size: int,
        limit: int,
        patience: Patience,
    ) -> Outcome:
        """Tell the user the step was too big, and record the update with the session unchanged."""
        log.warning(
            "session would be too large, update refused",
            extra={"update_id": update_id, "user": user_hash(incoming.user_id), "size": size, "limit": limit},
        )
        if incoming.kind == "callback":
            await self._effects.send_one(AnswerCallback(incoming.callback_id))  # a button must not spin
        await self._effects.send_one(
            SendMessage(incoming.chat_id, catalogue_for(incoming.language_code).session_too_large)
        )
        saved, _ = await self._save(incoming.user_id, snapshot.version, snapshot.data, update_id, patience)
        if isinstance(saved, SessionConflict):
            raise SessionChanged(f"expected v{saved.expected_version}, found v{saved.current_version}")
        if isinstance(saved, SessionDuplicate):
            return Outcome.DUPLICATE
        if isinstance(saved, SessionTooLarge):  # the service never refuses unchanged data
            log.error("session service refused the unchanged session", extra={"update_id": update_id})
        return Outcome.SESSION_TOO_LARGE
