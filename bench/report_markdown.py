"""The report as markdown: ``render(report)``, a pure function of the report's JSON."""

from __future__ import annotations

from typing import Any

from bench.report import before_after, fmt, not_the_system


def _messaging(machine: dict[str, Any]) -> str:
    """The messaging library a report was measured with: FastStream when the report names
    it, else aio-pika (a report shows what it measured)."""
    if "faststream" in machine:
        return f"FastStream {machine['faststream']}"
    return f"aio-pika {machine.get('aio_pika', '?')}"


def _header(report: dict[str, Any]) -> list[str]:
    m, st = report["machine"], report["settings"]
    rates = " and ".join(f"{r:g}" for r in st["fixed_rates"])
    lines = [
        f"# Benchmark {report['date']}{' (quick)' if report['quick'] else ''}",
        "",
        f"Machine: {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['cpu_model']}; Linux {m['kernel']}; "
        f"Python {m['python']}, PostgreSQL {m['postgresql']}, RabbitMQ {m['rabbitmq']}, Redis {m.get('redis', '?')}, "
        f"{_messaging(m)}, aiogram {m.get('aiogram') or 'not installed'}. Everything (load generator, "
        f"fake Bot API, the systems, PostgreSQL, RabbitMQ, Redis) on this one machine. Run took "
        f"{report['duration_s']:.0f} s.",
        "",
        f"Every system is measured {'once' if st['repeats'] == 1 else str(st['repeats']) + ' times'} "
        f"(a repeat: its processes started fresh on a database of "
        f"its own, warmed up, then measured); a figure is the median of the repeats with the smallest and largest "
        f"in brackets; *single run* marks a system measured once. Offered like Telegram: at most "
        f"{st['max_connections']} connections, latency counted from the offer (a wait for a free connection "
        f"included), a steady mix of the five steps of a conversation (users think "
        f"{st['think_ms'] * (1 - st['think_spread']) / 1000:g}–{st['think_ms'] * (1 + st['think_spread']) / 1000:g} s, "
        f"join staggered in an unmeasured lead-in of {st['lead_in_fresh_s']:g} s, {st['lead_in_carry_s']:g} s when "
        f"they carry on from the step before). Fake Bot API latency {st['bot_api_latency_ms']:g} ms. Each rate held "
        f"{st['hold_s']:g} s. Fixed rates for every system: {rates} updates/s. Our stack: "
        f"{st['partitions']} partitions; every system's database pools {st['db_pool_size']} connections.",
    ]
    for s in report.get("skipped", []):
        lines += ["", f"**Not measured: {s['name']}** — {s['reason']}"]
    for s in report["systems"]:
        for r in s["repeats"]:
            if "error" in r:
                lines += ["", f"**{s['name']}, repeat {r['repeat']} failed** — {r['error']}"]
    for part, error in (report.get("failed_parts") or {}).items():
        lines += ["", f"**{part.replace('_', ' ')} failed** — {error}"]
    return lines


