"""A RabbitMQ node of our own, started from the installed rabbitmq-server package.

A test that stops, kills or clusters its broker must not do it to the machine's, and a fresh
machine's stack needs a broker when none answers: this starts a node with its own name,
ports, data directory, Erlang cookie and configuration (the machine's ``/etc/rabbitmq``
files are not read), as the current user.  Nodes given the same cookie can be joined into a
cluster (``join``).
"""

from __future__ import annotations

import contextlib
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
    """One node; ``url`` is its AMQP URL (guest/guest, on 127.0.0.1).

    ``settings`` are extra ``rabbitmq.conf`` lines (key, value), ``advanced`` an
    ``advanced.config`` term list for what rabbitmq.conf cannot say.  Nodes of one cluster
    share ``cookie``.
    """

    def __init__(
        self,
        directory: Path,
        *,
        name: str | None = None,
        port: int | None = None,
        dist_port: int | None = None,
        cookie: str | None = None,
        settings: dict[str, str] | None = None,
        advanced: str | None = None,
    ) -> None:
        self.directory = directory
        self.port = port or _free_port()
        self.dist_port = dist_port or _free_port()
        self.name = f"{name or 'pt' + secrets.token_hex(4)}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self.cookie = cookie or secrets.token_hex(16)
        self.settings = dict(settings or {})
        self.advanced = advanced

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
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(d / "advanced.config"),
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
        """Start the node (again, on the data it kept, if its directory exists) and wait
        until it serves."""
        d = self.directory
        d.mkdir(parents=True, exist_ok=True)
        (d / "rabbitmq-env.conf").write_text("")
        (d / "enabled_plugins").write_text("[].\n")  # no management listener to collide
        lines = {"listeners.tcp.1": f"127.0.0.1:{self.port}", **self.settings}
        (d / "rabbitmq.conf").write_text("".join(f"{k} = {v}\n" for k, v in lines.items()))
        (d / "advanced.config").write_text(self.advanced or "[].\n")
        cookie = d / ".erlang.cookie"
        if cookie.exists():
            cookie.chmod(0o600)
        cookie.write_text(self.cookie)
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

    def join(self, other: PrivateRabbitMQ) -> None:
        """Make this running node a member of ``other``'s cluster (same cookie needed)."""
        self.ctl("stop_app")
        self.ctl("join_cluster", other.name)
        self.ctl("start_app")

    def kill(self) -> None:
        """SIGKILL the node, as a machine that dies does; its data stays for ``start``."""
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._wait_gone(30)

    def stop(self, *, remove: bool = True) -> None:
        """Stop the node, killing it if it does not stop; remove its directory unless
        ``remove`` is false (then ``start`` brings it back with its data)."""
        try:
            self.ctl("stop", timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired):
            pid = self.pid()
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self._wait_gone(30)
        if remove:
            shutil.rmtree(self.directory, ignore_errors=True)

    def pid(self) -> int | None:
        """The node's operating-system process, if it wrote one."""
        try:
            return int((self.directory / "pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True

    def _wait_gone(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.1)
