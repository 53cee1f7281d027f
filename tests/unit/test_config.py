"""A service with a missing or bad setting stops at start with one line naming it.

Secrets and URLs may also come from files (``X_FILE``, docker secrets); a bad one is a
configuration error too, and never shows what the file holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from services.admin.settings import (
    AdminSettings,
    SessionAdminSettings,
    TelegramAdminSettings,
)
from services.common.config import ServiceSettings, describe_error, secret_fields
from services.gateway.settings import GatewaySettings
from services.handler.settings import HandlerSettings
from services.ocr.settings import OcrSettings
from services.session.settings import SessionSettings

BASE = {"PATH": os.environ.get("PATH", ""), "AMQP_URL": "amqp://x", "DATABASE_URL": "postgresql://x"}


def refused_start(service: str, env: dict[str, str]) -> str:
    """Start ``service`` with only ``env``; it must exit with 2 and say why in one line: that line."""
    proc = subprocess.run(
        [sys.executable, "-m", service],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("service", "env", "names"),
    [
        ("services.gateway", {"AMQP_URL": "amqp://x"}, ["WEBHOOK_SECRET"]),
        ("services.gateway", {"AMQP_URL": "amqp://x", "WEBHOOK_SECRET": "short"}, ["WEBHOOK_SECRET"]),
        ("services.handler", {"AMQP_URL": "amqp://x", "DATABASE_URL": "postgresql://x"}, ["BOT_TOKEN"]),
        ("services.handler", {"BOT_TOKEN": "1:x"}, ["AMQP_URL", "DATABASE_URL"]),
        ("services.session", {"AMQP_URL": "amqp://x"}, ["DATABASE_URL"]),
        ("services.session", {**BASE, "SESSION_TTL_SECONDS": "soon"}, ["SESSION_TTL_SECONDS"]),
    ],
)
def test_missing_or_bad_setting_is_one_line_naming_it(service: str, env: dict, names: list[str]) -> None:
    line = refused_start(service, env)
    assert all(name in line for name in names), line
    assert "short" not in line  # values, which may be secrets, are never echoed


# ------------------------------------------------------------------ secrets from files (X_FILE)

GOOD_SECRET = "Fi1e_" + "s" * 40  # a valid WEBHOOK_SECRET
# What each service needs besides the setting under test, so that only that one is read from a file.
REQUIRED = {
    "amqp_url": "amqp://guest:guest@127.0.0.1:5672/",
    "database_url": "postgresql://postgres@127.0.0.1:5432/x",
    "bot_token": "123:token",
    "webhook_secret": GOOD_SECRET,
}
# Every settings class and (at least) the settings of it that may come from a file.
FILE_SETTINGS: dict[type[ServiceSettings], set[str]] = {
    GatewaySettings: {"amqp_url", "webhook_secret"},
    HandlerSettings: {"amqp_url", "database_url", "bot_token", "telegram_api_url"},
    SessionSettings: {"amqp_url", "database_url"},
    OcrSettings: {"amqp_url", "bot_token", "telegram_api_url"},
    AdminSettings: {"amqp_url"},
    TelegramAdminSettings: {"bot_token", "telegram_api_url", "webhook_secret"},
    SessionAdminSettings: {"database_url"},
}
CASES = [(cls, name) for cls in FILE_SETTINGS for name in secret_fields(cls)]
# A value that must never show up in an error (looks like each kind of secret).
CONTENT = {
    "amqp_url": "amqp://pokertracker:TOPSECRET-amqp-pw@rabbitmq:5672/",
    "database_url": "postgresql://pokertracker:TOPSECRET-db-pw@postgres:5432/pokertracker",
    "bot_token": "123456789:TOPSECRET-bot-token-abcdefghijklmnopqrstu",
    "telegram_api_url": "https://proxy.example.com/TOPSECRET-path",
    "webhook_secret": "TOPSECRET_" + "w" * 40,
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting (or X_FILE) of any service leaks in from the test runner's environment."""
    for cls in FILE_SETTINGS:
        for name in cls.model_fields:
            for var in (name, name + "_FILE"):
                monkeypatch.delenv(var.upper(), raising=False)
                monkeypatch.delenv(var, raising=False)
    return monkeypatch


def _env_for(cls: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch, but: str = "") -> None:
    for name, value in REQUIRED.items():
        if name in cls.model_fields and name != but:
            monkeypatch.setenv(name.upper(), value)


