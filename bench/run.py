"""Run the benchmark (docs/benchmark.md): ``python -m bench.run [--quick] [--out bench/results]``.

In one run on this machine, against the local PostgreSQL, RabbitMQ and Redis
(``BENCH_DATABASE_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres`` as the admin
URL; ``BENCH_AMQP_URL``, default ``amqp://guest:guest@127.0.0.1:5672/``; ``BENCH_REDIS_URL``,
default ``redis://127.0.0.1:6379/0``): the baseline (``bench.baseline``, the predecessor's
one-process design with our conversation code), the aiogram peer (``bench.aiogram_peer``,
skipped with a note when aiogram is not installed) and our stack (gateway, session service,
2 handler replicas; 1 and 4 once each with ``--all-replicas``), each repeated (``--repeats``,
3) with fresh processes on a fresh database, driven by ``bench.loadgen`` against
``devkit.fake_telegram``: each at 150 and 300 updates/s offered with CPU per update per process, its
sustained rate and the latency at half of it (``bench.measure``).  Then the gateway alone and
the session service's latency with 1,000 and 100,000 stored sessions (1,000,000 with
``--million``) once (``bench.components``).  Writes ``<out>/<date>.json``, ``.md`` and
``.png`` (``bench.report``).  Everything it created (processes, databases, queues, Redis keys)
is removed at the end, also on an error, Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import platform
import random
import secrets
import shutil
import signal
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg

from bench import report as rpt
from bench.components import gateway_alone, session_latency
from bench.fresh import Fresh, redis_command
from bench.measure import Context, Profile, Repeat, System
from bench.procs import Processes, meminfo_kb, say
from bench.report_markdown import render as render_markdown
from devkit.fake_telegram import FakeTelegramConfig, FakeTelegramServer
from devkit.processes import REPO_ROOT


def profile(args: argparse.Namespace) -> Profile:
    """The full run's durations (about 25 minutes), or ``--quick``'s (about 4): one repeat,
    shorter holds and lead-ins, a coarser ramp."""
    quick = args.quick
    return Profile(
        quick=quick,
        repeats=args.repeats or (1 if quick else 3),
        hold=4 if quick else 8,
        warm_up=5 if quick else 6,
        lead_in_fresh=5 if quick else 6,
        lead_in_carry=3 if quick else 4,
        tail=1.5,
        ramp_factor=1.6 if quick else 1.3,
        ramp_max=2000,
        refine=1 if quick else 2,
        max_seconds=3 if quick else 6,
        fixed_rates=(150.0, 300.0),
        session_rows=[1000, 100_000] + ([1_000_000] if args.million else []),
        session_seconds=3 if quick else 8,
        latency=args.latency_ms / 1000,
        max_connections=args.max_connections,
        think=args.think_ms / 1000,
    )


def peer_missing() -> str | None:
    """Why the aiogram peer cannot run here, or ``None``.  Nothing of aiogram is imported."""
    if importlib.util.find_spec("aiogram") is None:
        return "the aiogram module is not installed in this environment, so the aiogram peer was skipped"
    if importlib.util.find_spec("bench.aiogram_peer") is None:
        return "bench/aiogram_peer.py does not exist, so the aiogram peer was skipped"
    return None


def systems(args: argparse.Namespace) -> tuple[list[System], list[dict[str, str]]]:
    wanted = set(args.only or ["baseline", "peer", "2", *(["1", "4"] if args.all_replicas else [])])
    chosen, skipped = [], []
    if "baseline" in wanted:
        chosen.append(System("baseline", "baseline", "baseline"))
    if "peer" in wanted:
        why = peer_missing()
        if why:
            skipped.append({"name": "aiogram peer", "reason": why})
        else:
            chosen.append(System("aiogram peer", "peer", "peer"))
    for n in (1, 2, 4):
        if str(n) in wanted:
            chosen.append(System(f"stack x{n}", "stack", f"stack{n}", replicas=n, single_run=n != 2))
    return chosen, skipped


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        from services.common.config import WorkerSettings
        from shared.topology import DEFAULT_PARTITIONS

        self.args = args
        self.prof = profile(args)
        self.admin_url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        self.amqp_url = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
        self.redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
        self.run_id = uuid.uuid4().hex[:8]
        self.workdir = Path(tempfile.mkdtemp(prefix=f"bench-{self.run_id}-"))
        self.partitions = DEFAULT_PARTITIONS  # the services' default: the harness sets no UPDATE_PARTITIONS
        self.pool_size = int(WorkerSettings.model_fields["db_pool_size"].default)
        self.fresh = Fresh(self.admin_url, self.amqp_url, self.redis_url, self.run_id, self.partitions)
        self.procs = Processes(self.workdir, uvloop=args.uvloop)
        self.token = f"{random.randrange(10**9, 2 * 10**9)}:AA{secrets.token_urlsafe(24)[:33]}"
        # The fake Bot API, lean: the load generator reads each call as it comes (on_call).
        self.bot = FakeTelegramServer(FakeTelegramConfig(token=self.token, latency=self.prof.latency, recording=False))

    def base_env(self, bot_url: str, token: str, secret: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("UPDATE_PARTITIONS", "DB_POOL_SIZE", "DATABASE_URL")}
        env.update(AMQP_URL=self.amqp_url, BOT_TOKEN=token, TELEGRAM_API_URL=bot_url, WEBHOOK_SECRET=secret,
                   LOG_LEVEL="INFO", PYTHONUNBUFFERED="1")  # fmt: skip
        if self.args.extra_pythonpath:  # an experiment: e.g. a package missing from .venv
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [self.args.extra_pythonpath, env.get("PYTHONPATH")]))
        return env

    async def run(self) -> dict[str, Any]:
        # SIGTERM (like Ctrl-C) cancels the run, once: the finally below still cleans up.
        main_task = asyncio.current_task()
        assert main_task is not None

        def terminate() -> None:
            if not main_task.cancelling():
                main_task.cancel()

        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, terminate)
        started = time.monotonic()
        chosen, skipped = systems(self.args)
        for s in skipped:
            say(f"skipped: {s['name']}: {s['reason']}")
        results: dict[str, list[dict[str, Any]]] = {s.name: [] for s in chosen}
        gateway: dict[str, Any] = {}
        session: dict[str, Any] = {}
        try:
            token = self.token
            secret = secrets.token_urlsafe(36)
            bot_url = await self.bot.start()
            ctx = Context(self.prof, self.admin_url, self.amqp_url, token, secret, self.bot.fake, bot_url,
                          self.procs, self.fresh, self.partitions, self.pool_size,
                          self.base_env(bot_url, token, secret))  # fmt: skip
            await self.repeats(ctx, chosen, results)
            only = self.args.only or []
            if not only or "gateway" in only:
                gateway = await self.attempt(lambda: gateway_alone(ctx), 1)
            if (not only and not self.args.no_session) or "session" in only:
                session = await self.attempt(lambda: session_latency(ctx), 1)
        finally:
            await self.clean_up()
        report: dict[str, Any] = {
            "format": rpt.FORMAT,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": self.prof.quick,
            "duration_s": round(time.monotonic() - started, 1),
            "settings": self.settings(),
            "machine": await machine_info(self.admin_url, self.amqp_url, self.redis_url),
            "systems": [{"name": s.name, "kind": s.kind, "replicas": s.replicas, "single_run": s.single_run,
                         "repeats": results[s.name]} for s in chosen],
            "skipped": skipped,
            "gateway_alone": gateway if "error" not in gateway else {},
            "session": session if "error" not in session else {},
        }
        for part, value in (("gateway_alone", gateway), ("session", session)):
            if "error" in value:
                report.setdefault("failed_parts", {})[part] = value["error"]
        for s in report["systems"]:
            s["summary"] = rpt.summarise_system(s)
        return report

    async def repeats(self, ctx: Context, chosen: list[System], results: dict[str, list[dict[str, Any]]]) -> None:
        """Every chosen system's repeats, each one's figures (or error) appended to ``results``."""
        # Repeats interleaved (every system once, then again), so that a change in the
        # machine's load over the run falls on every system alike.
        for number in range(1, self.prof.repeats + 1):
            for system in chosen:
                if system.single_run and number > 1:
                    continue
                results[system.name].append(await self.attempt(Repeat(ctx, system, number).run, number))

    async def clean_up(self) -> None:
        """Stop the processes, remove what ``Fresh`` made, close the fake Bot API; logs go unless kept."""
        await self.procs.stop_all()
        for problem in await self.fresh.cleanup():
            say(f"cleanup: {problem}")
        await self.bot.close()
        if self.args.keep_logs:
            say(f"service logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    async def attempt(self, measure: Any, number: int) -> dict[str, Any]:
        """A measurement's figures, or its error: one system failing does not end the run."""
        try:
            return dict(await measure())
        except Exception as exc:
            say(f"FAILED: {type(exc).__name__}: {exc}"[:3000])
            await self.procs.stop_all()
            return {"repeat": number, "error": f"{type(exc).__name__}: {exc}"[:1000]}

    def settings(self) -> dict[str, Any]:
        p = self.prof
        return {
            "bot_api_latency_ms": p.latency * 1000, "max_connections": p.max_connections, "repeats": p.repeats,
            "hold_s": p.hold, "warm_up_s": p.warm_up, "lead_in_fresh_s": p.lead_in_fresh,
            "lead_in_carry_s": p.lead_in_carry, "tail_s": p.tail, "ramp_factor": p.ramp_factor, "refine": p.refine,
            "max_mode_s": p.max_seconds, "fixed_rates": list(p.fixed_rates), "think_ms": self.args.think_ms,
            "think_spread": 0.5, "partitions": self.partitions, "db_pool_size": self.pool_size,
            "session_rows": p.session_rows, "uvloop_experiment": self.args.uvloop,
            "extra_pythonpath": self.args.extra_pythonpath,
        }  # fmt: skip


