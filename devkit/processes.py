"""Launching the stack's processes: one way for the local stack, the benchmark and the tests.

A service (gateway, handler, session, ocr, the fake Telegram, a benchmark peer) is started as
``python -m <module>`` from the repository root, with its settings as environment variables
(``environment``), its output appended to a log file of its own, and stdin closed.  Its
readiness is polled (an HTTP answer, a line in its log) while watching that it and its
neighbours are still running; it is stopped gracefully (SIGTERM, SIGKILL after a timeout) or
killed outright (SIGKILL, what the chaos tests do to a replica).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.1


class ProcessExited(Exception):
    """A process being waited for (or relied on) is no longer running."""

    def __init__(self, process: ServiceProcess) -> None:
        self.process = process
        code = process.returncode
        super().__init__(
            f"{process.name} {describe_exit(code if code is not None else 0)}:\n"
            + "\n".join(process.tail(60))
        )


class NotReady(Exception):
    """A readiness check did not pass in time."""


def describe_exit(returncode: int) -> str:
    """``exited with status N`` or ``was killed by SIGNAME``."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


def environment(
    base: Mapping[str, str] | None = None, /, *, without: Iterable[str] = (), **settings: str
) -> dict[str, str]:
    """A service's environment: ``base`` (this process's by default) minus ``without``, plus
    ``settings``, with Python's output unbuffered so that its log is current."""
    dropped = set(without)
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in dropped}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings)
    return env


def _die_with_parent_hook() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child if its parent dies (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


@dataclass
class ServiceProcess:
    """One running ``python -m <module>`` and the part of its log file written by this run."""

    name: str
    popen: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path
    log_start: int = 0
    group: bool = False  # signals go to its whole process group (the workers it forked)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def send_signal(self, signum: int) -> None:
        """Signal the process (or its group), unless it is gone already."""
        if not self.running:
            return
        with contextlib.suppress(ProcessLookupError):
            if self.group:
                os.killpg(self.popen.pid, signum)
            else:
                self.popen.send_signal(signum)

    def wait(self, timeout: float | None = None) -> int:
        return self.popen.wait(timeout)

    def kill(self, timeout: float | None = 10.0) -> int:
        """SIGKILL, no goodbye; return once it is reaped."""
        self.send_signal(signal.SIGKILL)
        return self.popen.wait(timeout)

    def stop(self, timeout: float) -> int:
        """SIGTERM, then SIGKILL if it is still running after ``timeout``; its exit status."""
        self.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return self.kill()

    def text(self) -> str:
        """What it wrote to its log during this run."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_start)
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def tail(self, lines: int = 25) -> list[str]:
        return self.text().splitlines()[-lines:]

    def ensure_running(self) -> None:
        if not self.running:
            raise ProcessExited(self)


def launch(
    name: str,
    module: str,
    *args: str,
    env: Mapping[str, str],
    log_path: Path,
    own_session: bool = True,
    group: bool = False,
    die_with_parent: bool = False,
    banner: str | None = None,
    command: list[str] | None = None,
) -> ServiceProcess:
    """Start ``python -m module *args`` from the repository root, output appended to
    ``log_path`` (after ``banner``, if given).

    ``own_session`` keeps Ctrl-C in a terminal from reaching it (its starter stops it);
    ``group`` sends every later signal to its process group; ``die_with_parent`` has Linux
    SIGTERM it if its starter dies; ``command`` replaces ``[python, -m, module]`` (a wrapper
    that runs the module, such as ``bench.with_uvloop``).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        if banner is not None:
            log.write(f"\n===== {banner} =====\n".encode())
            log.flush()
        start = log.tell()
        popen = subprocess.Popen(
            [*(command or [sys.executable, "-m", module]), *args],
            cwd=REPO_ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=own_session,
            preexec_fn=_die_with_parent_hook() if die_with_parent else None,
        )
    return ServiceProcess(name, popen, log_path, start, group=group and own_session)


def stop_all(processes: Iterable[ServiceProcess], timeout: float) -> None:
    """SIGTERM every one, wait up to ``timeout`` for all, then SIGKILL what is left."""
    alive = [p for p in processes if p.running]
    for process in alive:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(p.running for p in alive) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    for process in alive:
        process.kill()


async def stop_all_async(processes: Iterable[ServiceProcess], timeout: float) -> None:
    """``stop_all`` without blocking the event loop (a process finishing its work may still
    need answers from a server running in this loop)."""
    alive = [p for p in processes if p.running]
    for process in alive:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(p.running for p in alive) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    for process in alive:
        process.kill()


# -------------------------------------------------------------------------------- readiness


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """``GET url`` answers 200."""
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


async def http_ok_async(url: str, timeout: float = 1.0) -> bool:
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def log_says(process: ServiceProcess, text: str) -> Callable[[], bool]:
    """A check: ``text`` appears in what the process logged during this run."""
    return lambda: text in process.text()


def wait_ready(
    check: Callable[[], bool], timeout: float, what: str, watch: Iterable[ServiceProcess] = ()
) -> None:
    """Poll ``check`` until it passes; ProcessExited if a watched process stops meanwhile,
    NotReady once ``timeout`` seconds are up."""
    watched = list(watch)
    deadline = time.monotonic() + timeout
    while True:
        for process in watched:
            process.ensure_running()
        if check():
            return
        if time.monotonic() >= deadline:
            raise NotReady(f"{what} not ready within {timeout:.0f} s")
        time.sleep(POLL_SECONDS)


async def wait_ready_async(
    check: Callable[[], Awaitable[bool]],
    timeout: float,
    what: str,
    watch: Iterable[ServiceProcess] = (),
) -> None:
    """``wait_ready`` with an asynchronous check, without blocking the event loop."""
    watched = list(watch)
    deadline = time.monotonic() + timeout
    while True:
        for process in watched:
            process.ensure_running()
        if await check():
            return
        if time.monotonic() >= deadline:
            raise NotReady(f"{what} not ready within {timeout:.0f} s")
        await asyncio.sleep(POLL_SECONDS)
