"""The stack's processes: which to start with what environment, waiting until they answer,
watching them while the stack runs, and stopping them."""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from devkit.processes import (
    NotReady,
    ProcessExited,
    ServiceProcess,
    describe_exit,
    environment,
    http_ok,
    launch,
    wait_ready,
)
from devkit.stack.config import WEBHOOK_PATH, StackConfig, StackError
from devkit.stack.console import redact, say

STOP_TIMEOUT_SECONDS = 15.0
TAIL_LINES = 25
# Never handed to a process that does not need it.
SENSITIVE_ENV = ("BOT_TOKEN", "WEBHOOK_SECRET", "FAKE_TELEGRAM_TOKEN")


class Terminated(BaseException):
    """SIGTERM arrived while the stack was starting or stopping."""


@dataclass
class Child:
    """One service process of the stack, planned and then started."""

    name: str
    module: str
    env: dict[str, str] = field(repr=False)
    args: list[str] = field(default_factory=list)
    essential: bool = True  # the stack cannot go on without it
    process: ServiceProcess | None = None

    def start(self, log_dir: Path) -> ServiceProcess:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self.process = launch(
            self.name, self.module, *self.args, env=self.env, log_path=log_dir / f"{self.name}.log",
            die_with_parent=True, banner=f"devkit.stack: {self.name} starting at {stamp}",
        )  # fmt: skip
        return self.process

    @property
    def log_path(self) -> Path:
        return self.process.log_path if self.process else Path()

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running

    def tail(self, hidden: list[str], lines: int = TAIL_LINES) -> list[str]:
        """The last lines this process wrote during this run, secrets hidden."""
        return [redact(line, hidden) for line in self.process.tail(lines)] if self.process else []


def _child_env(config: StackConfig, **extra: str) -> dict[str, str]:
    return environment(without=SENSITIVE_ENV, AMQP_URL=config.amqp_url, DATABASE_URL=config.database_url, **extra)


def plan_children(config: StackConfig) -> list[Child]:
    """The processes to start, in start order."""
    children: list[Child] = []
    handler_env: dict[str, str] = {"BOT_TOKEN": config.bot_token}
    if config.use_fake:
        webhook_url = f"{config.gateway_url}{WEBHOOK_PATH}"
        fake_args = ["--host", "127.0.0.1", "--port", str(config.fake_port),
                     "--webhook-url", webhook_url]  # fmt: skip
        children.append(Child("fake-telegram", "devkit.fake_telegram", _child_env(
            config, FAKE_TELEGRAM_TOKEN=config.bot_token, WEBHOOK_SECRET=config.webhook_secret,
        ), fake_args))  # fmt: skip
        handler_env["TELEGRAM_API_URL"] = config.fake_url
    children.append(Child("session", "services.session", _child_env(config)))
    for number in range(1, config.replicas + 1):
        env = _child_env(config, **handler_env, INSTANCE_NAME=f"handler-{number}")
        children.append(Child(f"handler-{number}", "services.handler", env, essential=False))
    # Reads ticket photos through the same Bot API as the handlers (BOT_TOKEN, TELEGRAM_API_URL).
    children.append(Child("ocr", "services.ocr", _child_env(config, **handler_env)))
    children.append(Child("gateway", "services.gateway", _child_env(
        config, WEBHOOK_SECRET=config.webhook_secret, GATEWAY_PORT=str(config.gateway_port),
    )))  # fmt: skip
    return children


class Stack:
    """Starts, watches and stops the child processes."""

    def __init__(self, config: StackConfig, log_dir: Path | None = None) -> None:
        self.config = config
        self.log_dir = log_dir or config.run_dir / "logs"
        self.children = plan_children(config)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        say(f"logs go to {self.log_dir} (tail -f {self.log_dir}/*.log)")
        for child in self.children:
            process = child.start(self.log_dir)
            say(f"started {child.name} (pid {process.pid})")

    def print_tail(self, child: Child) -> None:
        lines = child.tail(self.config.secrets)
        say(f"last lines of {child.log_path}:" if lines else f"{child.log_path} is empty")
        for line in lines:
            print(f"    {line}", flush=True)

    def can_go_on(self) -> bool:
        essential_up = all(c.running for c in self.children if c.essential)
        return essential_up and any(c.running for c in self.children if not c.essential)

    def wait_ready(self) -> None:
        """Poll the health endpoints until all answer 200, a child dies or time is up."""
        checks = {"gateway": f"{self.config.gateway_url}/readyz"}
        if self.config.use_fake:
            checks["fake-telegram"] = f"{self.config.fake_url}/healthz"
        say("waiting for " + " and ".join(f"GET {url}" for url in checks.values()))

        def all_answer() -> bool:
            for name, url in list(checks.items()):
                if http_ok(url, timeout=2.0):
                    del checks[name]
            return not checks

        processes = [c.process for c in self.children if c.process is not None]
        try:
            wait_ready(all_answer, self.config.startup_timeout, "the stack", watch=processes)
        except ProcessExited as exited:
            child = self.child(exited.process.name)
            self.print_tail(child)
            raise StackError(f"{child.name} {describe_exit(exited.process.wait())} during start-up") from None
        except NotReady:
            for name in checks:
                self.print_tail(self.child(name))
            waited = f"{self.config.startup_timeout:.0f} s"
            raise StackError(f"{' and '.join(checks)} not ready after {waited}") from None

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def stop(self) -> None:
        """SIGTERM every child, wait up to 15 s, then SIGKILL; a second Ctrl-C kills at once."""
        alive = [c.process for c in self.children if c.process is not None and c.process.running]
        if not alive:
            return
        say(f"stopping {len(alive)} processes "
            f"(SIGTERM, SIGKILL after {STOP_TIMEOUT_SECONDS:.0f} s)")  # fmt: skip
        for process in alive:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        try:
            while time.monotonic() < deadline:
                if not [p for p in alive if p.running]:  # polls (and reaps) every child
                    break
                time.sleep(0.1)
        except (KeyboardInterrupt, Terminated):
            say("interrupted again: killing")
        for process in alive:
            if process.running:
                say(f"{process.name} did not stop in time: SIGKILL")
            process.kill(timeout=None)
        say("stopped")


async def supervise(stack: Stack) -> None:
    """Report children that exit after start-up; return once the stack cannot go on."""
    reported: set[str] = set()
    while True:
        await asyncio.sleep(0.5)
        for child in stack.children:
            if child.returncode is None or child.name in reported:
                continue
            reported.add(child.name)
            print(flush=True)
            say(f"{child.name} {describe_exit(child.returncode)}")
            stack.print_tail(child)
        if reported and not stack.can_go_on():
            say("the stack cannot go on without it")
            return
