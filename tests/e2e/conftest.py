"""The real services as separate processes, wired to the fake Telegram over real HTTP."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import delete_topology, free_port, own_rabbitmq
from devkit.rabbitmq_node import PrivateRabbitMQ

pytestmark = pytest.mark.e2e


def _wait(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout}s")


class Stack:
    """Session service, handler replicas, gateway and fake Telegram, each its own process."""

    def __init__(self, workdir: Path, amqp_url: str, database_url: str) -> None:
        self.workdir = workdir
        self.token = f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(27)[:35]}"
        self.secret = secrets.token_urlsafe(36)
        self.gateway_port, self.telegram_port = free_port(), free_port()
        self.telegram_url = f"http://127.0.0.1:{self.telegram_port}"
        self.gateway_url = f"http://127.0.0.1:{self.gateway_port}"
        self.env = {
            **os.environ,
            "AMQP_URL": amqp_url,
            "AMQP_NAMESPACE": f"e2e-{uuid.uuid4().hex[:10]}",
            "DATABASE_URL": database_url,
            "BOT_TOKEN": self.token,
            "FAKE_TELEGRAM_TOKEN": self.token,
            "TELEGRAM_API_URL": self.telegram_url,
            "WEBHOOK_SECRET": self.secret,
            "GATEWAY_PORT": str(self.gateway_port),
            "GATEWAY_HOST": "127.0.0.1",
            "LOG_LEVEL": "INFO",
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def log_path(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def logs(self, name: str) -> str:
        return self.log_path(name).read_text(errors="replace")

    def log_records(self, name: str) -> list[dict]:
        records = []
        for line in self.logs(name).splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
        return records

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> None:
        with self.log_path(name).open("ab") as log:
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", *args],
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parents[2],
            )

    def _alive(self, name: str) -> None:
        code = self.procs[name].poll()
        if code is not None:
            raise AssertionError(f"{name} exited with {code}:\n{self.logs(name)[-3000:]}")

    def wait_started(self, name: str, timeout: float = 30.0) -> None:
        def started() -> bool:
            self._alive(name)
            return "service started" in self.logs(name)

        _wait(started, timeout, f"{name} did not start")

    def wait_http(self, name: str, url: str, timeout: float = 30.0) -> None:
        def ok() -> bool:
            self._alive(name)
            try:
                return httpx.get(url, timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(ok, timeout, f"{name} did not become ready at {url}")

    def start_session(self) -> None:
        self.start("session", "services.session")
        self.wait_started("session")

    def start_handler(self, name: str, env: dict[str, str] | None = None) -> None:
        self.start(name, "services.handler", env={"INSTANCE_NAME": name, **(env or {})})
        self.wait_started(name)

    def restart(self, name: str, start: Callable[[], None]) -> None:
        """SIGTERM a service, wait for its clean exit, and start it again."""
        assert self.terminate(name) == 0, self.logs(name)[-2000:]
        start()

    def owned_partitions(self, name: str) -> int:
        """How many partitions a replica last said it was assigned (0 before it said)."""
        owned = [r["partitions"] for r in self.log_records(name) if r.get("msg") == "partitions assigned"]
        return owned[-1] if owned else 0

    def processed(self, names: list[str]) -> list[dict]:
        """The "update processed" records of these replicas, each with its replica's name."""
        return [
            {**r, "replica": name}
            for name in names
            for r in self.log_records(name)
            if r.get("msg") == "update processed"
        ]

    def start_ocr(self, name: str = "ocr") -> None:
        self.start(name, "services.ocr")
        self.wait_started(name)

    def start_gateway(self) -> None:
        self.start("gateway", "services.gateway")
        self.wait_http("gateway", f"{self.gateway_url}/readyz")

    def start_telegram(self, *extra: str) -> None:
        self.start(
            "telegram", "devkit.fake_telegram", "--port", str(self.telegram_port),
            "--webhook-url", f"{self.gateway_url}/telegram/webhook", *extra,
        )
        self.wait_http("telegram", f"{self.telegram_url}/healthz")

    def start_all(self, replicas: list[str], *telegram_args: str) -> None:
        """Session service, the named handler replicas, gateway and fake Telegram."""
        self.start_session()
        for name in replicas:
            self.start_handler(name)
        self.start_gateway()
        self.start_telegram(*telegram_args)

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(10)

    def terminate(self, name: str, timeout: float = 60.0) -> int:
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout)

    def shutdown(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
async def stack(tmp_path: Path, amqp_url: str, database_url: str) -> AsyncIterator[Stack]:
    s = Stack(tmp_path, amqp_url, database_url)
    try:
        yield s
    finally:
        s.shutdown()
        await delete_topology(amqp_url, s.env["AMQP_NAMESPACE"])


@pytest.fixture
async def private_broker(tmp_path: Path) -> AsyncIterator[PrivateRabbitMQ]:
    """A RabbitMQ node of the test's own, for a test that stops and starts its broker."""
    with own_rabbitmq(tmp_path / "rabbitmq") as node:
        yield node


@pytest.fixture
async def private_stack(tmp_path: Path, private_broker: PrivateRabbitMQ, database_url: str) -> AsyncIterator[Stack]:
    """``stack``, on the test's own broker (removed with it: no topology to delete)."""
    workdir = tmp_path / "stack"
    workdir.mkdir()
    s = Stack(workdir, private_broker.url, database_url)
    try:
        yield s
    finally:
        s.shutdown()
