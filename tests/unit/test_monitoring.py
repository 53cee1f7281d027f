"""The monitoring files (monitoring/, the compose profile, docs/monitoring.md) agree with the code.

The dashboard's PromQL may only name metrics and labels that the services really export:
the metric classes (the services' own and the messaging layer's) are registered in one registry,
and every expression is checked against it. A renamed metric or label in the code, or a
typo in the dashboard, fails here instead of showing up as an empty panel.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML: in constraints.txt, from uvicorn[standard]
from prometheus_client import CollectorRegistry

from services.common.amqp.metrics import MessagingMetrics
from services.gateway.metrics import GatewayMetrics
from services.handler.metrics import HandlerMetrics
from services.ocr.metrics import OcrMetrics
from services.session.metrics import SessionMetrics

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "pokertracker.json"
DATASOURCES = MONITORING / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDERS = MONITORING / "grafana" / "provisioning" / "dashboards" / "dashboards.yml"
PROMETHEUS = MONITORING / "prometheus.yml"
COMPOSE = ROOT / "docker-compose.yml"
DOCS = ROOT / "docs" / "monitoring.md"

METRICS_PORT = 9100
APP_JOBS = ("gateway", "session", "handler", "ocr")
# Scaled with `docker compose up --scale NAME=N`: found by DNS, one target per replica.
SCALED_JOBS = ("handler", "ocr")
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"job", "instance"}

# Series names of one metric family, by type, as prometheus-client exposes them.
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "enum": ("",),
}
METRIC_NAME = re.compile(r"\bpokertracker_[A-Za-z0-9_]+")
SELECTOR = re.compile(r"\b(pokertracker_[A-Za-z0-9_]+)\s*\{([^}]*)\}")
MATCHER_LABEL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
JOB_MATCHER = re.compile(r"\bjob\s*=\s*\"([^\"]*)\"")
LEGEND_LABEL = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def service_registry() -> CollectorRegistry:
    """A registry with every metric the application services register."""
    registry = CollectorRegistry()
    GatewayMetrics(registry)
    HandlerMetrics(registry)
    SessionMetrics(registry)
    OcrMetrics(registry)
    # The handler's and the OCR service's publishers and consumers count in it.
    MessagingMetrics(registry)
    return registry


def metric_families() -> dict[str, str]:
    """Family name (counters without _total) -> type, of every metric the services register."""
    return {family.name: family.type for family in service_registry().collect()}


def exported_series() -> dict[str, set[str]]:
    """Every series name the services can export, with its label names (without job/instance)."""
    registry = service_registry()
    # prometheus-client has no public way to read a metric's label names when none of its
    # children exists yet; every Counter/Gauge/Histogram keeps them in _labelnames.
    collectors = set(registry._names_to_collectors.values())
    series: dict[str, set[str]] = {}
    for collector in collectors:
        labelnames = getattr(collector, "_labelnames", None)
        assert labelnames is not None, f"prometheus-client no longer keeps _labelnames: {collector!r}"
        labels = set(labelnames)
        for family in collector.collect():
            for suffix in SUFFIXES[family.type]:
                extra = {"le"} if suffix == "_bucket" else set()
                series[family.name + suffix] = labels | extra
            for sample in family.samples:  # whatever else it really exposes
                series.setdefault(sample.name, labels | set(sample.labels))
    return series


def documented_name(name: str, kind: str) -> str:
    """The name an operator types: counters with _total, histograms without a suffix."""
    return f"{name}_total" if kind == "counter" else name


def all_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, rows included, also those inside collapsed rows."""
    found = []
    for panel in dashboard.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def expression_problems(expr: str, legend: str, series: dict[str, set[str]], jobs: set[str]) -> list[str]:
    problems = []
    names = METRIC_NAME.findall(expr)
    known = [name for name in names if name in series]
    for name in names:
        if name not in series:
            problems.append(f"unknown metric {name}")
    for name, matchers in SELECTOR.findall(expr):
        for label in MATCHER_LABEL.findall(matchers):
            if name in series and label not in series[name] | TARGET_LABELS:
                problems.append(f"{name} has no label {label!r}")
    available = set().union(*(series[name] for name in known)) | TARGET_LABELS
    grouped, wrong = grouping_labels(expr, known, available)
    problems += wrong
    for job in JOB_MATCHER.findall(expr):
        if job not in jobs:
            problems.append(f"job {job!r} is not scraped by monitoring/prometheus.yml")
    # Series of an aggregation keep only the grouping labels; otherwise the metric's own.
    shown = grouped if re.search(r"\bby\s*\(", expr) else available
    for label in LEGEND_LABEL.findall(legend):
        if label not in shown:
            problems.append(f"legend uses {{{{{label}}}}}, which the result has not")
    return problems


