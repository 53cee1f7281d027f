"""Coalescing callers' requests into batches: a lone call leaves at once, concurrent calls
share a message, every caller gets its own outcome or its batch's failure."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from services.common.amqp.coalescing import Coalescer


class Recorder:
    """A ``send`` that records each batch and answers each item with its double; ``gate``
    holds the answers back while set up to."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail: Exception | None = None

    async def send(self, items: Sequence[int]) -> list[int]:
        self.batches.append(list(items))
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return [2 * i for i in items]


async def test_a_lone_call_is_sent_at_once_without_waiting_for_the_window() -> None:
    sent = Recorder()
    batches = Coalescer(sent.send, max_items=64, window=30.0)
    assert await asyncio.wait_for(batches.submit(21), 1.0) == 42  # far less than the window
    assert sent.batches == [[21]]


async def test_calls_made_together_share_one_message_and_each_gets_its_own_outcome() -> None:
    sent = Recorder()
    batches = Coalescer(sent.send, max_items=64, window=30.0)
    outcomes = await asyncio.gather(*(batches.submit(i) for i in range(10)))
    assert outcomes == [2 * i for i in range(10)]
    assert sent.batches == [list(range(10))]


async def test_calls_while_a_batch_is_in_flight_go_together_after_the_window() -> None:
    sent = Recorder()
    sent.gate.clear()
    batches = Coalescer(sent.send, max_items=64, window=0.05)
    first = asyncio.create_task(batches.submit(1))
    await asyncio.sleep(0)  # the first batch leaves and waits for its answer
    later = [asyncio.create_task(batches.submit(i)) for i in (2, 3, 4)]

    async def second_batch_sent() -> None:
        while len(sent.batches) < 2:
            await asyncio.sleep(0.005)

    await asyncio.wait_for(second_batch_sent(), 2.0)  # within the window, not after the answer
    assert sent.batches == [[1], [2, 3, 4]]
    sent.gate.set()
    assert await first == 2 and [await t for t in later] == [4, 6, 8]


async def test_a_full_batch_leaves_without_waiting() -> None:
    sent = Recorder()
    sent.gate.clear()
    batches = Coalescer(sent.send, max_items=3, window=30.0)
    first = asyncio.create_task(batches.submit(0))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(batches.submit(i)) for i in range(1, 7)]

    async def three_sent() -> None:
        while len(sent.batches) < 3:
            await asyncio.sleep(0.005)

    await asyncio.wait_for(three_sent(), 2.0)  # far less than the window
    assert sent.batches == [[0], [1, 2, 3], [4, 5, 6]]  # two full ones, no window waited
    sent.gate.set()
    assert [await t for t in [first, *rest]] == [2 * i for i in range(7)]


async def test_a_failed_send_fails_every_call_of_its_batch_and_the_next_batch_works() -> None:
    sent = Recorder()
    sent.fail = ConnectionError("broker gone")
    batches = Coalescer(sent.send, max_items=64, window=0.01)
    outcomes = await asyncio.gather(*(batches.submit(i) for i in range(3)), return_exceptions=True)
    assert all(isinstance(o, ConnectionError) for o in outcomes)
    sent.fail = None
    assert await batches.submit(5) == 10


async def test_an_answer_of_the_wrong_length_is_an_error_for_every_caller() -> None:
    async def short(items: Sequence[int]) -> list[int]:
        return list(items)[:-1]

    batches = Coalescer(short, max_items=64, window=0.01)
    outcomes = await asyncio.gather(*(batches.submit(i) for i in range(2)), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)


def test_a_batch_holds_at_least_one_item() -> None:
    async def send(items: Sequence[int]) -> list[int]:
        return list(items)

    with pytest.raises(ValueError):
        Coalescer(send, max_items=0, window=0.0)
