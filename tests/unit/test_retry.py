"""The retry policy: its waits, its limits, server-given delays and stopping."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time

import pytest

from services.common.retry import RetryPolicy, Stopped, pause, server_delay
from services.common.startup import until_up


class Flaky(Exception):
    def __init__(self, retry_after: float | None = None) -> None:
        super().__init__("flaky")
        self.retry_after = retry_after


class Conflict(Flaky):
    pass


class Broken(Exception):
    pass


def failing(*errors: BaseException, result: str = "done"):  # type: ignore[no-untyped-def]
    """An attempt raising ``errors`` one per call, then answering ``result``; counts calls."""
    calls: list[int] = []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return attempt, calls


def waits_of(policy: RetryPolicy, n: int) -> list[float]:
    return list(itertools.islice(policy.backoff(), n))


def test_backoff_doubles_from_first_to_the_cap() -> None:
    assert waits_of(RetryPolicy(first=0.5, cap=3.0, jitter="none"), 6) == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


def test_full_jitter_draws_between_zero_and_the_plain_wait() -> None:
    drawn: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        drawn.append((low, high))
        return high / 2

    assert waits_of(RetryPolicy(first=1.0, cap=4.0, uniform=uniform), 4) == [0.5, 1.0, 2.0, 2.0]
    assert drawn == [(0.0, 1.0), (0.0, 2.0), (0.0, 4.0), (0.0, 4.0)]


def test_decorrelated_jitter_stays_between_first_and_the_cap() -> None:
    policy = RetryPolicy(first=0.2, cap=5.0, jitter="decorrelated", uniform=lambda low, high: high)
    assert waits_of(policy, 5) == pytest.approx([0.6, 1.8, 5.0, 5.0, 5.0])
    policy = RetryPolicy(first=0.2, cap=5.0, jitter="decorrelated", uniform=lambda low, high: low)
    assert waits_of(policy, 3) == [0.2, 0.2, 0.2]


async def test_retries_until_it_works_and_reports_each_retry() -> None:
    attempt, calls = failing(Flaky(), Flaky())
    seen: list[tuple[str, float, int]] = []
    policy = RetryPolicy(first=0.01, cap=0.02, jitter="none")
    result = await policy.run(attempt, on_retry=lambda e, w, n: seen.append((type(e).__name__, w, n)))
    assert result == "done" and len(calls) == 3
    assert seen == [("Flaky", 0.01, 1), ("Flaky", 0.02, 2)]


async def test_the_attempt_limit_raises_the_last_error() -> None:
    last = Flaky()
    attempt, calls = failing(Flaky(), Flaky(), last)
    with pytest.raises(Flaky) as raised:
        await RetryPolicy(first=0.001, attempts=3).run(attempt)
    assert raised.value is last and len(calls) == 3


async def test_the_deadline_stops_before_a_wait_that_would_pass_it() -> None:
    attempt, calls = failing(Flaky(), Flaky(), Flaky())
    started = time.monotonic()
    with pytest.raises(Flaky):
        await RetryPolicy(first=0.05, cap=10.0, jitter="none", deadline=0.1).run(attempt)
    # Waits 0.05, then would wait 0.1 more: past the deadline, so it gives up at once.
    assert len(calls) == 2 and time.monotonic() - started < 0.1


async def test_errors_outside_retry_on_and_fatal_ones_are_raised_at_once() -> None:
    attempt, calls = failing(Broken())
    with pytest.raises(Broken):
        await RetryPolicy(first=0.001, retry_on=(Flaky,)).run(attempt)
    assert len(calls) == 1
    attempt, calls = failing(Conflict())
    with pytest.raises(Conflict):
        await RetryPolicy(first=0.001, fatal=(Conflict,)).run(attempt)
    assert len(calls) == 1


async def test_a_server_given_delay_is_waited_instead_of_the_backoff_and_capped() -> None:
    seen: list[float] = []
    attempt, _ = failing(Flaky(retry_after=0.03), Flaky(retry_after=500), Flaky())
    policy = RetryPolicy(first=0.001, cap=0.001, jitter="none", server_delay_cap=0.04)
    assert await policy.run(attempt, on_retry=lambda e, w, n: seen.append(w)) == "done"
    assert seen == [0.03, 0.04, 0.001]
    assert server_delay(Flaky(retry_after=2)) == 2.0 and server_delay(Flaky()) is None
    assert server_delay(ValueError()) is None


async def test_immediate_errors_are_retried_without_a_wait_or_growing_the_backoff() -> None:
    seen: list[tuple[str, float]] = []
    attempt, calls = failing(Conflict(), Flaky(), Conflict(), Flaky())
    stopping = asyncio.Event()
    policy = RetryPolicy(first=0.01, cap=1.0, jitter="none", retry_on=(Flaky,), immediate=(Conflict,))
    await policy.run(attempt, stopping=stopping, on_retry=lambda e, w, n: seen.append((type(e).__name__, w)))
    assert seen == [("Conflict", 0.0), ("Flaky", 0.01), ("Conflict", 0.0), ("Flaky", 0.02)]
    assert len(calls) == 5


async def test_stopping_cuts_a_wait_short_but_never_the_first_try() -> None:
    stopping = asyncio.Event()
    stopping.set()
    attempt, calls = failing()
    assert await RetryPolicy().run(attempt, stopping=stopping) == "done"

    attempt, calls = failing(Flaky(), Flaky())
    stopping = asyncio.Event()
    running = asyncio.create_task(RetryPolicy(first=30.0, jitter="none").run(attempt, stopping=stopping))
    while not calls:
        await asyncio.sleep(0)
    stopping.set()
    with pytest.raises(Stopped):
        await asyncio.wait_for(running, 5)
    assert len(calls) == 1


async def test_pause_sleeps_or_raises_once_stopping() -> None:
    await pause(None, 0.001)
    await pause(asyncio.Event(), 0.001)
    stopped = asyncio.Event()
    stopped.set()
    with pytest.raises(Stopped):
        await pause(stopped, 10.0)


async def test_until_up_waits_for_a_dependency_and_raises_a_fatal_error_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    attempt, calls = failing(ConnectionRefusedError("refused"), result="pool")
    assert await until_up("PostgreSQL", attempt, cap=0.01) == "pool"
    assert len(calls) == 2
    [record] = [r for r in caplog.records if r.getMessage() == "PostgreSQL not reachable, retrying"]
    assert record.__dict__["error"] == "ConnectionRefusedError: refused"
    assert 0 <= record.__dict__["retry_in"] <= 0.5

    attempt, calls = failing(Broken())
    with pytest.raises(Broken):
        await until_up("PostgreSQL", attempt, fatal=(Broken,))
    assert len(calls) == 1
