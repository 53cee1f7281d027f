"""The real services as separate processes, wired to the fake Telegram over real HTTP."""

from __future__ import annotations

import contextlib
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from devkit.processes import ServiceProcess, environment, http_ok, launch, log_says, stop_all, wait_ready
from devkit.rabbitmq_node import PrivateRabbitMQ
from tests.conftest import delete_topology, free_port, own_rabbitmq

pytestmark = pytest.mark.e2e


class Stack:
    """Session service, handler replicas, gateway and fake Telegram, each its own process."""

    def __init__(self, workdir: Path, amqp_url: str, database_url: str) -> None:
        self.workdir = workdir
        self.token = f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(27)[:35]}"
        self.secret = secrets.token_urlsafe(36)
        self.gateway_port, self.telegram_port = free_port(), free_port()
        self.telegram_url = f"http://127.0.0.1:{self.telegram_port}"
        self.gateway_url = f"http://127.0.0.1:{self.gateway_port}"
        self.env = environment(
            AMQP_URL=amqp_url,
            AMQP_NAMESPACE=f"e2e-{uuid.uuid4().hex[:10]}",
            DATABASE_URL=database_url,
            BOT_TOKEN=self.token,
            FAKE_TELEGRAM_TOKEN=self.token,
            TELEGRAM_API_URL=self.telegram_url,
            WEBHOOK_SECRET=self.secret,
            GATEWAY_PORT=str(self.gateway_port),
            GATEWAY_HOST="127.0.0.1",
            LOG_LEVEL="INFO",
        )
        self.procs: dict[str, ServiceProcess] = {}

    def log_path(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def logs(self, name: str) -> str:
        return self.log_path(name).read_text(errors="replace")

    def log_records(self, name: str) -> list[dict]:
        records = []
        for line in self.logs(name).splitlines():
            with contextlib.suppress(ValueError):
                records.append(json.loads(line))
        return records

    def start(self, name: str, module: str, *args: str, env: dict[str, str] | None = None) -> None:
        """``python -m module *args``, its output appended to ``<name>.log``; with no session
        of its own, so that Ctrl-C on the test run reaches it too."""
        self.procs[name] = launch(name, module, *args, env={**self.env, **(env or {})},
                                  log_path=self.log_path(name), own_session=False)  # fmt: skip

    def wait_started(self, name: str, timeout: float = 30.0) -> None:
        process = self.procs[name]
        wait_ready(log_says(process, "service started"), timeout, f"{name} start", watch=[process])

    def wait_http(self, name: str, url: str, timeout: float = 30.0) -> None:
        wait_ready(lambda: http_ok(url), timeout, f"{name} at {url}", watch=[self.procs[name]])

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
        """SIGKILL: the process gets no chance to finish anything."""
        self.procs[name].kill()

    def terminate(self, name: str, timeout: float = 60.0) -> int:
        """SIGTERM and its exit status (SIGKILL if it is still running after ``timeout``)."""
        return self.procs[name].stop(timeout)

    def shutdown(self) -> None:
        stop_all(self.procs.values(), timeout=30)


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
