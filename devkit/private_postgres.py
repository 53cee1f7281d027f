"""A PostgreSQL cluster of our own, made with initdb from the installed server programs.

When no PostgreSQL answers, the development stack and the tests run on a cluster the project
owns: its own data directory, its own port, no unix socket, reachable over TCP on 127.0.0.1
only, as the superuser ``postgres`` without a password (``trust``, as the development setup
in the README has it).  The machine's clusters and their configuration are never read or
changed.

PostgreSQL refuses to run as root.  Run by root, the cluster belongs to an unprivileged
system account instead: the package's ``postgres`` user where there is one, otherwise a
``pokertracker`` system user made for it.  That account must be able to reach the data
directory; a project checked out where it cannot (under /root, or in a ``mktemp -d``
directory) keeps the data in ``/var/lib/pokertracker/<hash of the path>``, owned by the
account, and the data directory the project sees becomes a symbolic link to it.  Nothing
outside the project is ever chmod-ed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

MIN_MAJOR = 15
SUPERUSER = "postgres"
OWN_ACCOUNT = "pokertracker"  # made only when run by root on a machine without a postgres user
OUTSIDE_BASE = Path("/var/lib/pokertracker")  # data the account cannot keep in the project
# Where packages put the server programs, newest first within each pattern.
BINDIR_PATTERNS = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin",
                   "/opt/homebrew/opt/postgresql@*/bin", "/usr/local/opt/postgresql@*/bin")  # fmt: skip
MADE_MARK = "devkit-made"  # in the data directory once it is complete (PostgreSQL ignores it)
LOCALES = ("C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8")
HBA = """\
# Written by devkit/private_postgres.py: connections over TCP from this machine only, without
# a password, as a development server usually has it.  The server makes no unix socket.
host all all 127.0.0.1/32 trust
"""


def _major(bindir: Path) -> int:
    try:
        out = subprocess.run([str(bindir / "initdb"), "--version"], stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=10).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return 0
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else 0


def find_bindir() -> Path | None:
    """The directory of a PostgreSQL 15+ server's initdb and pg_ctl, or None."""
    candidates: list[Path] = []
    for pattern in BINDIR_PATTERNS:
        found = sorted(Path("/").glob(pattern.lstrip("/")), key=lambda p: _version_key(str(p)))
        candidates += reversed(found)
    for program in ("initdb", "pg_ctl"):
        on_path = shutil.which(program)
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists() and _major(bindir) >= MIN_MAJOR:
            return bindir
    return None


