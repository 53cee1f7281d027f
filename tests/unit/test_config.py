"""A service with a missing or bad setting stops at start with one line naming it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

BASE = {"PATH": os.environ.get("PATH", ""), "AMQP_URL": "amqp://x", "DATABASE_URL": "postgresql://x"}


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
    assert all(name in lines[0] for name in names), lines[0]
    assert "short" not in lines[0]  # values, which may be secrets, are never echoed
