"""PostgreSQL and RabbitMQ for ``scripts/up`` and ``scripts/test``: the servers the URLs name
where they answer, otherwise private instances the project owns.

``with LocalServers(directory, request, say=...) as found:`` probes the two URLs.  A server
that answers and lets us in is used as it is.  Where nothing answers on this machine (the
standard ports of a machine without the services running, or a local URL whose port is
closed), or where the *default* URL's server turns us away, a private instance is started
under ``directory`` (``.run/servers`` for the stack, ``.run/test-servers`` for the tests):
a PostgreSQL cluster (``devkit.private_postgres``) and a RabbitMQ node with its own epmd
(``devkit.rabbitmq_node``), installed first with apt-get if missing
(``devkit.server_packages``).  ``found`` holds the URLs to use.  Leaving the block stops the
private instances; their data stays for the next start unless ``fresh`` wiped it first.

``directory`` holds ``state.json`` (ports, the node's name and cookie: RabbitMQ's data belongs
to the node's name, so the name is kept; a kept port that is taken now is replaced), a
``lock`` held while the instances are in use (a second command on the same directory is
refused rather than sharing or stopping them), ``postgres/`` and ``rabbitmq/``.  Instances
left running by a killed command are stopped at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from devkit import server_packages
from devkit.private_postgres import PrivatePostgres
from devkit.rabbitmq_node import PrivateRabbitMQ
from devkit.server_probes import Probe, is_local, pick_port, probe_postgres, probe_rabbitmq


class ServersError(Exception):
    """Why the servers cannot be provided, as one line for the person at the terminal."""


@dataclass(frozen=True)
class Request:
    """The servers a command was pointed at, and whether the person set them (environment)."""

    database_url: str
    amqp_url: str
    database_url_set: bool = False
    amqp_url_set: bool = False
    variables: tuple[str, str] = ("DATABASE_URL", "AMQP_URL")  # where the URLs are set


@dataclass(frozen=True)
class Found:
    """The URLs to use; ``private`` names the servers that are the project's own instances."""

    database_url: str
    amqp_url: str
    private: tuple[str, ...] = ()


def choose(name: str, url: str, was_set: bool, probe: Probe, variable: str) -> bool:
    """True to start a private instance for this server, False to use ``url``; raise
    ServersError where neither will do.  Nothing answering on this machine: private.  The
    default URL's server answering but turning us away: private too (it is someone else's).
    A URL the person set that turns us away, or a remote server not answering: an error."""
    if probe.usable:
        return False
    local = is_local(url)
    if local and (not probe.answered or not was_set):
        return True
    if not local:
        raise ServersError(f"{name}: {probe.why}; a private instance stands in only for a "
                           f"server on this machine: start that server or change {variable}")
    raise ServersError(f"{name}: {probe.why}; fix the server or {variable} (unset, a private "
                       "instance is used when the default server will not do)")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM ignored meanwhile (main thread only), so a stop runs to its end."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


