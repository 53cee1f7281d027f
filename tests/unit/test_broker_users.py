"""``pokertracker-admin broker users``: what each service's RabbitMQ user may touch, and the
files operators apply (deploy/rabbitmq/definitions.json is what docker-compose.yml loads)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from services.admin import cli
from services.admin.broker_policies import policies, policy_definitions
from services.admin.broker_users import (
    OPERATOR_DEV_PASSWORD,
    SERVICES,
    dev_password,
    password_variable,
    permissions,
    user_name,
)
from shared.topology import Topology

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "deploy" / "rabbitmq" / "definitions.json"
DEV_COMMAND = ["broker", "users", "--format", "definitions", "--dev-passwords", "--operator-user", "pokertracker"]
ALL_PASSWORDS = ["RABBITMQ_PASSWORD", *(password_variable(s) for s in SERVICES)]

# What each service does on the broker (the services' code, read by hand), as the names of
# the resources it may configure, write and read; everything else must be refused.
KINDS = ("configure", "write", "read")
ALLOWED: dict[str, dict[str, set[str]]] = {
    "gateway": {"configure": {"exchange", "partition"}, "write": {"exchange", "partition"}, "read": {"exchange"}},
    "handler": {
        "configure": {"exchange", "partition", "dead-letters", "ocr"},
        "write": {"partition", "amq.default"},
        "read": {"exchange", "partition"},
    },
    "session": {
        "configure": {"session.requests"},
        "write": {"amq.default"},
        "read": {"session.requests"},
    },
    "ocr": {"configure": {"exchange", "ocr"}, "write": {"exchange"}, "read": {"ocr"}},
    "admin": {"configure": {"dead-letters"}, "write": {"exchange"}, "read": {"dead-letters"}},
}


def resources(namespace: str) -> dict[str, list[str]]:
    """Every exchange and queue name of a namespace, by kind."""
    t = Topology(namespace, 1024)
    return {
        "exchange": [t.updates_exchange.name],
        "partition": [q.name for q in t.partition_queues],
        "dead-letters": [t.dead_letters_queue.name],
        "ocr": [t.ocr_queue.name],
        "session.requests": [t.session_requests_queue.name],
    }


def granted(pattern: str, name: str) -> bool:
    """RabbitMQ's check: the pattern found anywhere in the name (re:run, unanchored)."""
    return re.search(pattern, name) is not None


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_passwords(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ALL_PASSWORDS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name + "_FILE", raising=False)
    return monkeypatch


def test_the_committed_definitions_are_what_the_command_generates(
    capsys: pytest.CaptureFixture[str], no_passwords: pytest.MonkeyPatch
) -> None:
    code, out, err = run_cli(capsys, *DEV_COMMAND)
    assert code == 0, err
    assert DEFINITIONS.read_text() == out, (
        "deploy/rabbitmq/definitions.json is out of date: run `pokertracker-admin "
        + " ".join(DEV_COMMAND) + " > deploy/rabbitmq/definitions.json`"
    )


