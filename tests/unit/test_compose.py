"""docker-compose.yml, its RabbitMQ cluster profile and HAProxy agree with each other and with
what the tests run (docs/cluster.md, docs/docker.md).

No Docker engine runs here: the compose file is read as YAML (PyYAML follows its anchors and
`<<` merges) and its ${VAR:-default} values are filled in as Compose does. `docker compose
config`, run by hand, checks the rest (docs/cluster.md says how).
"""

from __future__ import annotations

import glob
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML: in constraints.txt, from uvicorn[standard]

from services.common.amqp.addresses import broker_urls

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
HAPROXY_CFG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
RABBITMQ_CONF = ROOT / "deploy" / "rabbitmq" / "rabbitmq.conf"
CLUSTER_CONF = ROOT / "deploy" / "rabbitmq" / "cluster.conf"
NODE_ENTRYPOINT = ROOT / "deploy" / "rabbitmq" / "node-entrypoint.sh"
DEFINITIONS = ROOT / "deploy" / "rabbitmq" / "definitions.json"
CLUSTER_DOC = ROOT / "docs" / "cluster.md"

# The RabbitMQ nodes; the first is also the single broker of the default profile.
NODES = ("rabbitmq", "rabbitmq-2", "rabbitmq-3")
APP_SERVICES = ("gateway", "handler", "session", "ocr")
DATA_DIR = "/var/lib/rabbitmq"
COOKIE_DIR = "/run/rabbitmq-cookie"

# How an exact tag of each image looks: a full release, never `latest` or a floating series
# (`15`, `3.10`). An image not listed here fails the test, so that a new one gets a rule.
EXACT_TAGS = {
    "rabbitmq": r"(?P<version>\d+\.\d+\.\d+)-management",
    "postgres": r"(?P<version>\d+\.\d+)-bookworm",  # PostgreSQL 10+: major.minor is a release
    "haproxy": r"(?P<version>\d+\.\d+\.\d+)",
    "prom/prometheus": r"v(?P<version>\d+\.\d+\.\d+)",
    "grafana/grafana": r"(?P<version>\d+\.\d+\.\d+)",
}

# Markers of a health check that only sees an open port.
PORT_ONLY = ("check_port_connectivity", "socket.create_connection", "nc -z", "/dev/tcp/127.0.0.1/5672")


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")


def interpolate(value: str, environment: dict[str, str]) -> str:
    """``value`` as Compose fills it in from ``environment`` (the subset this file uses)."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, default = match.group("name", "op", "default")
        if name in environment and not (op == ":-" and environment[name] == ""):
            return environment[name]
        return default or ""

    return _VARIABLE.sub(one, value)


def image_tag(image: str) -> tuple[str, str]:
    repository, _, tag = image.rpartition(":")
    return (repository, tag) if repository and "/" not in tag else (image, "")


# A short-syntax volume: source:target[:ro|:rw]; a source may be ${VAR:-default}, whose colon
# separates nothing.
_VOLUME = re.compile(r"(\$\{[^}]*\}|[^:]+):([^:]+)(?::ro|:rw)?")


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Target -> source of a service's short-syntax volumes (a read-only flag dropped)."""
    found = {}
    for volume in service.get("volumes") or []:
        match = _VOLUME.fullmatch(volume)
        assert match, volume
        source, target = match.groups()
        found[target] = source
    return found


def command_text(healthcheck: dict[str, Any]) -> str:
    test = healthcheck["test"]
    return " ".join(test[1:]) if isinstance(test, list) else str(test)


def conf_settings(path: Path) -> dict[str, str]:
    """key -> value of a rabbitmq.conf-style (sysctl) file."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found


def haproxy_sections() -> dict[str, list[list[str]]]:
    """ "kind name" (e.g. "backend rabbitmq", "defaults") -> its lines, split into words,
    comments dropped."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for raw in HAPROXY_CFG.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            current = sections.setdefault(" ".join(line.split()), [])
        else:
            current.append(line.split())
    return sections


