"""One retry policy: exponential backoff with jitter, a cap, and the limits a caller needs.

Every loop that waits out a dependency (starting before RabbitMQ or PostgreSQL is up, a Bot
API call, an OCR job's download or publish) runs through :meth:`RetryPolicy.run`:

- the n-th wait grows as ``first * 2**n`` up to ``cap``, with jitter so that many clients
  failing together do not retry together (``full``: anywhere from 0 to that value;
  ``decorrelated``: between ``first`` and three times the previous wait; ``none``);
- a delay the server asks for (Telegram's 429 ``retry_after``, read from the error's
  ``retry_after`` attribute) is waited instead, up to ``server_delay_cap``;
- ``attempts`` and ``deadline`` bound the tries, after which the last error is raised;
- errors in ``immediate`` are tried again at once, without a wait and without looking at
  ``stopping`` (a lost compare-and-set, say); errors in ``fatal`` or outside ``retry_on``
  are raised at once;
- a wait ends early when ``stopping`` is set: :class:`Stopped` is raised, so a service
  shutting down hands its work back instead of sleeping through its graceful timeout.
  The first try always runs: only a retry is given up.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Literal, TypeVar

T = TypeVar("T")

Jitter = Literal["none", "full", "decorrelated"]
RetryHook = Callable[[BaseException, float, int], None]


class Stopped(Exception):
    """The wait before a retry was cut short by the ``stopping`` event."""


def server_delay(error: BaseException) -> float | None:
    """The seconds the server asked to wait, if the error carries them as ``retry_after``."""
    value = getattr(error, "retry_after", None)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


async def pause(stopping: asyncio.Event | None, seconds: float) -> None:
    """Sleep ``seconds``, or raise :class:`Stopped` once ``stopping`` is set."""
    if stopping is None:
        await asyncio.sleep(seconds)
        return
    if seconds > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), seconds)
    if stopping.is_set():
        raise Stopped


@dataclass(frozen=True)
class RetryPolicy:
    first: float = 0.5
    cap: float = 5.0
    jitter: Jitter = "full"
    attempts: int | None = None  # tries in all, the first included; None: no limit
    deadline: float | None = None  # seconds after the first try starts; None: no limit
    retry_on: tuple[type[BaseException], ...] = (Exception,)
    immediate: tuple[type[BaseException], ...] = ()
    fatal: tuple[type[BaseException], ...] = ()  # raised at once, even if in ``retry_on``
    server_delay_cap: float = 60.0
    uniform: Callable[[float, float], float] = random.uniform

    def backoff(self) -> Iterator[float]:
        """The successive waits between failed tries, before any server-given delay."""
        ceiling = self.first
        previous = self.first
        while True:
            if self.jitter == "full":
                yield self.uniform(0.0, min(ceiling, self.cap))
            elif self.jitter == "decorrelated":
                previous = min(self.cap, self.uniform(self.first, previous * 3))
                yield previous
            else:
                yield min(ceiling, self.cap)
            ceiling = min(ceiling * 2, self.cap)

    async def run(
        self,
        attempt: Callable[[], Awaitable[T]],
        *,
        stopping: asyncio.Event | None = None,
        on_retry: RetryHook | None = None,
    ) -> T:
        """``attempt()``'s result once it succeeds; retries as the policy says.

        ``on_retry(error, wait, tries)`` is called before each wait (to log or count it);
        the wait is 0 for an ``immediate`` error.  Raises the last error when the attempts
        or the deadline run out, and :class:`Stopped` when ``stopping`` ends a wait.
        """
        waits = self.backoff()
        started = time.monotonic()
        tries = 0
        while True:
            tries += 1
            try:
                return await attempt()
            except self.fatal:
                raise
            except self.immediate as exc:
                if self._exhausted(tries, started, 0.0):
                    raise
                if on_retry is not None:
                    on_retry(exc, 0.0, tries)
                continue
            except self.retry_on as exc:
                asked = server_delay(exc)
                wait = next(waits) if asked is None else min(max(asked, 0.0), self.server_delay_cap)
                if self._exhausted(tries, started, wait):
                    raise
                if on_retry is not None:
                    on_retry(exc, wait, tries)
            await pause(stopping, wait)

    def _exhausted(self, tries: int, started: float, wait: float) -> bool:
        if self.attempts is not None and tries >= self.attempts:
            return True
        return self.deadline is not None and time.monotonic() - started + wait > self.deadline
