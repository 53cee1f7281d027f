"""A fresh machine: nothing answers where the stack looks for PostgreSQL and RabbitMQ.

The stack (``python -m devkit.stack``, what ``scripts/up`` runs after installing) is pointed at
ports where nothing listens, so it starts private instances of its own under a run directory
of the test's own, and the seed's scenario is chatted through it: /register, /result, the
button, ``3 | 850``, profit 750.  When the chat ends the stack stops, and no process of the
private instances may be left.  A second start finds the data kept (on another PostgreSQL
port: the kept one is taken by then), and stops cleanly too.

The machine's own services are neither used nor touched (they keep running for the other
tests); this needs the postgresql and rabbitmq-server packages, as CI's machine has them.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from devkit import private_postgres, rabbitmq_node
from devkit.local_servers import recorded_pids, remove_servers
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SCENARIO = ["/register", "Seed Major | 02.03.2025 | 100 | E2E Casino", "/result", "#1", "3 | 850"]


class StackRun:
    """``python -m devkit.stack`` as a child, its output collected line by line."""

    def __init__(self, run_dir: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devkit.stack", "--run-dir", str(run_dir)],
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._new.put(line.rstrip("\n"))
        self._new.put(None)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> None:
        """Read the output until a line holds ``text``; fail at the deadline or at its end."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            try:
                line = self._new.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} within {timeout} s:\n{self.output}") from None
            if line is None:
                raise AssertionError(f"the stack ended before {text!r}:\n{self.output}")
            self.lines.append(line)

    def chat(self, lines: list[str], timeout: float) -> int:
        """Type ``lines``, end the input (the chat, then the stack, stop), return the status."""
        assert self.process.stdin is not None
        self.process.stdin.write("".join(f"{line}\n" for line in lines))
        self.process.stdin.close()
        status = self.process.wait(timeout)
        while (line := self._new.get(timeout=10)) is not None:  # the rest, up to the pipe's end
            self.lines.append(line)
        return status

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)


def _parents() -> dict[int, int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def private_processes(servers: Path) -> set[int]:
    """The private instances' processes now: those they recorded and their descendants."""
    found = set(recorded_pids(servers).values())
    parents = _parents()
    while True:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        if not more:
            return found
        found |= more


def alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it runs no more)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def mentioning(paths: list[str]) -> list[str]:
    """Processes whose command line or environment names one of ``paths``."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            text = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
        except OSError:
            continue
        if alive(int(proc.name)) and any(path.encode() in text for path in paths):
            found.append(f"{proc.name}: {text[:200]!r}")
    return found


def assert_nothing_left(pids: set[int], servers: Path) -> None:
    deadline = time.monotonic() + 10
    while (left := [pid for pid in pids if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"private server processes left running: {left}"
    assert recorded_pids(servers) == {}, "a server still has its pid file"
    paths = [str(servers), str((servers / "postgres").resolve())]
    assert not mentioning(paths), mentioning(paths)


@pytest.fixture
def installed() -> None:
    if not (private_postgres.installed() and rabbitmq_node.installed()):
        reason = "needs the postgresql and rabbitmq-server packages to start private instances"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def test_the_stack_brings_its_own_servers_when_none_answers(installed: None, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    servers = run_dir / "servers"
    env = {key: value for key, value in os.environ.items()
           if key not in ("BOT_TOKEN", "WEBHOOK_SECRET", "HANDLER_REPLICAS")}  # fmt: skip
    env.update(
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/pokertracker",  # nothing listens
        AMQP_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/",
        GATEWAY_PORT=str(free_port()), FAKE_TELEGRAM_PORT=str(free_port()),
    )  # fmt: skip
    stack: StackRun | None = None
    try:
        stack = StackRun(run_dir, env)
        stack.wait_for("Chatting as Alice", timeout=120)
        assert "using a private PostgreSQL" in stack.output and "using a private RabbitMQ" in stack.output
        assert "first start: initdb" in stack.output
        pids = private_processes(servers)
        assert {"postgres", "rabbitmq", "epmd"} <= set(recorded_pids(servers)), stack.output
        assert stack.chat(SCENARIO, timeout=120) == 0, stack.output
        assert "Result saved" in stack.output and "Profit: +750" in stack.output, stack.output
        assert "stopping the private PostgreSQL and RabbitMQ" in stack.output
        assert_nothing_left(pids, servers)

        # Again, on the data kept; the port PostgreSQL had is somebody else's now.
        kept_port = json.loads((servers / "state.json").read_text())["postgres"]["port"]
        with socket.socket() as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past its TIME_WAITs
            squatter.bind(("127.0.0.1", kept_port))
            squatter.listen()
            stack = StackRun(run_dir, env)
            stack.wait_for("Chatting as Alice", timeout=90)
            assert "first start" not in stack.output
            port = re.search(r"PostgreSQL postgresql://postgres@127\.0\.0\.1:(\d+)/", stack.output)
            assert port and int(port.group(1)) != kept_port, stack.output
            pids = private_processes(servers)
            assert stack.chat(["/tournaments"], timeout=60) == 0, stack.output
        assert "Seed Major (E2E Casino) — cost 100, place 3, won 850, profit +750" in stack.output
        assert_nothing_left(pids, servers)
    finally:
        if stack is not None:
            stack.kill()
        remove_servers(servers)  # the data, also what the postgres user keeps in /var/lib
