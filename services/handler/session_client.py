"""Client of the session service: gets and compare-and-set writes, batched per process.

Every update in hand in this process reads its session and later writes it.  The calls are
coalesced (``services.common.amqp.coalescing``) into ``SessionBatch`` messages sent over the
shared RPC client, so when many updates are in flight one request message and one reply carry
many of their calls, while a lone update's call leaves at once.  Each call still gets its own
typed outcome; an item the service could not serve raises ``DependencyUnavailable`` for that
caller only, to be waited out and retried like any outage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from services.common.amqp.coalescing import Coalescer
from services.common.amqp.rpc import RpcClient
from services.common.errors import DependencyUnavailable
from shared.session_api import (
    MAX_BATCH_ITEMS,
    GetSession,
    SessionBatch,
    SessionConflict,
    SessionDuplicate,
    SessionError,
    SessionSaved,
    SessionSnapshot,
    SessionTooLarge,
    UpdateSession,
    batch_reply_adapter,
)
from shared.topology import Topology

Request = GetSession | UpdateSession
WriteOutcome = SessionSaved | SessionConflict | SessionDuplicate | SessionTooLarge
Outcome = SessionSnapshot | WriteOutcome | SessionError

DEFAULT_BATCH_WINDOW = 0.002


class SessionServiceError(Exception):
    """The session service rejected the request as malformed: a bug, not worth retrying."""


class SessionClient:
    def __init__(
        self,
        amqp_url: str,
        topology: Topology,
        timeout: float,
        *,
        batch_max: int = 64,
        batch_window: float = DEFAULT_BATCH_WINDOW,
        observe_batch: Callable[[int], None] = lambda _: None,
    ) -> None:
        self._rpc = RpcClient(amqp_url, timeout)
        self._queue = topology.session_requests_queue.name
        self._batches: Coalescer[Request, Outcome] = Coalescer(
            self._send,
            max_items=min(batch_max, MAX_BATCH_ITEMS),
            window=batch_window,
            observe=observe_batch,
        )

    async def get(self, user_id: int, update_id: int | None = None) -> SessionSnapshot:
        """Read the session; with ``update_id`` the snapshot also says whether it was applied."""
        reply = _checked(await self._batches.submit(GetSession(user_id=user_id, update_id=update_id)))
        assert isinstance(reply, SessionSnapshot)
        return reply

    async def update(
        self,
        user_id: int,
        expected_version: int,
        data: dict[str, Any],
        update_id: int | None = None,
    ) -> WriteOutcome:
        """Compare-and-set the session; with ``update_id`` a replayed update is refused, and
        data larger than the service keeps is refused with ``SessionTooLarge``."""
        request = UpdateSession(
            user_id=user_id, expected_version=expected_version, data=data, update_id=update_id
        )
        reply = _checked(await self._batches.submit(request))
        assert not isinstance(reply, SessionSnapshot)
        return reply

    async def close(self) -> None:
        await self._rpc.close()

    async def _send(self, requests: Sequence[Request]) -> list[Outcome]:
        """One batch: the items' outcomes in the order of ``requests``."""
        gets = [r for r in requests if isinstance(r, GetSession)]
        updates = [r for r in requests if isinstance(r, UpdateSession)]
        body = SessionBatch(gets=gets, updates=updates).model_dump_json().encode()
        reply = batch_reply_adapter.validate_json(await self._rpc.call(self._queue, body))
        if isinstance(reply, SessionError):
            _raise(reply)
        if len(reply.gets) != len(gets) or len(reply.updates) != len(updates):
            raise DependencyUnavailable("session service answered a different batch")
        got, written = iter(reply.gets), iter(reply.updates)
        return [next(got) if isinstance(r, GetSession) else next(written) for r in requests]


def _checked(reply: Outcome) -> SessionSnapshot | WriteOutcome:
    if isinstance(reply, SessionError):
        _raise(reply)
    return reply


def _raise(error: SessionError) -> NoReturn:
    """A malformed request is a bug (not retried); anything else an outage to wait out."""
    if error.code == "bad_request":
        raise SessionServiceError(error.message)
    raise DependencyUnavailable(f"session service error: {error.message}")