def seconds(duration: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", duration).groups()  # type: ignore[union-attr]
    return int(number) * {"ms": 0.001, None: 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


# ---------------------------------------------------------------------------- what the tests run


def _version_in(text: str, pattern: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1) if match else None


def rabbitmq_release_under_test() -> str:
    """The release of the rabbitmq-server package the tests run (.ci/run starts it; the private
    nodes of devkit/rabbitmq_node.py run its scripts)."""
    in_path = r"rabbitmq_server-(\d+\.\d+\.\d+)"
    # Debian's package: /usr/lib/rabbitmq/bin/* link into /usr/lib/rabbitmq/lib/rabbitmq_server-X.Y.Z.
    for script in ("/usr/lib/rabbitmq/bin/rabbitmq-server", shutil.which("rabbitmq-server")):
        if script and Path(script).exists():
            version = _version_in(str(Path(script).resolve()), in_path)
            if version:
                return version
    found = (_version_in(path, in_path) for path in glob.glob("/usr/lib/rabbitmq/lib/rabbitmq_server-*"))
    installed = sorted({version for version in found if version})
    if len(installed) == 1:
        return installed[0]
    # Any other installation: its CLI knows its own version without a running node.
    debian_ctl = "/usr/lib/rabbitmq/bin/rabbitmqctl"
    ctl = debian_ctl if Path(debian_ctl).exists() else shutil.which("rabbitmqctl")
    if ctl:
        done = subprocess.run([ctl, "version"], check=False, capture_output=True, text=True, timeout=120)
        version = _version_in(done.stdout, r"(?m)^\s*(\d+\.\d+\.\d+)\s*$") if done.returncode == 0 else None
        if version:
            return version
    pytest.fail(
        "cannot tell which RabbitMQ the tests run: no rabbitmq-server package found "
        f"(/usr/lib/rabbitmq/lib/rabbitmq_server-*, rabbitmq-server or rabbitmqctl on PATH; found {installed})"
    )


def postgresql_release_under_test() -> str:
    """major.minor of the PostgreSQL server the tests run (.ci/run starts the cluster in
    /etc/postgresql; Debian keeps each major's server in /usr/lib/postgresql/MAJOR)."""
    pattern = r"PostgreSQL\)? (\d+\.\d+)"
    majors = sorted(Path(p).name for p in glob.glob("/etc/postgresql/*")) or sorted(
        Path(p).parent.parent.name for p in glob.glob("/usr/lib/postgresql/*/bin/postgres")
    )
    candidates = [f"/usr/lib/postgresql/{major}/bin/postgres" for major in majors] if len(majors) == 1 else []
    candidates += [p for p in (shutil.which("postgres"), shutil.which("pg_config"), shutil.which("psql")) if p]
    for binary in candidates:
        if Path(binary).exists():
            done = subprocess.run([binary, "--version"], check=False, capture_output=True, text=True, timeout=60)
            version = _version_in(done.stdout, pattern)
            if version:
                return version
    pytest.fail(
        f"cannot tell which PostgreSQL the tests run (majors installed: {majors}; no postgres, pg_config or psql)"
    )


# ---------------------------------------------------------------------------- images


def test_every_image_is_pinned_to_an_exact_release() -> None:
    for name, service in services().items():
        if "image" not in service:
            assert "build" in service, name
            continue
        image = service["image"]
        assert "$" not in image, f"{name}: the image must not come from a variable: {image}"
        repository, tag = image_tag(image)
        assert repository in EXACT_TAGS, f"{name}: {image}: add a rule for {repository!r} to EXACT_TAGS"
        assert re.fullmatch(EXACT_TAGS[repository], tag), f"{name}: {image} is not an exact release"


def test_the_tag_rules_refuse_floating_tags() -> None:
    for image in ("rabbitmq:3.10-management", "rabbitmq:latest", "rabbitmq", "postgres:15",
                  "postgres:15-bookworm", "haproxy:2.8", "haproxy:lts", "grafana/grafana:11"):  # fmt: skip
        repository, tag = image_tag(image)
        assert not re.fullmatch(EXACT_TAGS[repository], tag), image


def test_the_rabbitmq_image_is_the_release_the_tests_run() -> None:
    tested = rabbitmq_release_under_test()
    for name in NODES:
        repository, tag = image_tag(services()[name]["image"])
        version = re.fullmatch(EXACT_TAGS[repository], tag).group("version")  # type: ignore[union-attr]
        assert version == tested, (
            f"{name} runs RabbitMQ {version}, the tests run {tested}: change the image in "
            "docker-compose.yml (and the Erlang noted there) or the package the tests install"
        )


def test_the_postgres_image_is_the_release_the_tests_run() -> None:
    tested = postgresql_release_under_test()
    repository, tag = image_tag(services()["postgres"]["image"])
    version = re.fullmatch(EXACT_TAGS[repository], tag).group("version")  # type: ignore[union-attr]
    assert version == tested, (
        f"postgres runs PostgreSQL {version}, the tests run {tested}: change the image in docker-compose.yml"
    )


# ---------------------------------------------------------------------------- the cluster


def test_the_cluster_profile_adds_two_nodes_to_the_single_broker() -> None:
    all_services = services()
    nodes = {name for name, s in all_services.items() if str(s.get("image", "")).startswith("rabbitmq:")}
    assert nodes == set(NODES)
    # The default profile's broker is the first node: a single-broker deployment becomes the
    # cluster with its data, and no service ever depends on a broker its profile lacks.
    assert "profiles" not in all_services["rabbitmq"]
    for name in NODES[1:]:
        assert all_services[name]["profiles"] == ["cluster"], name
    first = all_services["rabbitmq"]
    for name in NODES:
        node = all_services[name]
        # The node name rabbit@<hostname> names its data; a fixed one survives a new container.
        assert node["hostname"] == name
        for key in ("image", "entrypoint", "command", "healthcheck", "restart"):
            assert node[key] == first[key], (name, key)
    # One at a time, the first node first: there is one cluster to join (deploy/rabbitmq/cluster.conf).
    assert all_services["rabbitmq-2"]["depends_on"] == {"rabbitmq": {"condition": "service_healthy"}}
    assert all_services["rabbitmq-3"]["depends_on"] == {"rabbitmq-2": {"condition": "service_healthy"}}


def test_every_node_shares_cookie_configuration_and_definitions_and_keeps_its_own_data() -> None:
    all_services = services()
    named_volumes = set(compose()["volumes"])
    node_mounts = {name: mounts(all_services[name]) for name in NODES}
    data = [node_mounts[name].pop(DATA_DIR) for name in NODES]
    assert len(set(data)) == len(NODES) and set(data) <= named_volumes, data
    shared = node_mounts["rabbitmq"]
    for name in NODES:
        assert node_mounts[name] == shared, name
    assert shared[COOKIE_DIR] in named_volumes and shared[COOKIE_DIR] not in data
    # Whoever holds the cookie controls the nodes: nothing else mounts it, no node publishes
    # its distribution ports.
    for name, service in all_services.items():
        if name not in NODES:
            assert shared[COOKIE_DIR] not in mounts(service).values(), name
        else:
            assert not any(p.endswith((":4369", ":25672")) for p in service.get("ports", [])), name
    assert shared["/etc/rabbitmq/conf.d/30-pokertracker.conf"] == "./deploy/rabbitmq/rabbitmq.conf"
    assert shared["/etc/rabbitmq/conf.d/40-cluster.conf"] == "./deploy/rabbitmq/cluster.conf"
    assert shared["/etc/rabbitmq/definitions.json"] == "${RABBITMQ_DEFINITIONS:-./deploy/rabbitmq/definitions.json}"
    assert conf_settings(RABBITMQ_CONF)["load_definitions"] == "/etc/rabbitmq/definitions.json"
    # ... which holds the users, their permissions and the queues' policies.
    assert {"users", "permissions", "policies"} <= set(json.loads(DEFINITIONS.read_text(encoding="utf-8")))
    # The entry point is the mounted script, and it reads the cookie from the shared volume.
    entrypoint = all_services["rabbitmq"]["entrypoint"]
    assert entrypoint[0] == "sh" and shared[entrypoint[1]] == "./deploy/rabbitmq/node-entrypoint.sh"
    script = NODE_ENTRYPOINT.read_text(encoding="utf-8")
    assert f"shared={COOKIE_DIR}/" in script
    assert f"cookie={DATA_DIR}/.erlang.cookie" in script
    assert "install -m 400 -o rabbitmq -g rabbitmq" in script
    assert 'exec docker-entrypoint.sh "$@"' in script
    for path in shared.values():
        if path.startswith("./"):
            assert (ROOT / path).exists(), path


def test_cluster_conf_lists_every_node() -> None:
    conf = conf_settings(CLUSTER_CONF)
    assert conf["cluster_formation.peer_discovery_backend"] == "classic_config"
    listed = {v for k, v in conf.items() if k.startswith("cluster_formation.classic_config.nodes.")}
    assert listed == {f"rabbit@{services()[name]['hostname']}" for name in NODES}
    assert conf["queue_leader_locator"] == "balanced"
    assert conf["cluster_partition_handling"] == "pause_minority"


def test_haproxy_balances_amqp_over_every_node() -> None:
    sections = haproxy_sections()
    defaults = sections["defaults"]
    assert ["mode", "tcp"] in defaults
    timeouts = {line[1]: seconds(line[2]) for line in defaults if line[0] == "timeout"}
    # AMQP connections live for hours, quiet but for heartbeats.
    assert timeouts["client"] >= 3600 and timeouts["server"] >= 3600
    frontend = sections["frontend amqp"]
    assert ["bind", ":5672"] in frontend and ["default_backend", "rabbitmq"] in frontend
    backend = sections["backend rabbitmq"]
    servers = {line[1]: line[2] for line in backend if line[0] == "server"}
    assert servers == {name: f"{name}:5672" for name in NODES}
    (default_server,) = [line for line in backend if line[0] == "default-server"]
    assert "check" in default_server and "resolvers" in default_server
    assert default_server[
        default_server.index("on-marked-down") : default_server.index("on-marked-down") + 2
    ] == ["on-marked-down", "shutdown-sessions"]
    assert ["option", "tcp-check"] in backend
    checks = [line[1:] for line in backend if line[0] == "tcp-check"]
    assert checks[0] == ["connect", "port", "5672"], "the first check step must be the AMQP port"
    assert any(line[0] in ("balance",) for line in backend)


def test_the_haproxy_service_waits_for_every_node_and_is_healthy_with_one() -> None:
    haproxy = services()["haproxy"]
    assert haproxy["profiles"] == ["cluster"]
    assert mounts(haproxy)["/usr/local/etc/haproxy/haproxy.cfg"] == "./deploy/haproxy/haproxy.cfg"
    assert haproxy["depends_on"] == {name: {"condition": "service_healthy"} for name in NODES}
    assert all(port.startswith("127.0.0.1:") for port in haproxy.get("ports", []))
    monitor = haproxy_sections()["frontend monitor"]
    (bind,) = [line[1] for line in monitor if line[0] == "bind"]
    assert ["monitor-uri", "/healthz"] in monitor
    assert any(line[:2] == ["monitor", "fail"] and "nbsrv(rabbitmq)" in line for line in monitor)
    assert f"/dev/tcp/127.0.0.1/{bind.lstrip(':')} " in command_text(haproxy["healthcheck"])
    assert "GET /healthz" in command_text(haproxy["healthcheck"])


# ---------------------------------------------------------------------------- the services


def test_the_app_services_reach_the_broker_named_by_amqp_host() -> None:
    all_services = services()
    for name in APP_SERVICES:
        url = all_services[name]["environment"]["AMQP_URL"]
        (default,) = broker_urls(interpolate(url, {}))
        assert "@rabbitmq:5672/" in default, (name, default)
        (cluster,) = broker_urls(interpolate(url, {"AMQP_HOST": "haproxy"}))
        assert "@haproxy:5672/" in cluster, (name, cluster)
        # docs/cluster.md: the nodes themselves instead of HAProxy, tried in turn.
        direct = broker_urls(interpolate(url, {"AMQP_HOST": "rabbitmq:5672,rabbitmq-2:5672,rabbitmq-3"}))
        assert [u.split("@")[1] for u in direct] == [f"{node}:5672/" for node in NODES], (name, direct)


def test_the_app_services_wait_for_haproxy_when_the_cluster_runs() -> None:
    all_services = services()
    for name in APP_SERVICES:
        depends_on = all_services[name]["depends_on"]
        assert depends_on["rabbitmq"] == {"condition": "service_healthy"}, name
        assert depends_on["haproxy"] == {"condition": "service_healthy", "required": False}, name


def test_no_service_requires_one_its_profile_may_lack() -> None:
    """What `docker compose config` refuses: a dependency missing from a profile the
    dependent runs in, unless it is `required: false`."""
    all_services = services()
    for name, service in all_services.items():
        needs = service.get("depends_on") or {}
        if isinstance(needs, list):
            needs = {dependency: {} for dependency in needs}
        ours = set(service.get("profiles") or ())
        for dependency, how in needs.items():
            assert dependency in all_services, (name, dependency)
            theirs = set(all_services[dependency].get("profiles") or ())
            if (how or {}).get("required", True):
                assert not theirs or (ours and ours <= theirs), f"{name} requires {dependency} of {sorted(theirs)}"


def test_health_checks_see_the_service_answer_not_only_a_port() -> None:
    all_services = services()
    for name, service in all_services.items():
        if name in ("db-setup", "chat"):  # a one-shot job and an interactive tool
            assert "healthcheck" not in service, name
            continue
        assert "healthcheck" in service, name
        text = command_text(service["healthcheck"])
        assert not any(marker in text for marker in PORT_ONLY), f"{name}: {text}"
    for name in NODES:
        text = command_text(all_services[name]["healthcheck"])
        assert "check_running" in text and "check_local_alarms" in text, name
    postgres = command_text(all_services["postgres"]["healthcheck"])
    assert "pg_isready" in postgres and "select 1" in postgres


# ---------------------------------------------------------------------------- docs


def test_the_operator_docs_cover_the_cluster() -> None:
    doc = CLUSTER_DOC.read_text(encoding="utf-8")
    for words in ("--profile cluster", "AMQP_HOST=haproxy", "rabbitmq-queues grow",
                  "rabbitmq-queues rebalance quorum", "rabbitmq-queues shrink", "forget_cluster_node", "join_cluster",
                  "deploy/haproxy/haproxy.cfg", "deploy/rabbitmq/cluster.conf", "services/admin/broker_policies.py",
                  "docs/reliability.md"):  # fmt: skip
        assert words in doc, words
    assert "docs/cluster.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "cluster.md" in (ROOT / "docs" / "docker.md").read_text(encoding="utf-8")
