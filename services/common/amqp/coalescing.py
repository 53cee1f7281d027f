"""Coalescing many callers' requests into one message: the batching side of an RPC client.

Callers ``submit`` items and each awaits its own outcome; a ``send`` function carries a list
of items in one request and returns their outcomes in the same order.  When a batch goes:

- at once (on the event loop's next turn, which gathers whatever else the running updates
  submit in the same turn) when no batch is in flight, so a lone update pays no extra latency;
- otherwise after ``window`` seconds, collecting the items that arrive while earlier batches
  are answered, or as soon as ``max_items`` are waiting.

A failed ``send`` fails every item of its batch with the same exception; each caller decides
whether to try again (for the session API that is harmless, see shared/session_api.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class Coalescer(Generic[Item, Outcome]):
    def __init__(
        self,
        send: Callable[[Sequence[Item]], Awaitable[Sequence[Outcome]]],
        *,
        max_items: int,
        window: float,
        observe: Callable[[int], None] = lambda _: None,
    ) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self._send = send
        self._max_items = max_items
        self._window = window
        self._observe = observe  # told each batch's size
        self._waiting: list[tuple[Item, asyncio.Future[Outcome]]] = []
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Outcome:
        """The item's outcome, once the batch it went in is answered."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._waiting.append((item, future))
        if len(self._waiting) >= self._max_items:
            self._flush()
        elif self._timer is None:
            if self._in_flight:
                self._timer = loop.call_later(self._window, self._flush)
            else:
                self._timer = loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._waiting:
            batch = self._waiting[: self._max_items]
            del self._waiting[: self._max_items]
            self._in_flight += 1
            task = asyncio.create_task(self._deliver(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, batch: list[tuple[Item, asyncio.Future[Outcome]]]) -> None:
        self._observe(len(batch))
        try:
            outcomes = await self._send([item for item, _ in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(batch)} items")
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        finally:
            self._in_flight -= 1
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():  # its caller may have been cancelled meanwhile
                future.set_result(outcome)
