"""How the update pipeline waits out outages (services/handler/pipeline/waiting.py)."""

from __future__ import annotations

import asyncio

import pytest

from services.common.amqp.consumer import Abandoned
from services.handler.errors import DependencyUnavailable
from services.handler.pipeline.waiting import Patience, SessionChanged


def patience(stopping: asyncio.Event, retries: list[int]) -> Patience:
    return Patience(stopping, {"update_id": 1}, max_backoff=0.01, retried=lambda: retries.append(1))


async def test_the_first_try_runs_even_when_the_partition_is_being_given_up() -> None:
    stopping = asyncio.Event()
    stopping.set()
    tries: list[int] = []

    async def write() -> str:
        tries.append(1)
        return "saved"

    assert await patience(stopping, []).wait_out(write) == "saved"
    assert tries == [1]


async def test_an_outage_is_retried_and_counted_until_it_is_over() -> None:
    failures, retries = 3, []

    async def write() -> str:
        nonlocal failures
        if failures:
            failures -= 1
            raise DependencyUnavailable("staged outage")
        return "saved"

    assert await patience(asyncio.Event(), retries).wait_out(write) == "saved"
    assert len(retries) == 3


async def test_a_changed_session_is_run_again_at_once_not_counted_as_an_outage() -> None:
    changes, retries = 2, []

    async def run() -> str:
        nonlocal changes
        if changes:
            changes -= 1
            raise SessionChanged("expected v1, found v2")
        return "applied"

    assert await patience(asyncio.Event(), retries).wait_out(run) == "applied"
    assert retries == [] and changes == 0


async def test_a_retry_is_given_up_with_the_partition() -> None:
    stopping = asyncio.Event()
    tries: list[int] = []

    async def write() -> str:
        tries.append(1)
        stopping.set()  # the partition is handed over while the try is under way
        raise DependencyUnavailable("staged outage")

    with pytest.raises(Abandoned):
        await patience(stopping, []).wait_out(write)
    assert tries == [1]


async def test_something_that_is_not_an_outage_is_raised_at_once() -> None:
    async def bug() -> str:
        raise RuntimeError("staged bug")

    with pytest.raises(RuntimeError):
        await patience(asyncio.Event(), []).wait_out(bug)