def verifies(password_hash: str, password: str) -> bool:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt[4] + sha256(salt + password))."""
    raw = base64.b64decode(password_hash)
    salt, digest = raw[:4], raw[4:]
    return hashlib.sha256(salt + password.encode()).digest() == digest


def test_the_committed_definitions_hold_the_compose_users_with_their_dev_passwords() -> None:
    document = json.loads(DEFINITIONS.read_text())
    assert document["vhosts"] == [{"name": "/"}]
    expected = {"pokertracker": OPERATOR_DEV_PASSWORD} | {
        user_name("pokertracker", s): dev_password(s) for s in SERVICES
    }
    users = {u["name"]: u for u in document["users"]}
    assert set(users) == set(expected)
    for name, password in expected.items():
        assert users[name]["hashing_algorithm"] == "rabbit_password_hashing_sha256"
        assert verifies(users[name]["password_hash"], password), name
    assert users["pokertracker"]["tags"] == ["administrator"]
    assert all(users[user_name("pokertracker", s)]["tags"] == [] for s in SERVICES)
    granted_ = {p["user"]: (p["configure"], p["write"], p["read"]) for p in document["permissions"]}
    assert granted_ == {"pokertracker": (".*", ".*", ".*")} | {
        user_name("pokertracker", s): tuple(p) for s, p in permissions("pokertracker").items()
    }
    assert {p["vhost"] for p in document["permissions"]} == {"/"}


def test_the_compose_file_logs_each_service_in_as_its_own_user() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    with_broker = {name for name, svc in services.items() if "AMQP_NAMESPACE" in (svc.get("environment") or {})}
    assert with_broker == {"gateway", "handler", "session", "ocr"}
    for service in with_broker:
        url = services[service]["environment"]["AMQP_URL"]
        assert url == (
            f"amqp://${{AMQP_NAMESPACE:-pokertracker}}-{service}:"
            f"${{{password_variable(service)}:-{dev_password(service)}}}@${{AMQP_HOST:-rabbitmq}}:5672/"
        )
    volumes = services["rabbitmq"]["volumes"]
    assert "${RABBITMQ_DEFINITIONS:-./deploy/rabbitmq/definitions.json}:/etc/rabbitmq/definitions.json:ro" in volumes
    assert "./deploy/rabbitmq/rabbitmq.conf:/etc/rabbitmq/conf.d/30-pokertracker.conf:ro" in volumes
    conf = (ROOT / "deploy" / "rabbitmq" / "rabbitmq.conf").read_text()
    assert "\nload_definitions = /etc/rabbitmq/definitions.json\n" in conf


@pytest.mark.parametrize("namespace", ["pokertracker", "test-0123abcd", "a.b", "x+y(z)[0]{1}|^$?*\\"])
def test_each_service_may_touch_exactly_what_it_uses(namespace: str) -> None:
    names = resources(namespace) | {"amq.default": ["amq.default"]}
    granted_ = permissions(namespace)
    assert set(granted_) == set(SERVICES)
    for service, permission in granted_.items():
        for kind, pattern in zip(KINDS, permission, strict=True):
            assert pattern.startswith("^") and pattern.endswith("$"), (service, kind)
            for resource, resource_names in names.items():
                allowed = resource in ALLOWED[service][kind]
                for name in resource_names:
                    assert granted(pattern, name) == allowed, (service, kind, name)


@pytest.mark.parametrize(
    "name",
    ["{ns}.updates.p1024", "{ns}.updates.p0001", "{ns}.updates.p01", "{ns}.updates.p000x", "{ns}.updates.",
     "{ns}.ocr.x", "x.{ns}.ocr", "{ns}Xocr", "{ns}.updatesXp000", "{ns}.dead-letters2", "{ns}.session.requestsX",
     "{ns}.anything", "amq.direct", "amq.rabbitmq.reply-to", "", "{ns}", "amq.defaultX"],
)  # fmt: skip
def test_names_that_only_look_like_ours_are_refused_to_everyone(name: str) -> None:
    name = name.format(ns="pokertracker")
    for service, permission in permissions("pokertracker").items():
        for kind, pattern in zip(KINDS, permission, strict=True):
            assert not granted(pattern, name), (service, kind, name)


def test_partitions_are_those_the_topology_can_have() -> None:
    with pytest.raises(ValueError):
        Topology("pokertracker", 1025)  # the pattern stops at p1023


namespaces = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(ours=namespaces, theirs=namespaces)
def test_no_user_reaches_another_namespace(ours: str, theirs: str) -> None:
    if ours == theirs:
        return
    partitions = Topology(theirs, 1024).partition_queues
    their_names = [
        *(names[0] for kind, names in resources(theirs).items() if kind != "partition"),
        *(q.name for q in (partitions[0], partitions[7], partitions[999], partitions[1000], partitions[1023])),
    ]
    for service, permission in permissions(ours).items():
        for kind, pattern in zip(KINDS, permission, strict=True):
            for name in their_names:
                assert not granted(pattern, name), (ours, service, kind, name)


def test_definitions_with_real_passwords_are_hashed_with_fresh_salts(
    capsys: pytest.CaptureFixture[str], no_passwords: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    passwords = {password_variable(s): f"secret-{s}-1234567890" for s in SERVICES}
    for name, value in passwords.items():
        no_passwords.setenv(name, value)
    # Docker-secrets style: the file's content is the password.
    (tmp_path / "ocr").write_text("from-a-file-0987654321\n")
    no_passwords.delenv(password_variable("ocr"))
    no_passwords.setenv(password_variable("ocr") + "_FILE", str(tmp_path / "ocr"))
    passwords[password_variable("ocr")] = "from-a-file-0987654321"
    args = ["broker", "users", "--format", "definitions", "--namespace", "prod"]
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    _, again, _ = run_cli(capsys, *args)
    assert not any(p in out for p in passwords.values())
    users = {u["name"]: u["password_hash"] for u in json.loads(out)["users"]}
    assert set(users) == {user_name("prod", s) for s in SERVICES}  # no operator unless asked
    for service in SERVICES:
        assert verifies(users[user_name("prod", service)], passwords[password_variable(service)])
    assert out != again  # a new salt every time


def test_definitions_without_the_passwords_name_the_missing_variables(
    capsys: pytest.CaptureFixture[str], no_passwords: pytest.MonkeyPatch
) -> None:
    no_passwords.setenv(password_variable("gateway"), "set-1234567890")
    code, out, err = run_cli(capsys, "broker", "users", "--format", "definitions", "--operator-user", "root")
    assert code == 2 and out == ""
    assert "RABBITMQ_PASSWORD" in err and password_variable("handler") in err
    assert password_variable("gateway") not in err


def test_the_rabbitmqctl_script_sets_every_users_permissions_and_holds_no_password(
    capsys: pytest.CaptureFixture[str], no_passwords: pytest.MonkeyPatch
) -> None:
    no_passwords.setenv(password_variable("gateway"), "must-not-appear-12345")
    namespace = "it's"
    code, out, err = run_cli(capsys, "broker", "users", "--namespace", namespace, "--vhost", "stack one")
    assert code == 0, err
    assert "must-not-appear" not in out
    commands = [shlex.split(line) for line in out.splitlines() if line.startswith("rabbitmqctl -q set_permissions")]
    expected = {user_name(namespace, s): list(p) for s, p in permissions(namespace).items()}
    assert {c[5]: c[6:] for c in commands} == expected
    assert all(c[3:5] == ["-p", "stack one"] for c in commands)
    for service in SERVICES:
        user = shlex.quote(user_name(namespace, service))
        assert f'user {user} "${{{password_variable(service)}:?' in out


def test_the_committed_definitions_hold_the_queue_policies() -> None:
    document = json.loads(DEFINITIONS.read_text())
    assert document["policies"] == policy_definitions("pokertracker", "/")


def test_each_queue_of_a_namespace_takes_the_policy_of_its_kind_and_no_other() -> None:
    topology = Topology("a.b", 1024)
    found = {p.name: re.compile(p.pattern) for p in policies("a.b")}
    queues = {
        "a.b-partitions": [q.name for q in topology.partition_queues],
        "a.b-ocr": [topology.ocr_queue.name],
        "a.b-session-requests": [topology.session_requests_queue.name],
        "a.b-dead-letters": [topology.dead_letters_queue.name],
    }
    assert set(found) == set(queues)
    for policy, names in queues.items():
        for name in names:
            assert [p for p, r in found.items() if r.search(name)] == [policy], name
    strangers = ["aXb.ocr", "a.b.ocr.x", "a.b2.dead-letters", "a.b.updates.p", "a.b.updates"]
    assert not [s for s in strangers if any(r.search(s) for r in found.values())]


def test_updates_the_broker_gives_up_on_go_to_the_dead_letters_after_the_handlers_own_limit() -> None:
    from services.handler.settings import HandlerSettings

    handler_limit = HandlerSettings.model_fields["update_max_redeliveries"].default
    for policy in policies("pokertracker"):
        if "delivery-limit" in policy.definition:
            assert policy.definition["delivery-limit"] > handler_limit
            # Never dropped: the broker dead-letters, at least once, to our dead letters.
            assert policy.definition["dead-letter-strategy"] == "at-least-once"
            assert policy.definition["overflow"] == "reject-publish"
            assert policy.definition["dead-letter-routing-key"] == "pokertracker.dead-letters"
    dead_letters = next(p for p in policies("pokertracker") if p.name.endswith("dead-letters"))
    assert set(dead_letters.definition) == {"queue-leader-locator"}
