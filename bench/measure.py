"""One repeat of one system: fresh processes on a fresh database, warm-up, then its figures.

A repeat: create the database (and, for our stack, an AMQP namespace; for the aiogram peer a
Redis database), start the system's processes, warm up, then offer each fixed rate
(``Profile.fixed_rates``, 150 and 300 updates/s) with CPU per update per process; ramp from
there to the highest rate it sustains (geometric steps, then bisection between the last rate
that passed and the first that failed); the added latency at half that rate; for our stack
the webhook's answers as fast as 40 connections allow and at 2,000/s offered.  Then stop the
processes and remove the database, namespace and Redis keys.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench.cpu import CpuProbe, delta, per_update
from bench.fresh import Fresh, purge_partitions
from bench.loadgen import LoadGen, Phase, percentile, step_mix
from bench.procs import Processes, free_port, last_partitions, say, wait_for
from devkit.fake_telegram import FakeTelegram
from devkit.processes import ServiceProcess, http_ok_async

WEBHOOK_FLOOR_RATE = 2000  # the webhook floor: its answers measured at 2,000 updates/s offered


@dataclass
class Profile:
    quick: bool
    repeats: int
    hold: float  # each fixed rate and ramp step, measured
    warm_up: float  # unmeasured, at the first fixed rate, before it
    lead_in_fresh: float  # unmeasured lead-in of a step whose population starts empty
    lead_in_carry: float  # ... of a step whose users carry on from the step before
    tail: float  # after a window, load still on: the replies to its last updates may still come
    ramp_factor: float
    ramp_max: float
    refine: int  # bisections between the last rate passed and the first failed
    max_seconds: float  # the webhook modes
    fixed_rates: tuple[float, ...]
    session_rows: list[int]
    session_seconds: float
    latency: float
    max_connections: int
    think: float


@dataclass
class System:
    name: str  # "baseline", "aiogram peer", "stack x2"
    kind: str  # "baseline" | "peer" | "stack"
    label: str  # in database, namespace and log names
    replicas: int | None = None
    single_run: bool = False  # measured once, not repeated


@dataclass
class Context:
    """What every repeat shares: the run's settings, the fake Bot API, its resources."""

    prof: Profile
    admin_url: str
    amqp_url: str
    token: str
    secret: str
    bot: FakeTelegram
    bot_url: str
    procs: Processes
    fresh: Fresh
    partitions: int
    pool_size: int
    base_env: dict[str, str]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


def summarise(phase: Phase, latency: float, grace_until: float) -> dict[str, Any]:
    recs = phase.records
    ok = [r for r in recs if r.status == 200 and not r.throttled]
    unanswered = [r for r in recs if r.status == 0]
    # An update still unanswered at ``grace_until`` counts with the time it has waited so far.
    webhook = [r.answered - r.sent for r in ok] + [max(grace_until, r.sent) - r.sent for r in unanswered]
    waited = [r.written - r.sent for r in recs if r.written]
    late = [r.sent - r.scheduled for r in recs]
    done = [r for r in ok if r.replied and r.replied <= grace_until]
    added = [r.replied - r.sent - r.calls_before * latency for r in done]
    seconds = max(phase.ended - phase.started, 1e-9)
    # A growing backlog shows as latency rising through the window: compare the added
    # latency of the updates sent in its first and in its last quarter.
    quarter = seconds / 4
    first = [r.replied - r.sent - r.calls_before * latency for r in done if r.sent < phase.started + quarter]
    last_q = [r.replied - r.sent - r.calls_before * latency for r in done if r.sent >= phase.ended - quarter]
    sent_last = [r for r in ok if r.sent >= phase.ended - quarter]
    p_first, p_last = percentile(first, 50), percentile(last_q, 50)
    steady = (
        p_first is not None and p_last is not None
        and p_last <= max(1.5 * p_first, p_first + 0.05)
        and len(last_q) >= 0.97 * len(sent_last)
    )  # fmt: skip
    return {
        "steady": steady,
        "added_p50_first_quarter_ms": ms(p_first),
        "added_p50_last_quarter_ms": ms(p_last),
        "offered": len(recs),
        "seconds": round(seconds, 2),
        "offered_per_s": round(len(recs) / seconds, 1),
        "answered_per_s": round(sum(1 for r in ok if r.answered <= phase.ended) / seconds, 1),
        "completed": len(done),
        "completed_per_s": round(len(done) / seconds, 1),
        "errors": sum(1 for r in recs if r.status not in (0, 200)),
        "unanswered": len(unanswered),
        "throttled": sum(1 for r in recs if r.throttled),
        "webhook_p50_ms": ms(percentile(webhook, 50)),
        "webhook_p99_ms": ms(percentile(webhook, 99)),
        "connection_wait_p99_ms": ms(percentile(waited, 99)),
        "send_lag_p99_ms": ms(percentile(late, 99)),
        "added_p50_ms": ms(percentile(added, 50)),
        "added_p99_ms": ms(percentile(added, 99)),
        "mix": step_mix(recs, phase.started, phase.ended),
    }


