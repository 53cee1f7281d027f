"""AMQP_URL naming several brokers: parsed into one URL per broker, validated without echoing
it, and every password in it hidden from logs and messages."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from services.admin.broker import redact_url
from services.common.amqp.addresses import broker_urls, rotated, split_urls
from services.common.config import BrokerSettings, describe_error
from services.common.logs import JsonFormatter, url_passwords


@pytest.mark.parametrize(
    ("amqp_url", "expected"),
    [
        ("amqp://x", ["amqp://x"]),
        (
            "amqp://guest:guest@127.0.0.1:5672/",
            ["amqp://guest:guest@127.0.0.1:5672/"],
        ),
        (
            "amqp://u:p@h1:5672/vh,amqps://u:q@h2:5671/vh",
            ["amqp://u:p@h1:5672/vh", "amqps://u:q@h2:5671/vh"],
        ),
        (
            " amqp://h1/ , amqp://h2/ ",
            ["amqp://h1/", "amqp://h2/"],
        ),
        (
            "amqp://u:p@h1:5672,h2:5672,h3/vh?heartbeat=10",
            [
                "amqp://u:p@h1:5672/vh?heartbeat=10",
                "amqp://u:p@h2:5672/vh?heartbeat=10",
                "amqp://u:p@h3/vh?heartbeat=10",
            ],
        ),
        ("amqp://h1, h2", ["amqp://h1", "amqp://h2"]),
        ("amqps://[::1]:5671,[::2]/", ["amqps://[::1]:5671/", "amqps://[::2]/"]),
        # A comma in a password: the credentials end at the last @ before the hosts.
        ("amqp://u:a,b@h1,h2/", ["amqp://u:a,b@h1/", "amqp://u:a,b@h2/"]),
        # Both forms in one setting.
        (
            "amqp://u:p@h1,h2/vh,amqp://v:q@h3/other",
            ["amqp://u:p@h1/vh", "amqp://u:p@h2/vh", "amqp://v:q@h3/other"],
        ),
    ],
)
def test_one_url_per_broker_in_the_order_listed(amqp_url: str, expected: list[str]) -> None:
    assert broker_urls(amqp_url) == expected


@pytest.mark.parametrize(
    ("amqp_url", "problem"),
    [
        ("", "no broker address"),
        ("   ", "no broker address"),
        ("amqp://u:SECRET@h1/,", "empty broker address"),
        (",amqp://u:SECRET@h1/", "empty broker address"),
        ("amqp://u:SECRET@h1,,h2/", "broker URL 1 has an empty host"),
        ("amqp://u:SECRET@h1,/", "broker URL 1 has an empty host"),
        ("amqp://u:SECRET@h1/vh,,amqp://u:SECRET@h2/", "broker URL 1"),
        ("amqp://u:SECRET@/vh", "broker URL 1 has an empty host"),
        ("amqp://u:SECRET@h1/,u:SECRET@h2", "broker URL 1 has a comma after its hosts"),
        ("amqp://h1/,http://u:SECRET@h2/", "broker URL 2 has a scheme other than amqp or amqps"),
        ("u:SECRET@h1:5672", "broker URL 1 is not a URL"),
        ("amqp://u:SECRET@h1:99999/", "broker URL 1 has an invalid host or port"),
        ("amqp://u:SECRET@h1,h2:port/", "broker URL 1 has an invalid host or port"),
    ],
)
def test_a_bad_list_is_refused_without_quoting_it(amqp_url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        broker_urls(amqp_url)
    assert "SECRET" not in str(caught.value)


def test_settings_accept_several_brokers_and_amqps() -> None:
    url = "amqp://u:p@h1:5672/vh,amqps://u:p@h2:5671/vh"
    assert BrokerSettings(amqp_url=url).amqp_url == url  # kept as given; services parse it


def test_settings_refuse_an_empty_entry_naming_the_setting_not_the_value() -> None:
    with pytest.raises(ValidationError) as caught:
        BrokerSettings(amqp_url="amqp://u:TOPSECRET@h1,,h2/")
    line = describe_error(caught.value)
    assert "AMQP_URL is invalid" in line and "empty host" in line
    assert "TOPSECRET" not in line


def test_rotated_starts_at_an_index_in_ring_order() -> None:
    assert rotated(["a", "b", "c"], 1) == ["b", "c", "a"]
    assert rotated(["a", "b", "c"], 3) == ["a", "b", "c"]


# ------------------------------------------------------------------ passwords hidden

SEVERAL = "amqp://u1:first-pw@h1:5672/vh,amqps://u2:second-pw@h2:5671/vh"


def test_split_urls_never_raises() -> None:
    assert split_urls("") == []
    assert split_urls("not a url") == ["not a url"]
    assert split_urls(SEVERAL) == SEVERAL.split(",")


@pytest.mark.parametrize(
    ("url", "passwords"),
    [
        (SEVERAL, ["first-pw", "second-pw"]),
        ("amqp://u:shared-pw@h1,h2,h3/vh", ["shared-pw"]),
        ("amqp://h1,amqp://h2", []),
        ("", []),
    ],
)
def test_url_passwords_gives_every_entrys_password(url: str, passwords: list[str]) -> None:
    assert url_passwords(url) == passwords


def test_log_lines_show_no_password_of_any_broker() -> None:
    formatter = JsonFormatter("test", url_passwords(SEVERAL))
    record = logging.makeLogRecord(
        {"msg": "connecting to %s (first-pw, second-pw)", "args": (SEVERAL,), "levelno": 20}
    )
    line = formatter.format(record)
    assert "first-pw" not in line and "second-pw" not in line
    assert "h1:5672" in line and "h2:5671" in line


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (SEVERAL, "amqp://u1:***@h1:5672/vh,amqps://u2:***@h2:5671/vh"),
        ("amqp://u:pw@h1:5672,h2:5672/vh", "amqp://u:***@h1:5672,h2:5672/vh"),
        ("amqp://h1/,amqp://u:pw@h2/", "amqp://h1/,amqp://u:***@h2/"),
        ("amqp://u:pw@h1/", "amqp://u:***@h1/"),
        ("", ""),
    ],
)
def test_redact_url_hides_every_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown
