"""The benchmark's report (bench/run.py): the committed one is what its JSON says, and the
floors are judged as the issue states them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bench import run

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def latest() -> tuple[dict[str, Any], Path]:
    reports = sorted(p for p in RESULTS.glob("*.json") if not p.stem.endswith("quick"))
    assert reports, "no committed benchmark report in bench/results"
    path = max(reports, key=lambda p: json.loads(p.read_text())["date"])
    return json.loads(path.read_text()), path


def test_the_committed_report_is_what_its_json_says() -> None:
    report, path = latest()
    assert run.floors(report) == report["floors"]
    assert path.with_suffix(".md").read_text() == run.markdown(report)
    assert path.with_suffix(".png").stat().st_size > 10_000


def test_the_committed_report_holds_every_figure_for_both_systems() -> None:
    report, _ = latest()
    names = [s["name"] for s in report["systems"]]
    assert names == ["baseline", "stack x1", "stack x2", "stack x4"]
    for s in report["systems"]:
        assert s["webhook"]["answered_per_s"] > 0 and s["webhook"]["webhook_p99_ms"] is not None
        assert s["sustained"] > 0 and s["half"]["added_p99_ms"] is not None
        assert s["cpu_per_1000"]["postgresql (our backends)"] > 0
        assert all(mb > 0 for mb in s["peak_rss_mb"].values())
        if s["replicas"] is not None:
            assert s["webhook_at_floor"]["rate"] == 2000
            assert {"gateway", "session", "rabbitmq (beam.smp)"} <= set(s["cpu_per_1000"])
            assert sum(k.startswith("handler-") for k in s["cpu_per_1000"]) == s["replicas"]
    for rows in ("1000", "1000000"):
        for key in (rows, f"{rows}@250"):
            assert report["session"][key]["requests"] > 0
    assert report["gateway_alone"]["max"]["answered_per_s"] > 0
    assert report["machine"]["cores"] and report["machine"]["cpu_model"]


def test_a_webhook_p99_over_25_ms_at_2000_per_second_misses_the_floor() -> None:
    report, _ = latest()
    worse = copy.deepcopy(report)
    stack = next(s for s in worse["systems"] if s["replicas"] == 2)
    stack["webhook"]["answered_per_s"] = 2500.0
    stack["webhook_at_floor"].update(answered_per_s=2000.0, webhook_p99_ms=20.0)
    row = next(r for r in run.floors(worse) if r["floor"].startswith("stack x2: webhook"))
    assert row["met"]
    stack["webhook_at_floor"]["webhook_p99_ms"] = 26.0
    row = next(r for r in run.floors(worse) if r["floor"].startswith("stack x2: webhook"))
    assert not row["met"]