async def machine_info(admin_url: str, amqp_url: str, redis_url: str) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    conn = await asyncpg.connect(admin_url)
    try:
        pg = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    rabbit = redis = "?"
    with contextlib.suppress(Exception):
        connection = await aio_pika.connect(amqp_url)
        props = connection.transport.connection.server_properties  # type: ignore[union-attr]
        rabbit = str(props.get("version", "?"))
        await connection.close()
    with contextlib.suppress(Exception):
        info = await redis_command(redis_url, "INFO", "server")
        redis = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("redis_version"))
    aiogram = None
    with contextlib.suppress(PackageNotFoundError):
        aiogram = version("aiogram")
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(meminfo_kb("MemTotal") / 1024 / 1024, 1),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg,
        "rabbitmq": rabbit,
        "redis": redis,
        "aio_pika": version("aio-pika"),
        "aiogram": aiogram,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke test: one repeat, short holds (about 4 min)")
    parser.add_argument("--repeats", type=int, default=None, help="repeats of each system (default 3; --quick 1)")
    parser.add_argument("--all-replicas", action="store_true", help="also our stack with 1 and 4 replicas, once each")
    parser.add_argument("--million", action="store_true", help="also the session service with 1,000,000 sessions")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="fake Bot API latency")
    parser.add_argument("--max-connections", type=int, default=40)
    parser.add_argument("--uvloop", action="store_true",
                        help="experiment: run the services on uvloop (bench.with_uvloop), code unchanged")
    parser.add_argument("--only", choices=["baseline", "peer", "1", "2", "4", "gateway", "session"], action="append",
                        help="measure only these (repeatable): systems, the gateway alone, the session service")
    parser.add_argument("--keep-logs", action="store_true", help="keep the services' logs (a temporary folder)")
    parser.add_argument("--no-session", action="store_true", help="skip the session latency part")
    parser.add_argument("--extra-pythonpath", default="", help="experiment: prepended to the services' PYTHONPATH")
    parser.add_argument("--before", type=Path, default=None,
                        help="an earlier report's JSON: the markdown compares its figures with this run's")
    parser.add_argument("--think-ms", type=float, default=1000.0,
                        help="a user's mean pause between reading a reply and sending the next update")  # fmt: skip
    args = parser.parse_args(argv)
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    try:
        report = asyncio.run(Bench(args).run())
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, SIGTERM: cleaned up by Bench.run
        say("interrupted; the processes, databases, queues and Redis keys it created are removed")
        raise SystemExit(130) from None
    report["floors"] = rpt.floors(report)
    if args.before is not None:
        report["before"] = {**rpt.key_figures(json.loads(args.before.read_text())), "file": args.before.name}
    args.out.mkdir(parents=True, exist_ok=True)
    stem = datetime.now(UTC).strftime("%Y-%m-%d") + ("-quick" if args.quick else "")
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (args.out / f"{stem}.md").write_text(render_markdown(report))
    rpt.chart(report, args.out / f"{stem}.png")
    say(f"wrote {args.out / stem}.json, .md, .png")
    print(render_markdown(report))


if __name__ == "__main__":
    main()
