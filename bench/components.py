"""Two parts of our stack measured on their own, once per run.

- The gateway alone, with nothing consuming: how fast it takes a burst into the queues (while
  handlers lag or are down), not what the whole stack sustains.
- The session service's get and update latency through RabbitMQ with the handler's own
  client, at 250 and 1,000 requests/s, with 1,000 and 100,000 stored sessions (and
  1,000,000 with ``--million``).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import asyncpg

from bench.cpu import RABBITMQ, CpuProbe, delta
from bench.fresh import purge_partitions
from bench.loadgen import LoadGen, percentile
from bench.measure import WEBHOOK_FLOOR_RATE, Context, ms, summarise
from bench.procs import CLK_TCK, cpu_ticks, free_port, say, wait_for
from devkit.processes import http_ok_async


async def gateway_alone(ctx: Context) -> dict[str, Any]:
    prof = ctx.prof
    ns = ctx.fresh.namespace("gw")
    port = free_port()
    say("== gateway alone (nothing consuming)")
    env = {**ctx.base_env, "AMQP_NAMESPACE": ns, "GATEWAY_PORT": str(port), "GATEWAY_HOST": "127.0.0.1"}
    ctx.procs.start("gateway", "services.gateway", env, log_name="gateway-alone")
    out: dict[str, Any] = {}
    probe = CpuProbe(ctx.admin_url, "-", ctx.procs, rabbitmq=True, redis=False)
    gen = LoadGen(f"http://127.0.0.1:{port}/telegram/webhook", ctx.secret,
                  max_connections=prof.max_connections, reply_delay=prof.latency)  # fmt: skip
    try:
        await wait_for(lambda: http_ok_async(f"http://127.0.0.1:{port}/readyz"), 60, "gateway", ctx.procs)
        await gen.run_fixed(200, 2, "warm-up")
        await gen.wait_answers(30)
        before = await probe.snapshot()
        phase = await gen.run_max(prof.max_seconds)
        after = await probe.snapshot()
        out["max"] = summarise(phase, prof.latency, phase.ended)
        answered = max(out["max"]["answered_per_s"] * out["max"]["seconds"], 1)
        out["cpu_ms_per_webhook"] = {
            k: round(v / answered * 1000, 3) for k, v in delta(before, after).items() if k in ("gateway", RABBITMQ)
        }
        await purge_partitions(ctx.amqp_url, ns, ctx.partitions)
        phase = await gen.run_fixed(WEBHOOK_FLOOR_RATE, prof.max_seconds, f"webhook at {WEBHOOK_FLOOR_RATE}/s")
        await gen.wait_answers(30)
        out["at_floor"] = {**summarise(phase, prof.latency, phase.ended + 30), "rate": WEBHOOK_FLOOR_RATE}
        m, f = out["max"], out["at_floor"]
        say(f"gateway alone: max {m['answered_per_s']}/s (p99 {m['webhook_p99_ms']} ms); at {WEBHOOK_FLOOR_RATE}/s "
            f"answered {f['answered_per_s']}/s, p50 {f['webhook_p50_ms']} ms, p99 {f['webhook_p99_ms']} ms")
        out["peak_rss_mb"] = ctx.procs.peak_rss_mb()["gateway"]
    finally:
        await gen.close()
        await probe.close()
        await ctx.procs.stop_all()
        await ctx.fresh.delete_namespace(ns)
    return out


async def session_latency(ctx: Context) -> dict[str, Any]:
    from services.handler.session_client import SessionClient
    from shared.topology import Topology

    name, url = await ctx.fresh.database("sess")
    ns = ctx.fresh.namespace("sess")
    say("== session service: get/update latency")
    env = {**ctx.base_env, "AMQP_NAMESPACE": ns, "DATABASE_URL": url}
    session = ctx.procs.start("session-latency", "services.session", env)
    out: dict[str, Any] = {}
    client = SessionClient(ctx.amqp_url, Topology(ns), timeout=5.0)
    conn = await asyncpg.connect(url)
    base = 5 * 10**12
    try:
        async def started() -> bool:
            return "service started" in session.text()

        await wait_for(started, 60, "session service", ctx.procs)
        stored = 0
        for rows in ctx.prof.session_rows:
            began = time.monotonic()
            await conn.execute(
                """INSERT INTO session.bot_sessions (user_id, session_data, version, expires_at)
                   SELECT $1::bigint + g, jsonb_build_object('step', 'result', 'tournament_id', g), 1,
                          now() + interval '24 hours'
                   FROM generate_series($2::bigint, $3::bigint) AS g""",
                base, stored + 1, rows,
            )  # fmt: skip
            # As a table in service looks: its visibility map set and statistics fresh, and
            # the bulk load's dirty pages written out, so that the checkpoint it would
            # trigger does not land inside the measurement.
            await conn.execute("VACUUM (ANALYZE) session.bot_sessions")
            await conn.execute("CHECKPOINT")
            stored = rows
            say(f"session: {rows} sessions stored ({time.monotonic() - began:.1f} s)")
            await _session_load(client, base, rows, 200, 1.0)  # warm-up
            for pairs_per_s in (125, 500):  # 250 and 1,000 requests a second
                before = cpu_ticks(session.pid) or 0
                stats = await _session_load(client, base, rows, pairs_per_s, ctx.prof.session_seconds)
                stats["session_cpu_s_per_1000_requests"] = round(
                    ((cpu_ticks(session.pid) or 0) - before) / CLK_TCK / max(stats["requests"], 1) * 1000, 3)
                out[str(rows) if pairs_per_s == 500 else f"{rows}@{pairs_per_s * 2}"] = stats
                await asyncio.sleep(1.0)
            say(f"session with {rows} rows: get p50 {stats['get_p50_ms']} p99 {stats['get_p99_ms']} ms, "
                f"update p50 {stats['update_p50_ms']} p99 {stats['update_p99_ms']} ms")  # fmt: skip
        out["peak_rss_mb"] = ctx.procs.peak_rss_mb()["session-latency"]
    finally:
        await conn.close()
        await client.close()
        await ctx.procs.stop_all()
        await ctx.fresh.delete_namespace(ns)
        await ctx.fresh.drop_database(name)
    return out


async def _session_load(client: Any, base: int, rows: int, pairs_per_s: float, seconds: float) -> dict[str, Any]:
    rng = random.Random(rows)
    gets: list[float] = []
    updates: list[float] = []
    pairs: list[float] = []
    errors = 0
    update_ids = iter(range(rng.randrange(10**9), 2 * 10**9))

    async def pair() -> None:
        nonlocal errors
        user = base + rng.randrange(1, rows + 1)
        update_id = next(update_ids)
        try:
            t0 = time.perf_counter()
            snap = await client.get(user, update_id)
            t1 = time.perf_counter()
            await client.update(user, snap.version, {"step": "result", "tournament_id": update_id}, update_id)
            t2 = time.perf_counter()
        except Exception:
            errors += 1
            return
        gets.append(t1 - t0)
        updates.append(t2 - t1)
        pairs.append(t2 - t0)

    tasks = []
    start = time.perf_counter()
    for n in range(int(pairs_per_s * seconds)):
        delay = start + n / pairs_per_s - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(pair()))
    await asyncio.gather(*tasks)
    return {
        "requests_per_s": pairs_per_s * 2,
        "requests": len(gets) * 2,
        "errors": errors,
        "get_p50_ms": ms(percentile(gets, 50)),
        "get_p99_ms": ms(percentile(gets, 99)),
        "update_p50_ms": ms(percentile(updates, 50)),
        "update_p99_ms": ms(percentile(updates, 99)),
        "pair_p50_ms": ms(percentile(pairs, 50)),
        "pair_p99_ms": ms(percentile(pairs, 99)),
    }