def _version_key(path: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", path)]


def installed() -> bool:
    return find_bindir() is not None


@dataclass(frozen=True)
class Account:
    """The unprivileged user a root-run cluster belongs to."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]

    def run(self, command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, user=self.uid, group=self.gid,  # type: ignore[call-overload]
                              extra_groups=list(self.groups), **kwargs)  # fmt: skip

    def reaches(self, directory: Path) -> bool:
        """Whether this user can enter ``directory`` (every directory on the way to it too)."""
        done = self.run(["test", "-x", str(directory)], cwd="/", stdin=subprocess.DEVNULL)
        return done.returncode == 0


def service_account() -> Account | None:
    """None when not root (the cluster runs as the current user); else the account to use,
    made (``useradd --system``) if the machine has neither ``postgres`` nor ours."""
    if os.geteuid() != 0:
        return None
    for name in (SUPERUSER, OWN_ACCOUNT):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            groups = tuple(os.getgrouplist(name, entry.pw_gid))
            return Account(name, entry.pw_uid, entry.pw_gid, groups)
    if shutil.which("useradd"):
        command = ["useradd", "--system", "--user-group", "--no-create-home",
                   "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", OWN_ACCOUNT]  # fmt: skip
    elif shutil.which("adduser"):
        command = ["adduser", "--system", "--group", "--no-create-home", OWN_ACCOUNT]
    else:
        raise RuntimeError("PostgreSQL will not run as root, and there is neither a postgres "
                           "user nor useradd/adduser to make one: run as another user")  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return service_account()


def _locale() -> str:
    try:
        known = subprocess.run(["locale", "-a"], stdin=subprocess.DEVNULL, capture_output=True,
                               text=True).stdout.split()  # fmt: skip
    except OSError:
        known = []
    return next((name for name in LOCALES if name in known), "C")


class PrivatePostgres:
    """One cluster; ``directory`` is its data directory as the project sees it."""

    def __init__(self, directory: Path, *, port: int) -> None:
        self.directory = directory
        self.port = port

    @functools.cached_property
    def account(self) -> Account | None:
        """Who runs the cluster (None: the current user); asked only to run or make it."""
        return service_account()

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @property
    def data(self) -> Path:
        """Where the cluster's files really are (the target of ``directory`` if a link)."""
        return self.directory.resolve() if self.directory.is_symlink() else self.directory

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError(f"PostgreSQL {MIN_MAJOR}+ server programs (initdb, pg_ctl) not found")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(HOME=str(self.data), LC_ALL=_locale() if program == "initdb" else "C")
        command = [str(bindir / program), *args]
        options: dict[str, object] = dict(env=env, cwd="/", stdin=subprocess.DEVNULL,
                                          capture_output=True, text=True, timeout=120)  # fmt: skip
        done = (
            self.account.run(command, **options)
            if self.account is not None
            else subprocess.run(command, **options)  # type: ignore[call-overload]
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done

    def _place(self) -> Path:
        """Make the (empty) data directory if missing, owned by the account; return it."""
        d = self.directory
        if d.is_symlink() and not d.resolve().is_dir():
            d.unlink()  # its target went (/var/lib/pokertracker emptied): start afresh
        if d.is_symlink() or d.exists():
            return self.data
        d.parent.mkdir(parents=True, exist_ok=True)
        if self.account is None or self.account.reaches(d.parent):
            d.mkdir(mode=0o700)
            target = d
        else:
            digest = hashlib.sha256(str(d.parent.resolve() / d.name).encode()).hexdigest()[:16]
            OUTSIDE_BASE.mkdir(mode=0o755, parents=True, exist_ok=True)
            target = OUTSIDE_BASE / digest
            shutil.rmtree(target, ignore_errors=True)  # a link lost with an earlier .run/
            target.mkdir(mode=0o700)
            d.symlink_to(target, target_is_directory=True)
        if self.account is not None:
            os.chown(target, self.account.uid, self.account.gid)
        return target

    @property
    def made(self) -> bool:
        """Whether the cluster exists already: initdb ran to its end, and our pg_hba.conf
        is in place (the mark is written after both)."""
        return (self.data / MADE_MARK).exists()

    def start(self) -> None:
        """initdb if needed, then start the server and wait until it accepts connections."""
        data = self._place()
        if not self.made:
            for leftover in data.iterdir():  # of an initdb that was interrupted
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()
            self._run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust",
                      "--encoding=UTF8", f"--locale={_locale()}")  # fmt: skip
            (data / "pg_hba.conf").write_text(HBA)
            (data / MADE_MARK).write_text("initdb and pg_hba.conf done\n")
            if self.account is not None:
                for name in ("pg_hba.conf", MADE_MARK):
                    os.chown(data / name, self.account.uid, self.account.gid)
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        self._run("pg_ctl", "start", "-D", str(data), "-w", "-t", "60",
                  "-l", str(data / "server.log"), "-o", options)  # fmt: skip

    def stop(self) -> None:
        """Stop the server (``-m fast``: sessions are ended, nothing is lost); kill it if it
        does not stop within a minute."""
        if not self.running():
            return
        done = self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "60",
                         check=False)  # fmt: skip
        pid = self.pid()
        if done.returncode != 0 and pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while self.running() and time.monotonic() < deadline:
                time.sleep(0.1)

    def pid(self) -> int | None:
        """The postmaster's process id, from its postmaster.pid."""
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        """Whether the postmaster of postmaster.pid runs (not a process that got its id since)."""
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
            stat = Path(f"/proc/{pid}/stat").read_text()  # "pid (comm) state ..."
            comm, _, rest = stat.partition("(")[2].rpartition(")")
            return comm in ("postgres", "postmaster") and rest.split()[0] != "Z"
        except FileNotFoundError:
            return not Path("/proc/self").exists()  # no /proc (not Linux): the signal said yes
        except OSError:
            return False

    def remove(self) -> None:
        """Delete the cluster's files (the server must be stopped), and the link to them."""
        target = self.data
        if self.directory.is_symlink():
            self.directory.unlink()
        shutil.rmtree(target, ignore_errors=True)