def grouping_labels(expr: str, known: list[str], available: set[str]) -> tuple[set[str], list[str]]:
    """The labels ``expr`` groups by, and a problem for each one none of its ``known`` metrics has."""
    problems = []
    grouped: set[str] = set()
    for group in GROUPING.findall(expr):
        for label in filter(None, (part.strip() for part in group.split(","))):
            grouped.add(label)
            if known and label not in available:
                problems.append(f"grouping by {label!r}, which none of {sorted(set(known))} has")
    return grouped, problems


def dashboard_problems(
    dashboard: dict[str, Any], series: dict[str, set[str]], jobs: set[str], datasource_uid: str
) -> list[str]:
    problems = []
    ids = [panel.get("id") for panel in all_panels(dashboard)]
    if len(ids) != len(set(ids)) or None in ids:
        problems.append(f"panel ids are missing or not unique: {ids}")
    for panel in all_panels(dashboard):
        if panel.get("type") == "row":
            continue
        title = panel.get("title") or f"panel {panel.get('id')}"
        uids = [panel.get("datasource", {}).get("uid")]
        targets = panel.get("targets") or []
        if not any((t.get("expr") or "").strip() for t in targets):
            problems.append(f"{title}: no target with an expr")
        for target in targets:
            uids.append(target.get("datasource", {}).get("uid"))
            expr = (target.get("expr") or "").strip()
            if not expr:
                problems.append(f"{title}: target {target.get('refId')} has no expr")
                continue
            for problem in expression_problems(expr, target.get("legendFormat", ""), series, jobs):
                problems.append(f"{title}: {problem}")
        for uid in uids:
            if uid != datasource_uid:
                problems.append(f"{title}: datasource uid {uid!r}, provisioned is {datasource_uid!r}")
    return problems


def overlaps(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    boxes = [
        (p.get("title", ""), p["gridPos"]["x"], p["gridPos"]["y"], p["gridPos"]["w"], p["gridPos"]["h"])
        for p in dashboard["panels"]
    ]
    clashes = []
    for i, (a, ax, ay, aw, ah) in enumerate(boxes):
        for b, bx, by, bw, bh in boxes[i + 1 :]:
            if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
                clashes.append((a, b))
    return clashes


def scrape_jobs() -> dict[str, dict[str, Any]]:
    return {job["job_name"]: job for job in load_yaml(PROMETHEUS)["scrape_configs"]}


def provisioned_uid() -> str:
    (datasource,) = load_yaml(DATASOURCES)["datasources"]
    return datasource["uid"]


def load_dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- dashboard


def test_messaging_metrics_are_known() -> None:
    series = exported_series()
    assert "pokertracker_amqp_consumed_messages_total" in series
    assert "pokertracker_amqp_published_messages_total" in series
    assert "pokertracker_handler_update_latency_seconds_bucket" in series


def test_every_dashboard_expression_uses_exported_metrics_and_labels() -> None:
    problems = dashboard_problems(load_dashboard(), exported_series(), set(scrape_jobs()), provisioned_uid())
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_drifted_dashboard() -> None:
    good = load_dashboard()
    series, jobs, uid = exported_series(), set(scrape_jobs()), provisioned_uid()
    first = next(p for p in all_panels(good) if p["type"] != "row")

    typo = copy.deepcopy(good)
    target = next(p for p in all_panels(typo) if p["id"] == first["id"])["targets"][0]
    target["expr"] = target["expr"].replace("pokertracker_", "pokertracker_x", 1)
    assert any("unknown metric pokertracker_x" in p for p in dashboard_problems(typo, series, jobs, uid))

    bad_label = copy.deepcopy(good)
    target = next(p for p in all_panels(bad_label) if p["id"] == first["id"])["targets"][0]
    target["expr"] = "sum by (colour) (rate(pokertracker_gateway_updates_accepted_total[1m]))"
    assert any("'colour'" in p for p in dashboard_problems(bad_label, series, jobs, uid))

    other_uid = copy.deepcopy(good)
    next(p for p in all_panels(other_uid) if p["id"] == first["id"])["datasource"]["uid"] = "other"
    assert any("'other'" in p for p in dashboard_problems(other_uid, series, jobs, uid))

    empty = copy.deepcopy(good)
    next(p for p in all_panels(empty) if p["id"] == first["id"])["targets"] = [{"refId": "A"}]
    assert any("no target with an expr" in p for p in dashboard_problems(empty, series, jobs, uid))


def test_dashboard_settings_and_layout() -> None:
    dashboard = load_dashboard()
    assert dashboard["uid"] and dashboard["title"]
    assert dashboard["refresh"] == "5s"
    assert dashboard["schemaVersion"] >= 36
    panels = [p for p in all_panels(dashboard) if p["type"] != "row"]
    assert panels and {p["type"] for p in panels} <= {"timeseries", "stat"}
    assert all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in dashboard["panels"])
    assert overlaps(dashboard) == []


def test_every_pokertracker_metric_is_on_the_dashboard() -> None:
    used = set(METRIC_NAME.findall(DASHBOARD.read_text(encoding="utf-8")))
    unused = {
        name for name in metric_families()
        if name.startswith("pokertracker_")
        if not any(series == name or series.startswith(name + "_") for series in used)
    }
    assert unused == set()


