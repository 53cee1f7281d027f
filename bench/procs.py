"""The benchmark's processes: starting, watching and stopping them, and what ``/proc`` says
about any process (CPU ticks, peak and current memory, descendants, processes by name)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


def say(text: str) -> None:
    print(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------------------ /proc


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of ``pid`` in clock ticks, or ``None`` if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def machine_ticks() -> tuple[int, int]:
    """(busy, all) clock ticks of every core since boot, from ``/proc/stat``."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def meminfo_kb(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def with_descendants(pids: list[int]) -> list[int]:
    """``pids`` and every process below them (a service that forks workers counts whole)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def pids_named(comm: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == comm:
                    found.append(int(entry.name))
    return found


# ------------------------------------------------------------------------------ processes


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    hwm_kb: int | None = None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def text(self) -> str:
        return self.log.read_text(errors="replace")


class Processes:
    """The processes of the system being measured, each in a session of its own, with its
    output in ``workdir/<name>.log``."""

    def __init__(self, workdir: Path, uvloop: bool = False) -> None:
        self.workdir = workdir
        self.procs: dict[str, Proc] = {}
        self.uvloop = uvloop

    def start(self, name: str, module: str, env: dict[str, str], log_name: str | None = None) -> Proc:
        log = self.workdir / f"{log_name or name}.log"
        command = [sys.executable, "-m", module]
        if self.uvloop and module.startswith("services."):
            command = [sys.executable, "-m", "bench.with_uvloop", module]
        with log.open("ab") as out:
            popen = subprocess.Popen(
                command, env=env, cwd=REPO, stdout=out,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        proc = Proc(name, popen, log)
        self.procs[name] = proc
        return proc

    def check(self) -> None:
        for proc in self.procs.values():
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}: {proc.text()[-2000:]}")

    def record_hwm(self) -> None:
        for proc in self.procs.values():
            if proc.alive():
                # A service that forks workers: their peaks added up (an upper bound).
                peaks = [status_kb(pid, "VmHWM") or 0 for pid in with_descendants([proc.popen.pid])]
                proc.hwm_kb = max(sum(peaks), proc.hwm_kb or 0)

    def peak_rss_mb(self) -> dict[str, float]:
        self.record_hwm()
        return {n: round((p.hwm_kb or 0) / 1024, 1) for n, p in self.procs.items()}

    async def stop_all(self, timeout: float = 20.0) -> None:
        """SIGTERM to every process group, then SIGKILL to what is left after ``timeout``.

        Waits without blocking the event loop: a service finishing its work in hand still
        gets its answers from the fake Bot API, which runs in this loop."""
        self.record_hwm()
        for proc in self.procs.values():
            if proc.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while any(p.alive() for p in self.procs.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for proc in self.procs.values():
            if proc.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGKILL)
            proc.popen.wait()
        self.procs.clear()


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float, what: str, procs: Processes) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check()
        if await check():
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{what} not ready within {timeout:.0f} s")


async def http_ok(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1.0) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def last_partitions(proc: Proc) -> int:
    """How many partitions a handler replica last logged it was given."""
    owned = 0
    for line in proc.text().splitlines():
        if '"partitions assigned"' in line:
            with contextlib.suppress(ValueError):
                owned = int(json.loads(line).get("partitions", 0))
    return owned