class LocalServers:
    """The context manager described in the module's docstring."""

    def __init__(self, directory: Path, request: Request, *, say: Callable[[str], None],
                 fresh: bool = False) -> None:  # fmt: skip
        self.directory = directory
        self.request = request
        self.say = say
        self.fresh = fresh
        self.postgres: PrivatePostgres | None = None
        self.rabbitmq: PrivateRabbitMQ | None = None
        self._lock: IO[str] | None = None

    # ---- the state kept between starts -----------------------------------------------------

    def _save_state(self, state: dict[str, Any]) -> None:
        path = self.directory / "state.json"
        path.touch(mode=0o600)  # the node's cookie is in it
        path.write_text(json.dumps(state, indent=2) + "\n")

    def _take_lock(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        lock = open(self.directory / "lock", "w")  # noqa: SIM115 - held until __exit__
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise ServersError(f"another command is using the private servers in {self.directory}; "
                               "stop it first (or point the URLs at servers that run)") from None  # fmt: skip
        self._lock = lock

    # ---- start and stop --------------------------------------------------------------------

    def __enter__(self) -> Found:
        r = self.request
        probes = asyncio.run(self._probe())
        servers = (("PostgreSQL", r.database_url, r.database_url_set, r.variables[0]),
                   ("RabbitMQ", r.amqp_url, r.amqp_url_set, r.variables[1]))  # fmt: skip
        wanted = [name for name, url, was_set, variable in servers
                  if choose(name, url, was_set, probes[name], variable)]  # fmt: skip
        for name in wanted:
            self.say(f"{name}: {probes[name].why}; using a private {name} under {self.directory}")
        if not wanted and not self.fresh:
            return Found(r.database_url, r.amqp_url)
        self._take_lock()
        try:
            return self._start(wanted)
        except BaseException:
            self._stop()
            raise

    async def _probe(self) -> dict[str, Probe]:
        pg, mq = await asyncio.gather(probe_postgres(self.request.database_url),
                                      probe_rabbitmq(self.request.amqp_url))  # fmt: skip
        return {"PostgreSQL": pg, "RabbitMQ": mq}

    def _start(self, wanted: list[str]) -> Found:
        try:
            server_packages.ensure_installed(wanted, self.say)
        except server_packages.MissingServer as exc:
            raise ServersError(str(exc)) from None
        state = _load_state(self.directory)
        _stop_leftovers(self.directory, state, self.say)
        if self.fresh:
            self.say(f"--fresh: deleting the private servers' data in {self.directory}")
            _delete_data(self.directory)
            state = {}
        database_url, amqp_url = self.request.database_url, self.request.amqp_url
        taken: set[int] = set()
        if "PostgreSQL" in wanted:
            database_url = self._start_postgres(state, taken)
        if "RabbitMQ" in wanted:
            amqp_url = self._start_rabbitmq(state, taken)
        self._save_state(state)
        return Found(database_url, amqp_url, tuple(wanted))

    def _start_postgres(self, state: dict[str, Any], taken: set[int]) -> str:
        pg_state = state.get("postgres")
        port = pick_port(pg_state.get("port") if isinstance(pg_state, dict) else None, taken)
        taken.add(port)
        pg = PrivatePostgres(self.directory / "postgres", port=port)
        first = not pg.made
        started = time.monotonic()
        self.say(f"starting PostgreSQL in {pg.directory} on 127.0.0.1:{port}"
                 + (" (first start: initdb)" if first else ""))  # fmt: skip
        self.postgres = pg
        pg.start()
        state["postgres"] = {"port": port}
        self.say(f"PostgreSQL ready in {time.monotonic() - started:.1f} s")
        database = unquote(urlsplit(self.request.database_url).path.lstrip("/")) or "postgres"
        return pg.url(database)

    def _start_rabbitmq(self, state: dict[str, Any], taken: set[int]) -> str:
        kept = state.get("rabbitmq")
        mq: dict[str, Any] = kept if isinstance(kept, dict) else {}
        ports: dict[str, int] = {}
        for key in ("port", "dist_port", "epmd_port"):
            ports[key] = pick_port(mq.get(key), taken)
            taken.add(ports[key])
        name = mq.get("name") or f"pokertracker-{secrets.token_hex(4)}"
        cookie = mq.get("cookie") or secrets.token_hex(16)
        node = PrivateRabbitMQ(self.directory / "rabbitmq", name=name, cookie=cookie, port=ports["port"],
                               dist_port=ports["dist_port"], epmd_port=ports["epmd_port"])  # fmt: skip
        first = not node.directory.exists()
        started = time.monotonic()
        self.say(f"starting RabbitMQ in {node.directory} on 127.0.0.1:{ports['port']}"
                 + (" (first start)" if first else ""))  # fmt: skip
        self.rabbitmq = node
        state["rabbitmq"] = {"name": name, "cookie": cookie, **ports}
        self._save_state(state)  # the name first: the data about to be made belongs to it
        node.start()
        self.say(f"RabbitMQ ready in {time.monotonic() - started:.1f} s")
        return node.url

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _stop(self) -> None:
        try:
            node = self.rabbitmq
            running = [name for name, up in (
                ("PostgreSQL", self.postgres is not None and self.postgres.running()),
                ("RabbitMQ", node is not None and (node.running() or node.epmd_pid() is not None)),
            ) if up]  # fmt: skip
            if running:
                self.say(f"stopping the private {' and '.join(running)} "
                         f"(data kept in {self.directory})")  # fmt: skip
            with _signals_held():
                if node is not None and "RabbitMQ" in running:
                    node.stop(remove=False)
                if self.postgres is not None:
                    self.postgres.stop()
        finally:
            self.postgres = self.rabbitmq = None
            if self._lock is not None:
                self._lock.close()
                self._lock = None


def _load_state(directory: Path) -> dict[str, Any]:
    try:
        state = json.loads((directory / "state.json").read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _node(directory: Path, state: dict[str, Any]) -> PrivateRabbitMQ | None:
    """The node ``state`` describes, to stop it (None if it describes none)."""
    mq = state.get("rabbitmq")
    try:
        return PrivateRabbitMQ(directory / "rabbitmq", name=mq["name"], port=mq["port"],  # type: ignore[index]
                               dist_port=mq["dist_port"], epmd_port=mq["epmd_port"],  # type: ignore[index]
                               cookie=mq["cookie"])  # type: ignore[index]  # fmt: skip
    except (KeyError, TypeError):
        return None


def _stop_leftovers(directory: Path, state: dict[str, Any], say: Callable[[str], None]) -> None:
    """Stop instances an earlier command left running (it was killed before it could)."""
    pg = PrivatePostgres(directory / "postgres", port=0)
    if pg.running():
        say(f"stopping a private PostgreSQL left running (pid {pg.pid()})")
        pg.stop()
    node = _node(directory, state)
    if node is not None and (node.running() or node.epmd_pid() is not None):
        say(f"stopping a private RabbitMQ left running (pid {node.pid()})")
        node.stop(remove=False)


def _delete_data(directory: Path) -> None:
    pg = directory / "postgres"
    if pg.is_symlink() or pg.exists():
        PrivatePostgres(pg, port=0).remove()  # with what it keeps in /var/lib/pokertracker
    shutil.rmtree(directory / "rabbitmq", ignore_errors=True)
    (directory / "state.json").unlink(missing_ok=True)


def remove_servers(directory: Path, say: Callable[[str], None] = lambda message: None) -> None:
    """Stop the private servers under ``directory`` if they still run, and delete their data
    (what a run directory of a test's own leaves behind)."""
    _stop_leftovers(directory, _load_state(directory), say)
    _delete_data(directory)


def recorded_pids(directory: Path) -> dict[str, int]:
    """The processes the private servers under ``directory`` recorded as theirs (PostgreSQL's
    postmaster, the RabbitMQ node and its epmd), those that recorded one."""
    pids = {
        "postgres": PrivatePostgres(directory / "postgres", port=0).pid(),
        "rabbitmq": PrivateRabbitMQ(directory / "rabbitmq").pid(),
        "epmd": PrivateRabbitMQ(directory / "rabbitmq").epmd_pid(),
    }
    return {name: pid for name, pid in pids.items() if pid is not None}
