"""Waiting out a dependency's outage for the update in hand, until its partition is given up.

A dependency that is unavailable (session service, PostgreSQL, RabbitMQ; which failures say
so: ``services/common/outage.py``) is not the update's fault: the update is tried again with
backoff for as long as it takes.  When the partition is given up meanwhile (hand-over,
SIGTERM) the wait ends with ``Abandoned`` and the update is left to the partition's next
owner.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from services.common import retry
from services.common.amqp.consumer import Abandoned
from services.common.outage import OUTAGES
from services.handler.errors import DependencyUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_DELAY = 0.2  # seconds before the first retry of an outage; doubled up to max_backoff


class SessionChanged(DependencyUnavailable):
    """The session was written by someone else between our read and our write."""


async def pause(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep, unless the partition is given up first: then raise ``Abandoned``."""
    try:
        await retry.pause(stopping, seconds)
    except retry.Stopped:
        raise Abandoned from None


async def wait_out(
    attempt: Callable[[], Awaitable[T]],
    stopping: asyncio.Event,
    what: dict[str, Any],
    *,
    max_backoff: float,
    retried: Callable[[], None],
) -> T:
    """Run ``attempt``, retrying transient failures with backoff until it works or we stop.

    A ``SessionChanged`` is retried at once (the attempt reads the session afresh); an
    outage after a pause that doubles up to ``max_backoff``, each counted by ``retried``.
    The first try runs even when the partition is being given up: an update in hand is
    finished if it can be (its replies may be out already and only its write left); only
    a retry is given up."""
    policy = retry.RetryPolicy(
        first=FIRST_DELAY,
        cap=max_backoff,
        jitter="none",
        retry_on=OUTAGES,
        immediate=(SessionChanged,),
    )

    def on_retry(exc: BaseException, wait: float, tries: int) -> None:
        if isinstance(exc, SessionChanged):
            log.warning("session changed concurrently, re-running update", extra=what)
            return
        retried()  # a dependency's outage, not the update's fault: waited out
        log.warning(
            "dependency unavailable, retrying",
            extra={**what, "error": repr(exc), "retry_in": wait},
        )

    try:
        return await policy.run(attempt, stopping=stopping, on_retry=on_retry)
    except retry.Stopped:
        raise Abandoned from None


@dataclass(frozen=True)
class Patience:
    """How one update in hand waits: ``stopping`` is set when its partition is given up,
    ``what`` names the update in the logs."""

    stopping: asyncio.Event
    what: dict[str, Any]
    max_backoff: float
    retried: Callable[[], None]  # counts one retry of an outage

    async def pause(self, seconds: float) -> None:
        await pause(self.stopping, seconds)

    async def wait_out(self, attempt: Callable[[], Awaitable[T]]) -> T:
        return await wait_out(
            attempt, self.stopping, self.what, max_backoff=self.max_backoff, retried=self.retried
        )
