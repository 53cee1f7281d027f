"""A RabbitMQ node of a test's own, started from the installed rabbitmq-server package.

A test that stops or restarts its broker must not do it to the machine's: this starts a node
with its own name, ports, data directory, Erlang cookie and configuration (the machine's
``/etc/rabbitmq`` files are not read), as the current user, and removes it at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

# Debian's /usr/sbin/rabbitmq-server switches to the rabbitmq user when run as root, and that
# user cannot read a test's directory; the scripts it wraps run as whoever calls them.
SCRIPTS = Path("/usr/lib/rabbitmq/bin")


def installed() -> bool:
    """Whether the rabbitmq-server package's scripts are here to start a node with."""
    return (SCRIPTS / "rabbitmq-server").exists() or shutil.which("rabbitmq-server") is not None


def _script(name: str) -> str:
    path = SCRIPTS / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install the rabbitmq-server package")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRabbitMQ:
    """One node; ``url`` is its AMQP URL (guest/guest, on 127.0.0.1)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.dist_port = _free_port()
        self.name = f"pt{secrets.token_hex(4)}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        """The environment in which RabbitMQ's own tools (a plain ``rabbitmqctl`` too: the
        scripts' folder comes first on PATH) act on this node: the process's, plus
        ``variables``."""
        return {**os.environ, **self.variables()}

    def variables(self) -> dict[str, str]:
        """What points RabbitMQ's scripts at this node rather than the machine's."""
        d = self.directory
        return {
            "PATH": os.pathsep.join(filter(None, [str(SCRIPTS), os.environ.get("PATH")])),
            "HOME": str(d),  # the Erlang cookie is read from here
            "RABBITMQ_CONF_ENV_FILE": str(d / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(d / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(d / "enabled_plugins"),
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(d / "mnesia"),
            "RABBITMQ_LOG_BASE": str(d / "log"),
            "RABBITMQ_PID_FILE": str(d / "pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def ctl(self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 120) -> str:
        """Run rabbitmqctl against this node and return what it printed; raise with its
        output if it fails (unless ``check`` is false)."""
        done = subprocess.run(
            [_script("rabbitmqctl"), "-n", self.name, *args],
            input=stdin, env=self.env(), capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def start(self) -> None:
        d = self.directory
        d.mkdir(parents=True, exist_ok=True)
        (d / "rabbitmq-env.conf").write_text("")
        (d / "enabled_plugins").write_text("[].\n")  # no management listener to collide
        (d / "rabbitmq.conf").write_text(f"listeners.tcp.1 = 127.0.0.1:{self.port}\n")
        cookie = d / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16))
        cookie.chmod(0o400)
        subprocess.run(
            [_script("rabbitmq-server"), "-detached"], env=self.env(), check=True,
            capture_output=True, timeout=60,
        )  # fmt: skip
        # await_startup fails at once while the node has not registered with epmd yet.
        deadline = time.monotonic() + 120
        while True:
            try:
                self.ctl("await_startup", "--timeout", "60", timeout=90)
                return
            except (RuntimeError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    self.stop()
                    raise
            time.sleep(0.5)

    def stop_app(self) -> None:
        """Stop RabbitMQ on the node (connections drop; durable queues and persistent
        messages are kept), as a broker restart does."""
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")

    def stop(self) -> None:
        """Stop the node and remove its directory; kill it if it does not stop."""
        try:
            self.ctl("stop", timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired):
            pid_file = self.directory / "pid"
            if pid_file.exists():
                try:
                    os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
                except (ValueError, ProcessLookupError):
                    pass
        deadline = time.monotonic() + 30
        while self._running() and time.monotonic() < deadline:
            time.sleep(0.2)
        shutil.rmtree(self.directory, ignore_errors=True)

    def _running(self) -> bool:
        pid_file = self.directory / "pid"
        try:
            os.kill(int(pid_file.read_text().strip()), 0)
        except (OSError, ValueError):
            return False
        return True
