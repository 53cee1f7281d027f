"""docker-compose.yml pins its images to exact releases, RabbitMQ and PostgreSQL to those the
tests run, and its health checks see each service answer (docs/docker.md).

No Docker engine runs here: the compose file is read as YAML (PyYAML follows its anchors and
`<<` merges). `docker compose config`, run by hand, checks the rest.
"""

from __future__ import annotations

import glob
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML: in constraints.txt, from uvicorn[standard]

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"

# The RabbitMQ nodes.
NODES = ("rabbitmq",)

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


def image_tag(image: str) -> tuple[str, str]:
    repository, _, tag = image.rpartition(":")
    return (repository, tag) if repository and "/" not in tag else (image, "")


def command_text(healthcheck: dict[str, Any]) -> str:
    test = healthcheck["test"]
    return " ".join(test[1:]) if isinstance(test, list) else str(test)


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
