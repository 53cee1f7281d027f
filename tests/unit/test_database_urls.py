"""DATABASE_URL naming several PostgreSQL hosts: read, completed and hidden correctly."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

from devkit.stack.preflight import redact_url as devkit_redact_url
from services.admin.broker import redact_url
from services.common.config import WorkerSettings, describe_error
from services.common.db import migration_login_problem, url_login
from services.common.failover import HOST_TIMEOUT, hosts, per_host, with_write_target
from services.common.logs import JsonFormatter, url_password

SEVERAL = "postgresql://svc:s3cr%40t@db1.internal:5432,db2.internal:5433/poker"
IPV6 = "postgresql://svc:pw-6@[fd00::1]:5432,[fd00::2]:5432/poker?sslmode=require"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (SEVERAL, ["db1.internal:5432", "db2.internal:5433"]),
        (IPV6, ["[fd00::1]:5432", "[fd00::2]:5432"]),
        ("postgresql://svc@db1,db2/poker", ["db1", "db2"]),
        ("postgresql:///poker?host=/run/a,/run/b", ["/run/a", "/run/b"]),
        ("postgresql://svc:pw@db1:5432/poker", ["db1:5432"]),
        ("postgresql:///poker", []),
    ],
)
def test_the_hosts_of_a_url_are_read_in_order(url: str, expected: list[str]) -> None:
    assert hosts(url) == expected


def test_several_hosts_ask_for_the_writable_one_unless_the_url_says() -> None:
    assert with_write_target(SEVERAL) == SEVERAL + "?target_session_attrs=read-write"
    assert with_write_target(IPV6) == IPV6 + "&target_session_attrs=read-write"
    chosen = SEVERAL + "?target_session_attrs=primary"
    assert with_write_target(chosen) == chosen
    one = "postgresql://svc:pw@db1:5432/poker"
    assert with_write_target(one) == one  # one host: asyncpg's default, as before


def test_several_hosts_are_tried_one_by_one_each_for_its_connect_timeout() -> None:
    urls, timeout = per_host(with_write_target(SEVERAL))
    assert urls == [
        "postgresql://svc:s3cr%40t@db1.internal:5432/poker?target_session_attrs=read-write",
        "postgresql://svc:s3cr%40t@db2.internal:5433/poker?target_session_attrs=read-write",
    ]
    assert timeout == HOST_TIMEOUT
    urls, timeout = per_host(IPV6 + "&connect_timeout=2")
    assert [hosts(u) for u in urls] == [["[fd00::1]:5432"], ["[fd00::2]:5432"]]
    assert all(u.endswith("/poker?sslmode=require") for u in urls) and timeout == 2


def test_connect_timeout_is_taken_out_of_the_url_for_one_host_too() -> None:
    # asyncpg would send it to the server as a setting, and the server refuse it.
    assert per_host("postgresql://svc@db1/poker?connect_timeout=3&sslmode=require") == (
        ["postgresql://svc@db1/poker?sslmode=require"], 3.0)
    assert per_host("postgresql://svc@db1/poker") == (["postgresql://svc@db1/poker"], None)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://svc@db1,db2/poker?target_session_attrs=prefer-standby",  # a choice among all
        "postgresql:///poker?host=db1,db2",
        "postgresql://svc@db1,db2/poker?port=5432,5433",
    ],
)
def test_other_forms_are_left_to_asyncpg(url: str) -> None:
    assert per_host(url) == ([url], None)


def test_the_completed_url_keeps_its_password_as_written() -> None:
    completed = with_write_target(SEVERAL)
    assert url_login(completed).password == "s3cr@t"
    assert "s3cr%40t" in completed


def test_the_login_of_a_url_with_several_hosts() -> None:
    login = url_login(SEVERAL)
    assert (login.user, login.password) == ("svc", "s3cr@t")
    assert url_login(IPV6).password == "pw-6"


def test_a_migration_url_with_several_hosts_is_told_apart_from_the_services() -> None:
    admin = "postgresql://postgres:adm1n@db1:5432,db2:5432/poker"
    assert migration_login_problem(SEVERAL, admin) is None
    same = "postgresql://svc:other@db1:5432,db2:5432/poker"
    assert migration_login_problem(SEVERAL, same) is not None


def test_settings_accept_several_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMQP_URL", "amqp://guest:guest@localhost:5672/")
    monkeypatch.setenv("DATABASE_URL", SEVERAL)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", "postgresql://postgres:adm1n@db1,db2/poker")
    assert WorkerSettings().database_url == SEVERAL  # type: ignore[call-arg]
    monkeypatch.setenv("MIGRATION_DATABASE_URL", "postgresql://svc:x@db1,db2/poker")
    with pytest.raises(ValidationError) as err:
        WorkerSettings()  # type: ignore[call-arg]
    assert "s3cr" not in describe_error(err.value)


def test_a_connect_timeout_that_is_not_a_number_fails_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMQP_URL", "amqp://guest:guest@localhost:5672/")
    monkeypatch.setenv("DATABASE_URL", SEVERAL + "?connect_timeout=soon")
    with pytest.raises(ValidationError) as err:
        WorkerSettings()  # type: ignore[call-arg]
    line = describe_error(err.value)  # what a service prints at start
    assert "DATABASE_URL" in line and "connect_timeout" in line and "s3cr" not in line


@pytest.mark.parametrize("url", [SEVERAL, IPV6, with_write_target(SEVERAL)])
def test_no_password_of_a_url_with_several_hosts_is_shown(url: str) -> None:
    password = url_password(url)
    assert password in {"s3cr%40t", "pw-6"}
    for shown in (redact_url(url, "DATABASE_URL"), devkit_redact_url(url)):
        assert password not in shown and "***" in shown
        assert hosts(shown) == hosts(url)

    formatter = JsonFormatter("test")  # no secrets given: the URL pattern alone
    record = logging.makeLogRecord({"msg": f"cannot connect to {url}", "dsn": url})
    line = json.loads(formatter.format(record))
    assert password not in json.dumps(line)
    assert "db" in line["msg"] or "fd00" in line["msg"]
