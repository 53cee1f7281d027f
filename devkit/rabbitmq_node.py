"""A RabbitMQ node of our own, started from the installed rabbitmq-server package.

A test that stops, kills or clusters its broker must not do it to the machine's, and a fresh
machine's stack needs a broker when none answers: this starts a node with its own name,
ports, data directory, Erlang cookie and configuration (the machine's ``/etc/rabbitmq``
files are not read), as the current user.  Nodes given the same cookie can be joined into a
cluster (``join``).  Given ``epmd_port``, a node also runs an Erlang port mapper of its own on
that port, started and stopped with it, so it neither needs nor leaves behind a machine-wide
epmd (a fresh machine has none running, and one started by the node would outlive it).
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


def _epmd() -> str:
    """The Erlang port mapper daemon of the Erlang the package runs on."""
    bundled = sorted(Path("/usr/lib/erlang").glob("erts-*/bin/epmd"))
    found = shutil.which("epmd") or (bundled[-1] if bundled else None)
    if found is None:
        raise RuntimeError("epmd not found: install the rabbitmq-server package (it brings Erlang)")
    return str(found)


def _read_pid(path: Path) -> int | None:
    """The process id a pid file holds, if it holds one."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int | None) -> bool:
    """Whether process ``pid`` runs (a zombie nobody has reaped yet does not)."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc (not Linux): the signal said yes
    except (OSError, IndexError):
        return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRabbitMQ:
    """One node; ``url`` is its AMQP URL (guest/guest, on 127.0.0.1).

    ``settings`` are extra ``rabbitmq.conf`` lines (key, value), ``advanced`` an
    ``advanced.config`` term list for what rabbitmq.conf cannot say.  Nodes of one cluster
    share ``cookie``.  With ``epmd_port`` the node registers with an epmd of its own on that
    port (on 127.0.0.1, as its distribution listener then is), which ``stop`` ends too.
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
        epmd_port: int | None = None,
    ) -> None:
        self.directory = directory
        self.port = port or _free_port()
        self.dist_port = dist_port or _free_port()
        self.name = f"{name or 'pt' + secrets.token_hex(4)}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self.cookie = cookie or secrets.token_hex(16)
        self.settings = dict(settings or {})
        self.advanced = advanced
        self.epmd_port = epmd_port
        self._epmd: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        """The environment in which RabbitMQ's own tools (a plain ``rabbitmqctl`` too: the
        scripts' folder comes first on PATH) act on this node: the process's, plus
        ``variables``."""
        return {**os.environ, **self.variables()}

    def variables(self) -> dict[str, str]:
        """What points RabbitMQ's scripts at this node rather than the machine's."""
        d = self.directory
        own_epmd = {} if self.epmd_port is None else {
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }  # fmt: skip
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
            **own_epmd,
        }

    def ctl(self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 120) -> str:
        """Run rabbitmqctl against this node and return what it printed; raise with its
        output if it fails (unless ``check`` is false)."""
        # Never the caller's standard input: the Erlang VM would read what was meant for it.
        feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
        done = subprocess.run(
            [_script("rabbitmqctl"), "-n", self.name, *args],
            **feed, env=self.env(), capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def start(self) -> None:
        """Start the node (again, on the data it kept, if its directory exists) and wait
        until it serves.  If it does not, it is stopped, and its directory removed only if
        this call made it (kept data, and the logs saying why, stay)."""
        d = self.directory
        made = not d.exists()
        d.mkdir(parents=True, exist_ok=True)
        (d / "pid").unlink(missing_ok=True)  # an earlier node's: not this one's to wait on
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
        if self.epmd_port is not None:
            self._start_epmd()
        subprocess.run(
            [_script("rabbitmq-server"), "-detached"], env=self.env(), check=True,
            stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
        )  # fmt: skip
        # await_startup fails at once while the node has not registered with epmd yet.
        deadline = time.monotonic() + 120
        while True:
            try:
                self.ctl("await_startup", "--timeout", "60", timeout=90)
                return
            except (RuntimeError, subprocess.TimeoutExpired):
                exited = self.pid() is not None and not self.running()
                if exited or time.monotonic() > deadline:
                    self.stop(remove=made)
                    if exited:
                        raise RuntimeError(f"RabbitMQ node {self.name} exited while starting; "
                                           f"see {d / 'log'}") from None  # fmt: skip
                    raise
            time.sleep(0.5)

    def _start_epmd(self) -> None:
        """Start this node's epmd unless one answers on its port already (a killed node's)."""
        assert self.epmd_port is not None
        if _alive(self.epmd_pid()) and _answers(self.epmd_port):
            return
        (self.directory / "log").mkdir(exist_ok=True)
        with open(self.directory / "log" / "epmd.log", "ab") as log:
            self._epmd = subprocess.Popen(
                [_epmd(), "-port", str(self.epmd_port), "-address", "127.0.0.1"],
                env=self.env(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C meant for the caller does not reach it
            )  # fmt: skip
        (self.directory / "epmd.pid").write_text(f"{self._epmd.pid}\n")
        deadline = time.monotonic() + 10
        while not _answers(self.epmd_port):
            if self._epmd.poll() is not None or time.monotonic() > deadline:
                self._stop_epmd()
                raise RuntimeError(f"epmd did not start on port {self.epmd_port}; "
                                   f"see {self.directory / 'log' / 'epmd.log'}")  # fmt: skip
            time.sleep(0.05)

    def _stop_epmd(self) -> None:
        pid = self.epmd_pid()
        if pid is not None and _alive(pid) and _is_epmd(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        if self._epmd is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._epmd.wait(10)  # reaped: no zombie left in the caller
            self._epmd = None
        deadline = time.monotonic() + 10
        while pid is not None and _alive(pid) and _is_epmd(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        (self.directory / "epmd.pid").unlink(missing_ok=True)

    def epmd_pid(self) -> int | None:
        """The process of the node's own epmd (``epmd_port``), if it started one."""
        return _read_pid(self.directory / "epmd.pid")

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
        self._wait_gone(30, pid)

    def stop(self, *, remove: bool = True) -> None:
        """Stop the node (and its own epmd), killing it if it does not stop; remove its
        directory unless ``remove`` is false (then ``start`` brings it back with its data).
        Returns once the node's process is gone (its pid file goes before it does).  A node
        still booting, with no pid file yet (its start was interrupted), is killed too."""
        pid = self.pid()
        try:
            self.ctl("stop", timeout=60)
            self._wait_gone(30, pid)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        left = {p for p in (pid, self.pid(), *self._strays()) if p is not None and _alive(p)}
        for stray in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(stray, signal.SIGKILL)
        for stray in left:
            self._wait_gone(10, stray)
        if self.epmd_port is not None:
            self._stop_epmd()
        if remove:
            shutil.rmtree(self.directory, ignore_errors=True)

    def pid(self) -> int | None:
        """The node's operating-system process, if it wrote one."""
        return _read_pid(self.directory / "pid")

    def running(self) -> bool:
        return _alive(self.pid())

    def _strays(self) -> list[int]:
        """Processes started for this node, known by the environment it was given (its
        name and data directory); Linux only."""
        marks = [f"{key}={value}".encode() + b"\0" for key, value in self.variables().items()
                 if key in ("RABBITMQ_NODENAME", "RABBITMQ_MNESIA_BASE")]  # fmt: skip
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                environ = (proc / "environ").read_bytes()
            except OSError:
                continue
            if all(mark in environ for mark in marks) and int(proc.name) != os.getpid():
                found.append(int(proc.name))
        return found

    def _wait_gone(self, timeout: float, pid: int | None) -> None:
        """Wait until process ``pid`` (the node's, as read before it was stopped) is gone."""
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _is_epmd(pid: int) -> bool:
    """Whether ``pid`` is (still) an epmd, not a process that got its number since."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "epmd"
    except OSError:
        return True  # no /proc to ask (not Linux): trust the pid file
