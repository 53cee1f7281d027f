"""CPU accounting: utime + stime from ``/proc`` per process group, over a measurement window.

Groups: each process the harness started (with its descendants), the PostgreSQL backends of
the measured system's database, the server's shared background processes (WAL writer,
checkpointer, background writer, autovacuum launcher: counted as the system's, since during a
measurement nothing else writes and their work is the system's commits), RabbitMQ's ``beam.smp`` for
our stack, ``redis-server`` for the aiogram peer, and the harness itself (load generator and
fake Bot API in one process, reported apart: it is not the system).  The machine's busy time
(``/proc/stat``) is taken too, so that what no group accounts for (other people's processes
on a shared machine) shows.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import asyncpg

from bench.procs import CLK_TCK, Processes, cpu_ticks, machine_ticks, pids_named, status_kb, with_descendants

PG = "postgresql (our backends)"
PG_SHARED = "postgresql (shared background)"
RABBITMQ = "rabbitmq (beam.smp)"
REDIS = "redis (redis-server)"
BENCH = "bench (load generator + fake Bot API)"
MACHINE = "machine (every process)"
# Groups shown next to a system's own but not part of its CPU.
NOT_THE_SYSTEM = (BENCH, MACHINE)


@dataclass
class Snapshot:
    at: float
    ticks: dict[str, dict[int, int]] = field(default_factory=dict)
    machine_busy: int = 0


class CpuProbe:
    """One system's groups; ``rabbitmq`` and ``redis`` say whether it uses those servers."""

    def __init__(self, admin_url: str, database: str, procs: Processes, *, rabbitmq: bool, redis: bool) -> None:
        self.admin_url = admin_url
        self.database = database
        self.procs = procs
        self.rabbitmq = rabbitmq
        self.redis = redis
        self._conn: asyncpg.Connection | None = None

    async def _pg_pids(self) -> tuple[list[int], list[int]]:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.admin_url)
        ours = [r["pid"] for r in await self._conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            self.database)]  # fmt: skip
        shared = [r["pid"] for r in await self._conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE backend_type IN "
            "('walwriter', 'checkpointer', 'background writer', 'autovacuum launcher')")]  # fmt: skip
        return ours, shared

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def groups(self) -> dict[str, list[int]]:
        groups = {n: with_descendants([p.pid]) for n, p in self.procs.procs.items() if p.running}
        ours, shared = await self._pg_pids()
        groups[PG] = ours
        groups[PG_SHARED] = shared
        if self.rabbitmq:
            groups[RABBITMQ] = pids_named("beam.smp")
        if self.redis:
            groups[REDIS] = pids_named("redis-server")
        groups[BENCH] = [os.getpid()]
        return groups

    async def snapshot(self) -> Snapshot:
        groups = await self.groups()
        snap = Snapshot(time.perf_counter(), machine_busy=machine_ticks()[0])
        for name, pids in groups.items():
            snap.ticks[name] = {pid: t for pid in pids if (t := cpu_ticks(pid)) is not None}
        return snap

    async def rss_mb(self) -> dict[str, float]:
        """Current RSS of the shared servers' groups (their peak is not the system's)."""
        groups = await self.groups()
        return {name: round(sum(status_kb(pid, "VmRSS") or 0 for pid in groups.get(name, [])) / 1024, 1)
                for name in (PG, RABBITMQ, REDIS) if name in groups}  # fmt: skip


def delta(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """CPU seconds per group between two snapshots, and the machine's busy seconds."""
    out: dict[str, float] = {}
    for name, pids in after.ticks.items():
        start = before.ticks.get(name, {})
        # A process started inside the window counts from zero.
        out[name] = sum(t - start.get(pid, 0) for pid, t in pids.items()) / CLK_TCK
    out[MACHINE] = (after.machine_busy - before.machine_busy) / CLK_TCK
    return out


def system_cpu(per_group: dict[str, float]) -> float:
    """The system's own: every group but the bench and the machine."""
    return sum(v for k, v in per_group.items() if k not in NOT_THE_SYSTEM)


def per_update(seconds: dict[str, float], completed: int, window: float) -> dict[str, object]:
    """The figures of one window: ms of CPU per completed update per group and in total, and
    the cores the machine's other processes kept busy meanwhile."""
    done = max(completed, 1)
    ms = {k: round(v / done * 1000, 3) for k, v in seconds.items() if k != MACHINE}
    accounted = sum(v for k, v in seconds.items() if k != MACHINE)
    return {
        "window_s": round(window, 2),
        "completed": completed,
        "ms_per_update": ms,
        "system_ms_per_update": round(system_cpu(seconds) / done * 1000, 3),
        "bench_ms_per_update": ms.get(BENCH),
        "system_cores": round(system_cpu(seconds) / max(window, 1e-9), 2),
        "other_cores": round(max(seconds.get(MACHINE, 0.0) - accounted, 0.0) / max(window, 1e-9), 2),
    }
