"""The benchmark's processes, started, watched and stopped through ``devkit.processes``, and
what ``/proc`` says about any process (CPU ticks, peak and current memory, descendants,
processes by name)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from devkit.processes import ServiceProcess, launch, stop_all_async, wait_ready_async

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


class Processes:
    """The processes of the system being measured, each in a session of its own (signals go
    to its whole process group), with its output in ``workdir/<name>.log``."""

    def __init__(self, workdir: Path, uvloop: bool = False) -> None:
        self.workdir = workdir
        self.procs: dict[str, ServiceProcess] = {}
        self.hwm_kb: dict[str, int] = {}
        self.uvloop = uvloop

    def start(self, name: str, module: str, env: dict[str, str], log_name: str | None = None) -> ServiceProcess:
        command = None
        if self.uvloop and module.startswith("services."):
            command = [sys.executable, "-m", "bench.with_uvloop", module]
        proc = launch(name, module, env=env, log_path=self.workdir / f"{log_name or name}.log",
                      group=True, command=command)  # fmt: skip
        self.procs[name] = proc
        return proc

    def record_hwm(self) -> None:
        for name, proc in self.procs.items():
            if proc.running:
                # A service that forks workers: their peaks added up (an upper bound).
                peaks = [status_kb(pid, "VmHWM") or 0 for pid in with_descendants([proc.pid])]
                self.hwm_kb[name] = max(sum(peaks), self.hwm_kb.get(name, 0))

    def peak_rss_mb(self) -> dict[str, float]:
        self.record_hwm()
        return {n: round(self.hwm_kb.get(n, 0) / 1024, 1) for n in self.procs}

    async def stop_all(self, timeout: float = 20.0) -> None:
        """SIGTERM to every process group, then SIGKILL to what is left after ``timeout``.

        Waits without blocking the event loop: a service finishing its work in hand still
        gets its answers from the fake Bot API, which runs in this loop."""
        self.record_hwm()
        await stop_all_async(self.procs.values(), timeout)
        self.procs.clear()
        self.hwm_kb.clear()


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float, what: str, procs: Processes) -> None:
    await wait_ready_async(check, timeout, what, watch=procs.procs.values())


def last_partitions(proc: ServiceProcess) -> int:
    """How many partitions a handler replica last logged it was given."""
    owned = 0
    for line in proc.text().splitlines():
        if '"partitions assigned"' in line:
            with contextlib.suppress(ValueError):
                owned = int(json.loads(line).get("partitions", 0))
    return owned