class Repeat:
    """One repeat of one system; ``run()`` returns its figures (a JSON-able dict)."""

    def __init__(self, ctx: Context, system: System, number: int) -> None:
        self.ctx, self.system, self.number = ctx, system, number
        self.prof = ctx.prof
        self.ns: str | None = None
        self.redis_url: str | None = None
        self.database = ""
        self.carried_rate = 0.0  # the rate of the users carried on from the step before
        self.result: dict[str, Any] = {"repeat": number, "fixed": {}, "ramp": []}

    def env(self, **extra: str) -> dict[str, str]:
        return {**self.ctx.base_env, "DATABASE_URL": self.database_url, **extra}

    def start(self, name: str, module: str, env: dict[str, str]) -> ServiceProcess:
        log = f"{self.system.label}-r{self.number}-{name}".replace(" ", "-")
        return self.ctx.procs.start(name, module, env, log_name=log)

    # -------------------------------------------------------------- starting

    async def start_system(self) -> str:
        kind, ctx = self.system.kind, self.ctx
        port = free_port()
        pool = str(ctx.pool_size)
        if kind == "baseline":
            self.start("baseline", "bench.baseline", self.env(BASELINE_PORT=str(port), DB_POOL_SIZE=pool))
            await wait_for(lambda: http_ok_async(f"http://127.0.0.1:{port}/healthz"), 60, "baseline", ctx.procs)
        elif kind == "peer":
            self.redis_url = await ctx.fresh.redis_db()
            self.start("aiogram peer", "bench.aiogram_peer", self.env(
                PEER_PORT=str(port), DB_POOL_SIZE=pool, REDIS_URL=self.redis_url))  # fmt: skip
            await wait_for(lambda: http_ok_async(f"http://127.0.0.1:{port}/healthz"), 60, "aiogram peer", ctx.procs)
        else:
            await self.start_stack(port)
        return f"http://127.0.0.1:{port}/telegram/webhook"

    async def start_stack(self, port: int) -> None:
        ctx = self.ctx
        self.ns = ctx.fresh.namespace(f"{self.system.label}-r{self.number}")
        common = {"AMQP_NAMESPACE": self.ns}
        session = self.start("session", "services.session", self.env(**common))

        async def session_started() -> bool:
            return "service started" in session.text()

        await wait_for(session_started, 60, "session service", ctx.procs)
        handlers = [
            self.start(f"handler-{n}", "services.handler", self.env(**common, INSTANCE_NAME=f"{self.ns}-{n}"))
            for n in range(1, (self.system.replicas or 1) + 1)
        ]
        self.start("gateway", "services.gateway", self.env(**common, GATEWAY_PORT=str(port), GATEWAY_HOST="127.0.0.1"))
        await wait_for(lambda: http_ok_async(f"http://127.0.0.1:{port}/readyz"), 60, "gateway", ctx.procs)

        async def assigned() -> bool:
            owned = [last_partitions(h) for h in handlers]
            return all(owned) and sum(owned) == ctx.partitions

        await wait_for(assigned, 60, "partition assignment", ctx.procs)

    # -------------------------------------------------------------- between steps

    async def purge(self) -> None:
        if self.ns is not None:
            await purge_partitions(self.ctx.amqp_url, self.ns, self.ctx.partitions)

    async def drain(self, gen: LoadGen) -> None:
        """Let a backlog go: the updates still waiting for a connection withdrawn, answers in
        flight waited for, queued updates purged, the updates already in the system's hands
        finished (no Bot API call for a second); then forget every user."""
        gen.drop_waiting()
        await gen.wait_answers(60)
        await self.purge()
        bot = self.ctx.bot
        deadline = time.monotonic() + 30
        calls, quiet_since = bot.call_count, time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - quiet_since < 1.0:
            await asyncio.sleep(0.1)
            if bot.call_count != calls:
                calls, quiet_since = bot.call_count, time.monotonic()
        gen.abandon()

    # -------------------------------------------------------------- one fixed rate

    async def hold(self, gen: LoadGen, probe: CpuProbe, rate: float) -> dict[str, Any]:
        """Offer ``rate`` for ``hold`` seconds between a lead-in and a tail (``LoadGen.run_fixed``);
        the figures, with the CPU of the window per update completed in it.  The users of the
        step before carry on into a higher rate; a lower rate, or a step after one that failed
        (drained), starts from nobody, with the longer lead-in."""
        prof = self.prof
        if rate < self.carried_rate:  # too many users for this rate: begin again with none
            gen.abandon()
        lead = prof.lead_in_carry if gen.population else prof.lead_in_fresh
        self.carried_rate = rate
        start = time.perf_counter() + 0.005
        task = asyncio.create_task(gen.run_fixed(rate, prof.hold, lead_in=lead, tail=prof.tail, start=start))
        try:
            await asyncio.sleep(max(0.0, start + lead - time.perf_counter()))
            before = await probe.snapshot()
            await asyncio.sleep(max(0.0, start + lead + prof.hold - time.perf_counter()))
            after = await probe.snapshot()
            phase = await task
        finally:
            if not task.done():
                task.cancel()
        step = summarise(phase, prof.latency, phase.ended + prof.tail)
        step["rate"] = rate
        step["lead_in_s"] = lead
        step["tail_s"] = prof.tail
        step["cpu"] = per_update(delta(before, after), gen.completed_between(before.at, after.at), after.at - before.at)
        step["passed"] = step["completed"] >= 0.97 * step["offered"] and step["errors"] == 0 and step["steady"]
        say(f"{self.system.name} #{self.number}: {rate:g}/s -> completed {step['completed_per_s']}/s, "
            f"CPU {step['cpu']['system_ms_per_update']} ms/update, added p50/p99 {step['added_p50_ms']}/"
            f"{step['added_p99_ms']} ms, one step's largest share {step['mix']['max_share_in_a_second']}, "
            f"{'ok' if step['passed'] else 'BACKLOG GROWS'}")  # fmt: skip
        if not step["passed"]:
            await self.drain(gen)
        return step

    # -------------------------------------------------------------- the repeat

    async def run(self) -> dict[str, Any]:
        ctx, prof, system = self.ctx, self.prof, self.system
        say(f"== {system.name}, repeat {self.number}: starting")
        self.database, self.database_url = await ctx.fresh.database(f"{system.label}_r{self.number}")
        self.result["database"] = self.database
        gen: LoadGen | None = None
        probe = CpuProbe(ctx.admin_url, self.database, ctx.procs,
                         rabbitmq=system.kind == "stack", redis=system.kind == "peer")  # fmt: skip
        try:
            url = await self.start_system()
            gen = LoadGen(url, ctx.secret, max_connections=prof.max_connections, reply_delay=prof.latency,
                          on_update=ctx.bot.register_raw_update,
                          think_time=prof.think, seed=self.number)  # fmt: skip
            ctx.bot.on_call = gen.on_call
            shared_before = await probe.rss_mb()
            # Pools and caches warmed, every step taken; the users carry on into the first rate.
            await gen.run_fixed(prof.fixed_rates[0], 0, "warm-up", lead_in=prof.warm_up)
            await self.measure(gen, probe)
            shared_after = await probe.rss_mb()
            self.result["shared_rss_change_mb"] = {
                k: round(v - shared_before.get(k, 0), 1) for k, v in shared_after.items()}  # fmt: skip
            self.result["peak_rss_mb"] = ctx.procs.peak_rss_mb()
        finally:
            ctx.bot.on_call = None
            if gen is not None:
                self.result["unmatched_bot_calls"] = gen.unmatched_calls
                await gen.close()
            await probe.close()
            await ctx.procs.stop_all()
            await self.remove()
        return self.result

    async def remove(self) -> None:
        fresh = self.ctx.fresh
        if self.ns is not None:
            await fresh.delete_namespace(self.ns)
        if self.redis_url is not None:
            await fresh.release_redis(self.redis_url)
        await fresh.drop_database(self.database)

    async def measure(self, gen: LoadGen, probe: CpuProbe) -> None:
        prof, result = self.prof, self.result
        passed: dict[float, bool] = {}

        async def step(rate: float, fixed: bool = False) -> None:
            figures = await self.hold(gen, probe, rate)
            passed[rate] = figures["passed"]
            if fixed:
                result["fixed"][f"{rate:g}"] = figures
            else:
                result["ramp"].append(figures)

        for rate in prof.fixed_rates:
            await step(rate, fixed=True)
        last_pass = await self.sustained(step, passed)
        result["sustained"] = last_pass
        steps = [*result["fixed"].values(), *result["ramp"]]
        best = next((s for s in steps if s["rate"] == last_pass), None)
        result["sustained_completed"] = best["completed_per_s"] if best else 0.0
        result["cpu_at_sustained"] = best["cpu"] if best else None
        if last_pass:
            result["half"] = await self.hold(gen, probe, max(round(last_pass / 2), 10))
        await self.drain(gen)  # nothing in flight when the processes are stopped
        if self.system.kind == "stack":
            await self.webhook_modes(gen)
        measured = [*steps, *([result["half"]] if "half" in result else [])]
        result["errors"] = sum(s["errors"] for s in measured) + sum(
            result[k]["errors"] for k in ("webhook", "webhook_at_floor") if k in result)
        result["throttled"] = sum(s["throttled"] for s in measured)

    async def sustained(self, step: Callable[[float], Awaitable[None]], passed: dict[float, bool]) -> float:
        """The largest rate held, from the results in ``passed`` on; ``step`` holds a rate and records its result."""
        prof = self.prof
        # The sustained rate: from the fixed rates up (or down) in geometric steps, then bisect.
        last_pass = max((r for r, ok in passed.items() if ok), default=0.0)
        fails = [r for r, ok in passed.items() if not ok and r > last_pass]
        first_fail = min(fails, default=0.0)
        if not first_fail:
            rate = round(last_pass * prof.ramp_factor)
            while rate <= prof.ramp_max:
                await step(rate)
                if not passed[rate]:
                    first_fail = rate
                    break
                last_pass, rate = rate, round(rate * prof.ramp_factor)
        elif not last_pass:
            rate = round(min(prof.fixed_rates) / prof.ramp_factor)
            while rate >= 10:
                await step(rate)
                if passed[rate]:
                    last_pass = rate
                    break
                first_fail, rate = rate, round(rate / prof.ramp_factor)
        return await self.bisect(step, passed, last_pass, first_fail)

    async def bisect(
        self, step: Callable[[float], Awaitable[None]], passed: dict[float, bool], last_pass: float, first_fail: float
    ) -> float:
        """Halve the gap between the largest rate held and the smallest not held (``prof.refine`` times at most)."""
        for _ in range(self.prof.refine):
            mid = round((last_pass + first_fail) / 2)
            if not last_pass or not first_fail or mid - last_pass < max(5, 0.04 * last_pass):
                break
            await step(mid)
            last_pass, first_fail = (mid, first_fail) if passed[mid] else (last_pass, mid)
        return last_pass

    async def webhook_modes(self, gen: LoadGen) -> None:
        """Our stack's webhook: answers as fast as 40 connections allow, then at 2,000/s."""
        prof, name = self.prof, f"{self.system.name} #{self.number}"
        phase = await gen.run_max(prof.max_seconds)
        self.result["webhook"] = summarise(phase, prof.latency, phase.ended)
        w = self.result["webhook"]
        say(f"{name}: webhook {w['answered_per_s']}/s, p50 {w['webhook_p50_ms']} ms, p99 {w['webhook_p99_ms']} ms")
        await self.drain(gen)
        phase = await gen.run_fixed(WEBHOOK_FLOOR_RATE, prof.max_seconds, f"webhook at {WEBHOOK_FLOOR_RATE}/s")
        await gen.wait_answers(30)
        f = {**summarise(phase, prof.latency, phase.ended + 30), "rate": WEBHOOK_FLOOR_RATE}
        self.result["webhook_at_floor"] = f
        say(f"{name}: offered {WEBHOOK_FLOOR_RATE}/s -> webhook answered {f['answered_per_s']}/s, "
            f"p50 {f['webhook_p50_ms']} ms, p99 {f['webhook_p99_ms']} ms")  # fmt: skip
        await self.drain(gen)