# ---------------------------------------------------------------------------- prometheus


def test_prometheus_scrapes_every_app_service_on_the_metrics_port() -> None:
    config = load_yaml(PROMETHEUS)
    assert config["global"]["scrape_interval"] == "5s"
    jobs = scrape_jobs()
    assert set(APP_JOBS) <= set(jobs)
    for job in set(APP_JOBS) - set(SCALED_JOBS):
        (static,) = jobs[job]["static_configs"]
        assert static["targets"] == [f"{job}:{METRICS_PORT}"]
    # Every replica, however many: the service name resolves to all of them.
    for job in SCALED_JOBS:
        assert "static_configs" not in jobs[job], job
        (dns,) = jobs[job]["dns_sd_configs"]
        assert dns["names"] == [job]
        assert dns["type"] == "A"
        assert dns["port"] == METRICS_PORT


# ---------------------------------------------------------------------------- grafana


def test_grafana_provisioning() -> None:
    (datasource,) = load_yaml(DATASOURCES)["datasources"]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    (provider,) = load_yaml(DASHBOARD_PROVIDERS)["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


# ---------------------------------------------------------------------------- compose


def test_compose_monitoring_profile_mounts_these_files() -> None:
    services = load_yaml(COMPOSE)["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
        for volume in services[name]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), volume
    prometheus_mounts = {v.split(":")[1]: v.split(":")[0] for v in services["prometheus"]["volumes"]}
    assert prometheus_mounts["/etc/prometheus/prometheus.yml"] == "./monitoring/prometheus.yml"
    grafana_mounts = {v.split(":")[1]: v.split(":")[0] for v in services["grafana"]["volumes"]}
    assert grafana_mounts["/etc/grafana/provisioning"] == "./monitoring/grafana/provisioning"
    assert grafana_mounts["/var/lib/grafana/dashboards"] == "./monitoring/grafana/dashboards"
    # Nothing the application needs may depend on the optional profile.
    for name, service in services.items():
        if name not in ("prometheus", "grafana"):
            assert not {"prometheus", "grafana"} & set(service.get("depends_on") or ()), name


def test_compose_app_services_serve_metrics_where_prometheus_scrapes() -> None:
    services = load_yaml(COMPOSE)["services"]
    for name in APP_JOBS:
        environment = services[name].get("environment") or {}
        assert str(environment.get("METRICS_PORT")) == str(METRICS_PORT), name


def test_compose_scaled_services_can_be_scaled() -> None:
    """docs/monitoring.md tells operators to `docker compose up --scale handler=N` / `ocr=N`:
    a fixed container name, hostname or host port would make a second replica fail."""
    services = load_yaml(COMPOSE)["services"]
    for name in SCALED_JOBS:
        service = services[name]
        assert not {"container_name", "hostname", "ports"} & set(service), name


# ---------------------------------------------------------------------------- docs


def test_docs_describe_every_panel_and_metric() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    headings = set(re.findall(r"^#### (.+?)\s*$", docs, flags=re.MULTILINE))
    titles = {p["title"] for p in all_panels(load_dashboard()) if p["type"] != "row"}
    assert titles - headings == set()
    names = {
        documented_name(name, kind) for name, kind in metric_families().items()
        if name.startswith("pokertracker_")
    }
    assert {name for name in names if f"`{name}`" not in docs} == set()


def metrics_table_rows(docs: str) -> dict[str, str]:
    """The rows of the metrics table in docs/monitoring.md, by the metric they describe."""
    return {
        match.group(1): match.group(0)
        for match in re.finditer(r"^\| `(pokertracker_[A-Za-z0-9_]+)` \|.*$", docs, flags=re.MULTILINE)
    }


def undocumented_label_values(docs: str) -> set[str]:
    """`metric label=value` for every label value the services export from the start
    (the series they create at 0) that the metric's row in the metrics table leaves out."""
    rows = metrics_table_rows(docs)
    missing = set()
    for family in service_registry().collect():
        if not family.name.startswith("pokertracker_"):
            continue
        name = documented_name(family.name, family.type)
        row = rows.get(name, "")
        for sample in family.samples:
            for label, value in sample.labels.items():
                if label != "le" and f"`{value}`" not in row:
                    missing.add(f"{name} {label}={value}")
    return missing


def test_docs_list_every_label_value_the_services_export() -> None:
    assert undocumented_label_values(DOCS.read_text(encoding="utf-8")) == set()


def test_the_label_value_check_catches_a_missing_value() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    row = metrics_table_rows(docs)["pokertracker_gateway_updates_rejected_total"]
    drifted = docs.replace(row, row.replace("`throttled`", "throttled"))
    assert undocumented_label_values(drifted) == {
        "pokertracker_gateway_updates_rejected_total reason=throttled"
    }