def _value(settings: ServiceSettings, name: str) -> str:
    value = getattr(settings, name)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _error(cls: type[ServiceSettings]) -> str:
    with pytest.raises(ValidationError) as caught:
        cls()
    return describe_error(caught.value)


def _content(name: str) -> str:
    return CONTENT.get(name, f"postgresql://user:TOPSECRET-{name}@db:5432/x")


def test_every_secret_and_url_setting_can_come_from_a_file() -> None:
    for cls, names in FILE_SETTINGS.items():
        found = set(secret_fields(cls))
        assert names <= found, cls
        # Nothing else: every one is a secret or a URL.
        assert all(n.endswith("_url") or "SecretStr" in str(cls.model_fields[n].annotation) for n in found)


@pytest.mark.parametrize(("cls", "name"), CASES, ids=[f"{c.__name__}-{n}" for c, n in CASES])
def test_x_file_gives_the_files_content_without_its_trailing_newline(
    cls: type[ServiceSettings], name: str, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env_for(cls, clean_env, but=name)
    secret = tmp_path / "secret"
    secret.write_text(_content(name) + "\n")
    clean_env.setenv(name.upper() + "_FILE", str(secret))
    assert _value(cls(), name) == _content(name)


@pytest.mark.parametrize(("cls", "name"), CASES, ids=[f"{c.__name__}-{n}" for c, n in CASES])
def test_x_and_x_file_both_set_is_an_error_naming_both(
    cls: type[ServiceSettings], name: str, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env_for(cls, clean_env, but=name)
    secret = tmp_path / "secret"
    secret.write_text(_content(name))
    clean_env.setenv(name.upper(), _content(name))
    clean_env.setenv(name.upper() + "_FILE", str(secret))
    error = _error(cls)
    assert f"{name.upper()} and {name.upper()}_FILE are both set" in error
    assert "TOPSECRET" not in error


@pytest.mark.parametrize(("cls", "name"), CASES, ids=[f"{c.__name__}-{n}" for c, n in CASES])
def test_missing_file_is_an_error_naming_the_variable(
    cls: type[ServiceSettings], name: str, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env_for(cls, clean_env, but=name)
    clean_env.setenv(name.upper() + "_FILE", str(tmp_path / "not-there"))
    error = _error(cls)
    assert f"{name.upper()}_FILE names a file that cannot be read" in error
    assert "No such file" in error


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot be read"),  # a directory
        (b"", "empty file"),
        (b"\n", "empty file"),
        (b"TOPSECRET-\xff\xfe-not-utf8", "not UTF-8"),
        (b"TOPSECRET-" + b"x" * 70_000, "larger than"),
    ],
)
def test_unusable_file_is_an_error_that_never_shows_the_content(
    content: bytes | None, problem: str, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env_for(HandlerSettings, clean_env, but="bot_token")
    path = tmp_path / "token"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    clean_env.setenv("BOT_TOKEN_FILE", str(path))
    error = _error(HandlerSettings)
    assert "BOT_TOKEN_FILE" in error and problem in error
    assert "TOPSECRET" not in error


@pytest.mark.parametrize(
    ("content", "value"),
    [
        (GOOD_SECRET, GOOD_SECRET),
        (GOOD_SECRET + "\n", GOOD_SECRET),
        (GOOD_SECRET + "\r\n", GOOD_SECRET),  # written on Windows
    ],
)
def test_exactly_one_trailing_line_break_is_removed(
    content: str, value: str, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env_for(GatewaySettings, clean_env, but="webhook_secret")
    path = tmp_path / "secret"
    path.write_bytes(content.encode())
    clean_env.setenv("WEBHOOK_SECRET_FILE", str(path))
    assert GatewaySettings().webhook_secret.get_secret_value() == value


@pytest.mark.parametrize(
    "content",
    [
        "TOPSECRET",  # too short
        "TOPSECRET_" + "w" * 40 + "\n\n",  # a second line break is part of the value
        " TOPSECRET_" + "w" * 40,  # a space is not in the alphabet
        "TOPSECRET_" + "w" * 300,  # too long
        "TOPSECRET_" + "w" * 30 + "é",  # not ASCII
    ],
)
def test_weak_webhook_secret_from_a_file_is_refused(
    content: str, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env_for(GatewaySettings, clean_env, but="webhook_secret")
    path = tmp_path / "secret"
    path.write_text(content)
    clean_env.setenv("WEBHOOK_SECRET_FILE", str(path))
    error = _error(GatewaySettings)
    assert "WEBHOOK_SECRET (read from WEBHOOK_SECRET_FILE) is invalid" in error
    assert "must be 32-256 characters" in error
    assert "TOPSECRET" not in error


def test_empty_x_beside_x_file_counts_as_unset(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``X: ${X:-}`` in a compose file next to ``X_FILE`` is not a conflict."""
    _env_for(GatewaySettings, clean_env, but="webhook_secret")
    path = tmp_path / "secret"
    path.write_text(GOOD_SECRET)
    clean_env.setenv("WEBHOOK_SECRET", "")
    clean_env.setenv("WEBHOOK_SECRET_FILE", str(path))
    assert GatewaySettings().webhook_secret.get_secret_value() == GOOD_SECRET


def test_file_errors_are_reported_with_the_other_bad_settings(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("AMQP_URL_FILE", str(tmp_path / "missing"))
    clean_env.setenv("DB_POOL_SIZE", "many")
    error = _error(SessionSettings)
    assert "AMQP_URL_FILE names a file that cannot be read" in error
    assert "DATABASE_URL is required but not set" in error
    assert "DB_POOL_SIZE is invalid" in error


@pytest.mark.parametrize(
    ("service", "files", "env", "names"),
    [
        # a weak secret in the file: the gateway refuses to start, as with WEBHOOK_SECRET
        ("services.gateway", {"WEBHOOK_SECRET_FILE": "TOPSECRET\n"}, {"AMQP_URL": "amqp://x"},
         ["WEBHOOK_SECRET", "WEBHOOK_SECRET_FILE"]),
        ("services.gateway", {"WEBHOOK_SECRET_FILE": None}, {"AMQP_URL": "amqp://x"},
         ["WEBHOOK_SECRET_FILE"]),
        ("services.handler", {"BOT_TOKEN_FILE": CONTENT["bot_token"]},
         {**BASE, "BOT_TOKEN": CONTENT["bot_token"]}, ["BOT_TOKEN", "BOT_TOKEN_FILE"]),
        ("services.session", {"DATABASE_URL_FILE": None, "AMQP_URL_FILE": None}, {},
         ["DATABASE_URL_FILE", "AMQP_URL_FILE"]),
    ],
)
def test_service_with_a_bad_secret_file_stops_with_one_line(
    service: str, files: dict[str, str | None], env: dict[str, str], names: list[str], tmp_path: Path
) -> None:
    for variable, content in files.items():
        path = tmp_path / variable
        if content is not None:  # None: the file does not exist
            path.write_text(content)
        env = {**env, variable: str(path)}
    line = refused_start(service, env)
    assert line.startswith(f"{service.split('.')[1]}: configuration error: ")
    assert all(name in line for name in names), line
    assert "TOPSECRET" not in line


def test_service_starts_with_its_secrets_from_files(tmp_path: Path) -> None:
    """A gateway configured with files only: ``load_settings`` reads both, as a start does."""
    secret, url = tmp_path / "secret", tmp_path / "url"
    secret.write_text(GOOD_SECRET + "\n")
    url.write_text("amqp://guest:guest@127.0.0.1:1/\n")
    code = (
        "from services.common.config import load_settings\n"
        "from services.gateway.settings import GatewaySettings\n"
        "s = load_settings(GatewaySettings)\n"
        "print(s.amqp_url, len(s.webhook_secret.get_secret_value()))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": os.environ.get("PATH", ""), "WEBHOOK_SECRET_FILE": str(secret), "AMQP_URL_FILE": str(url)},
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["amqp://guest:guest@127.0.0.1:1/", str(len(GOOD_SECRET))]


@pytest.mark.parametrize(
    ("given", "kept"), [("", ""), ("PokerTrackerBot", "PokerTrackerBot"), ("@poker_bot", "poker_bot")]
)
def test_bot_username_is_kept_without_the_at(given: str, kept: str, clean_env: pytest.MonkeyPatch) -> None:
    _env_for(HandlerSettings, clean_env)
    clean_env.setenv("BOT_USERNAME", given)
    assert HandlerSettings().bot_username == kept  # type: ignore[call-arg]


@pytest.mark.parametrize("given", ["bad name", "t.me/bot", "@", "ab"])
def test_a_bot_username_that_cannot_be_one_stops_the_start(given: str, clean_env: pytest.MonkeyPatch) -> None:
    _env_for(HandlerSettings, clean_env)
    clean_env.setenv("BOT_USERNAME", given)
    assert "BOT_USERNAME" in _error(HandlerSettings)
