"""Starting before the dependencies are up: wait for them instead of crashing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from services.common.retry import RetryPolicy

log = logging.getLogger(__name__)

T = TypeVar("T")


async def until_up(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    cap: float = 5.0,
    fatal: tuple[type[Exception], ...] = (),
) -> T:
    """Run ``attempt`` until it succeeds, backing off from 0.5 s to ``cap`` seconds.

    A service started while RabbitMQ or PostgreSQL restarts (or before they are up at all)
    waits for them and logs why, rather than exiting and relying on a supervisor.  A
    ``fatal`` error (a configuration mistake that waiting cannot mend) is raised at once.
    """

    def retrying(exc: BaseException, wait: float, tries: int) -> None:
        log.warning(
            f"{what} not reachable, retrying",
            extra={"error": f"{type(exc).__name__}: {exc}"[:300], "retry_in": round(wait, 2)},
        )

    return await RetryPolicy(first=0.5, cap=cap, fatal=fatal).run(attempt, on_retry=retrying)