def _sustained(report: dict[str, Any]) -> list[str]:
    lines = ["", "## Sustained rate (the highest offered rate held with at least 97% completed and no backlog)", "",
             "| System | Repeats | Sustained offered/s | Completed/s | CPU ms per update there (the system) | "
             "Added latency p50 / p99 ms at half that rate | Errors |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for s in report["systems"]:
        sm = s["summary"]
        if not sm.get("repeats"):
            continue
        h = sm.get("half") or {}
        runs = "single run" if s.get("single_run") else str(sm["repeats"])
        lines.append(f"| {s['name']} | {runs} | {fmt(sm['sustained'], 0)} | {fmt(sm['sustained_completed'], 1)} | "
                     f"{fmt(sm['cpu_at_sustained'])} | {fmt(h.get('added_p50_ms'), 1)} / "
                     f"{fmt(h.get('added_p99_ms'), 1)} (at {fmt(h.get('rate'), 0)}/s) | {sm['errors']} |")  # fmt: skip
    return lines


def _fixed(report: dict[str, Any], rate: str) -> list[str]:
    systems = [s for s in report["systems"] if s["summary"].get("repeats") and rate in s["summary"]["fixed"]]
    if not systems:
        return []
    lines = ["", f"## At {rate} updates/s offered", "",
             "| System | Completed/s | CPU ms per update (the system) | Added latency p50 / p99 ms | "
             "Webhook p99 ms | Wait for a connection p99 ms | Errors | Held (no backlog) | "
             "Largest share of one step in a second |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for s in systems:
        f = s["summary"]["fixed"][rate]
        lines.append(f"| {s['name']}{' (single run)' if s.get('single_run') else ''} | "
                     f"{fmt(f['completed_per_s'], 1)} | **{fmt(f['system_ms'])}** | "
                     f"{fmt(f['added_p50_ms'], 1)} / {fmt(f['added_p99_ms'], 1)} | {fmt(f['webhook_p99_ms'], 1)} | "
                     f"{fmt(f['connection_wait_p99_ms'], 1)} | {f['errors']} | {f['passed']} of "
                     f"{s['summary']['repeats']} | {f['max_share_in_a_second']:.0%} |")  # fmt: skip
    lines += ["", f"CPU ms per completed update at {rate}/s, per process (median, min–max):", "",
              "| System | Process | CPU ms per update |", "|---|---|---|"]
    for s in systems:
        f = s["summary"]["fixed"][rate]
        for group, value in f["per_process"].items():
            if not not_the_system(group):
                lines.append(f"| {s['name']} | {group} | {fmt(value, 3)} |")
        lines.append(f"| {s['name']} | **the system** | **{fmt(f['system_ms'], 3)}** |")
        for group, value in f["per_process"].items():
            if why := not_the_system(group):
                lines.append(f"| {s['name']} | {group} ({why}) | {fmt(value, 3)} |")
        lines.append(f"| {s['name']} | (other processes on the machine, cores busy) | {fmt(f['other_cores'])} |")
    return lines


def _webhook(report: dict[str, Any]) -> list[str]:
    stacks = [s for s in report["systems"] if s["summary"].get("webhook")]
    lines = []
    if stacks:
        lines += ["", "## Our stack's webhook (handlers working): as fast as 40 connections allow, and at 2,000/s "
                  "offered", "", "| System | Answered/s, max | p50 / p99 ms | Answered/s at 2,000/s | p50 / p99 ms | "
                  "Errors |", "|---|---|---|---|---|---|"]  # fmt: skip
        for s in stacks:
            w, f = s["summary"]["webhook"], s["summary"].get("webhook_at_floor") or {}
            lines.append(f"| {s['name']} | {fmt(w['answered_per_s'], 0)} | {fmt(w['webhook_p50_ms'], 1)} / "
                         f"{fmt(w['webhook_p99_ms'], 1)} | {fmt(f.get('answered_per_s'), 0)} | "
                         f"{fmt(f.get('webhook_p50_ms'), 1)} / {fmt(f.get('webhook_p99_ms'), 1)} | "
                         f"{w['errors'] + f.get('errors', 0)} |")  # fmt: skip
    g = report.get("gateway_alone") or {}
    if g:
        m, f = g["max"], g["at_floor"]
        cpu = g.get("cpu_ms_per_webhook", {})
        lines += ["", "## The gateway alone (nothing consuming: a burst absorbed into the queues; one run)", "",
                  "| Mode | Answered/s | webhook p50 / p99 ms | Errors | CPU ms per webhook |", "|---|---|---|---|---|",
                  f"| as fast as 40 connections allow | {m['answered_per_s']} | {m['webhook_p50_ms']} / "
                  f"{m['webhook_p99_ms']} | {m['errors']} | gateway {cpu.get('gateway')}, RabbitMQ "
                  f"{cpu.get('rabbitmq (beam.smp)')} |",
                  f"| 2,000/s offered | {f['answered_per_s']} | {f['webhook_p50_ms']} / {f['webhook_p99_ms']} | "
                  f"{f['errors']} | |"]  # fmt: skip
    return lines


def _memory_and_session(report: dict[str, Any]) -> list[str]:
    lines = []
    if any(s["summary"].get("peak_rss_mb") for s in report["systems"]):
        lines += [
            "", "## Peak RSS (largest over the repeats)", "", "| System | Process | Peak RSS MB |", "|---|---|---|"
        ]
    for s in report["systems"]:
        for proc, mb in (s["summary"].get("peak_rss_mb") or {}).items():
            lines.append(f"| {s['name']} | {proc} | {mb} |")
    sess = report.get("session") or {}
    keys = sorted((k for k in sess if k.split("@")[0].isdigit()), key=lambda k: (int(k.split("@")[0]), -len(k)))
    if keys:
        lines += ["", "## Session service (through RabbitMQ, as the handler calls it; one run)", "",
                  "| Stored sessions (1,000 requests/s unless said) | get p50 / p99 ms | update p50 / p99 ms | "
                  "get+update p50 / p99 ms | errors | session CPU s / 1,000 requests |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for k in keys:
            v = sess[k]
            label = f"{int(k.split('@')[0]):,}" + (f" at {k.split('@')[1]} requests/s" if "@" in k else "")
            lines.append(f"| {label} | {v['get_p50_ms']} / {v['get_p99_ms']} | {v['update_p50_ms']} / "
                         f"{v['update_p99_ms']} | {v['pair_p50_ms']} / {v['pair_p99_ms']} | {v['errors']} | "
                         f"{v.get('session_cpu_s_per_1000_requests')} |")  # fmt: skip
    return lines


def _floors(report: dict[str, Any]) -> list[str]:
    lines = ["", "## Floors (issue 13; issue 5's as before)", "", "| Issue | Floor | Measured | |", "|---|---|---|---|"]
    for row in report["floors"]:
        verdict = "not judged" if row["met"] is None else "met" if row["met"] else "**missed**"
        lines.append(f"| {row['issue']} | {row['floor']} | {row['value']} | {verdict} |")
    return lines


def _steps(report: dict[str, Any]) -> list[str]:
    lines = ["", "## Every step (held = at least 97% completed by the end + the tail, no errors, and the median "
             "added latency of the last quarter at most 1.5x (or +50 ms) that of the first)", "",
             "| System | Repeat | Offered/s | Completed/s | CPU ms per update | added p50 / p99 ms | "
             "webhook p99 ms | largest step share | |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for s in report["systems"]:
        for r in s["repeats"]:
            if "error" in r:
                continue
            steps = sorted([*r["fixed"].values(), *r["ramp"]], key=lambda st: st["rate"])
            for st in [*steps, *([r["half"]] if "half" in r else [])]:
                lines.append(f"| {s['name']} | {r['repeat']} | {st['rate']:g} | {st['completed_per_s']} | "
                             f"{st['cpu']['system_ms_per_update']} | {st['added_p50_ms']} / {st['added_p99_ms']} | "
                             f"{st['webhook_p99_ms']} | {st['mix']['max_share_in_a_second']:.0%} | "
                             f"{'held' if st['passed'] else 'backlog'}{' (half)' if st is r.get('half') else ''} |")
    return lines


def render(report: dict[str, Any]) -> str:
    lines = _header(report) + _sustained(report)
    for rate in (f"{r:g}" for r in report["settings"]["fixed_rates"]):
        lines += _fixed(report, rate)
    lines += _webhook(report) + _floors(report) + before_after(report) + _memory_and_session(report) + _steps(report)
    return "\n".join(lines) + "\n"

