"""Which PostgreSQL and RabbitMQ ``scripts/up`` and ``scripts/test`` use, decided from what the
URLs' servers did (``devkit.local_servers``), the ports private instances get, and what a
machine without apt-get is told to install.  The instances themselves start in
tests/e2e/test_fresh_machine.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit import server_packages, server_probes, stack
from devkit.local_servers import Request, ServersError, choose
from devkit.server_probes import Probe, is_local, pick_port
from devkit.testing_servers import request_from

USABLE = Probe(True)
SILENT = Probe(False, answered=False, why="nothing answers at 127.0.0.1:5432")
REFUSING = Probe(False, why="127.0.0.1:5432 answers but turns us away (InvalidPasswordError: no)")
LOCAL = "postgresql://postgres@127.0.0.1:5432/pokertracker"
REMOTE = "postgresql://postgres@db.example.com:5432/pokertracker"


@pytest.mark.parametrize("was_set", [False, True])
def test_a_server_that_lets_us_in_is_used(was_set: bool) -> None:
    assert choose("PostgreSQL", LOCAL, was_set, USABLE, "DATABASE_URL") is False
    assert choose("PostgreSQL", REMOTE, was_set, USABLE, "DATABASE_URL") is False


@pytest.mark.parametrize("was_set", [False, True])
def test_nothing_answering_on_this_machine_means_a_private_instance(was_set: bool) -> None:
    assert choose("PostgreSQL", LOCAL, was_set, SILENT, "DATABASE_URL") is True
    closed = "amqp://guest:guest@localhost:40001/"
    assert choose("RabbitMQ", closed, was_set, SILENT, "AMQP_URL") is True


def test_the_default_servers_turning_us_away_means_a_private_instance() -> None:
    assert choose("PostgreSQL", LOCAL, False, REFUSING, "DATABASE_URL") is True


def test_a_server_the_person_chose_that_turns_us_away_is_an_error_naming_the_variable() -> None:
    with pytest.raises(ServersError, match=r"turns us away.*TEST_DATABASE_URL"):
        choose("PostgreSQL", LOCAL, True, REFUSING, "TEST_DATABASE_URL")


def test_a_remote_server_not_answering_is_an_error_not_a_private_instance() -> None:
    with pytest.raises(ServersError, match=r"only for a server on this machine.*DATABASE_URL"):
        choose("PostgreSQL", REMOTE, True, SILENT, "DATABASE_URL")


def test_local_hosts() -> None:
    assert all(is_local(f"amqp://g:g@{host}:5672/") for host in ("127.0.0.1", "localhost", "[::1]", "127.0.1.1"))
    assert not is_local("amqp://g:g@rabbit:5672/")


def test_a_kept_port_is_kept_while_free_and_replaced_once_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    busy = {24000}
    monkeypatch.setattr(server_probes, "_port_free", lambda port: port not in busy)
    assert pick_port(25000, set()) == 25000
    assert pick_port(25000, {25000}) != 25000  # given to another server of this start
    replaced = pick_port(24000, set())
    assert replaced != 24000 and server_probes.PORT_RANGE[0] <= replaced < server_probes.PORT_RANGE[1]
    assert pick_port(None, set()) != 24000


def test_the_tests_default_to_the_standard_ports_and_know_what_the_person_set() -> None:
    assert request_from({}) == Request(
        "postgresql://postgres@127.0.0.1:5432/pokertracker_test", "amqp://guest:guest@127.0.0.1:5672/"
    )
    chosen = request_from({"TEST_DATABASE_URL": "postgresql://u@127.0.0.1:1/t"})
    assert (chosen.database_url, chosen.database_url_set, chosen.amqp_url_set) == (
        "postgresql://u@127.0.0.1:1/t", True, False,
    )  # fmt: skip


def test_the_stack_knows_which_urls_the_person_set_and_where_its_run_directory_is() -> None:
    args = stack.parse_args(["--fresh", "--run-dir", "elsewhere"])
    config = stack.build_config({"AMQP_URL": "amqp://guest:guest@127.0.0.1:1/"}, args)
    assert config.servers_request == Request(
        stack.DEFAULT_DATABASE_URL, "amqp://guest:guest@127.0.0.1:1/", False, True
    )
    assert config.fresh and config.run_dir == Path("elsewhere").absolute()
    default = stack.build_config({}, stack.parse_args([]))
    assert default.run_dir == stack.RUN_DIR and not default.fresh


def test_without_apt_get_the_message_says_exactly_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(server_packages.SERVERS, "PostgreSQL", (
        "postgresql", lambda: False, server_packages.SERVERS["PostgreSQL"][2]))  # fmt: skip
    monkeypatch.setitem(server_packages.SERVERS, "RabbitMQ", (
        "rabbitmq-server", lambda: True, server_packages.SERVERS["RabbitMQ"][2]))  # fmt: skip
    monkeypatch.setattr(server_packages.shutil, "which", lambda name: None)
    said: list[str] = []
    with pytest.raises(server_packages.MissingServer) as raised:
        server_packages.ensure_installed(["PostgreSQL", "RabbitMQ"], said.append)
    message = str(raised.value)
    assert "no apt-get" in message and "version 15 or newer" in message
    assert "initdb and pg_ctl" in message and "RabbitMQ" not in message  # it is there
    assert "DATABASE_URL / AMQP_URL" in message and not said


def test_nothing_is_installed_when_nothing_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PostgreSQL", "RabbitMQ"):
        package, _, text = server_packages.SERVERS[name]
        monkeypatch.setitem(server_packages.SERVERS, name, (package, lambda: True, text))
    monkeypatch.setattr(server_packages.subprocess, "run", lambda *a, **k: pytest.fail("ran apt-get"))
    server_packages.ensure_installed(["PostgreSQL", "RabbitMQ"], lambda message: None)
