"""Running ``pokertracker-admin`` as an operator does: a process of its own, with its own
environment, its output and exit status read back."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def environ_without(names: Iterable[str]) -> dict[str, str]:
    """This process's environment minus ``names``, so nothing leaks in from the caller."""
    unset = set(names)
    return {k: v for k, v in os.environ.items() if k not in unset}


async def run_admin(*args: str, env: Mapping[str, str], timeout: float = 60) -> Result:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.admin", *args,
        cwd=ROOT, env=dict(env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())
