"""Install the PostgreSQL server and RabbitMQ when a private instance needs them and they are
missing, from the distribution's packages with apt-get, as ``scripts/system-deps`` does for
Tesseract (root or sudo; ``apt-get update`` only if the install fails on stale lists).

Without apt-get nothing is installed: the error says exactly which programs are needed, so the
commands work as soon as they are there.  Installing a package may start the distribution's
own service as well (Debian's packages do); it is left alone, the private instances run beside
it on ports of their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

from devkit import private_postgres, rabbitmq_node


class MissingServer(Exception):
    """A server's programs are missing and cannot be installed here; the message says what
    to install."""


# name: (apt package, is it installed, what to install without apt-get)
SERVERS: dict[str, tuple[str, Callable[[], bool], str]] = {
    "PostgreSQL": ("postgresql", private_postgres.installed,
                   f"the PostgreSQL server, version {private_postgres.MIN_MAJOR} or newer, with its "
                   "initdb and pg_ctl programs (Fedora/RHEL: postgresql-server; Arch: postgresql; "
                   "macOS: brew install postgresql@15)"),
    "RabbitMQ": ("rabbitmq-server", rabbitmq_node.installed,
                 "RabbitMQ 3.10 or newer with its rabbitmq-server and rabbitmqctl scripts and "
                 "Erlang's epmd (the rabbitmq-server package; macOS: brew install rabbitmq)"),
}  # fmt: skip


def missing(names: list[str]) -> list[str]:
    """Those of ``names`` (keys of SERVERS) whose programs are not installed."""
    return [name for name in names if not SERVERS[name][1]()]


def ensure_installed(names: list[str], say: Callable[[str], None]) -> None:
    """Install the servers of ``names`` that are missing; raise MissingServer if impossible."""
    absent = missing(names)
    if not absent:
        return
    packages = [SERVERS[name][0] for name in absent]
    if shutil.which("apt-get") is None:
        needed = "; ".join(f"{name}: {SERVERS[name][2]}" for name in absent)
        raise MissingServer(
            f"no apt-get here to install {' and '.join(absent)} with; install {needed}. "
            "Then run this again, or point DATABASE_URL / AMQP_URL (TEST_DATABASE_URL / "
            "TEST_AMQP_URL for the tests) at servers that run"
        )
    as_root: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise MissingServer(f"run as root (or install sudo) to install {' '.join(packages)}")
        as_root = ["sudo"]
    apt = [*as_root, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    install = [*apt, "install", "-y", "-q", "--no-install-recommends", *packages]
    say(f"installing {' '.join(packages)} with apt-get (once; this takes a minute or two)")
    if subprocess.run(install, stdin=subprocess.DEVNULL).returncode != 0:
        say("install failed; updating the package lists and trying again")
        subprocess.run([*apt, "update", "-q"], stdin=subprocess.DEVNULL, check=False)
        if subprocess.run(install, stdin=subprocess.DEVNULL).returncode != 0:
            raise MissingServer(f"apt-get could not install {' '.join(packages)}")
    still = missing(names)
    if still:
        raise MissingServer(f"installed {' '.join(packages)}, but the programs of "
                            f"{' and '.join(still)} are still not where expected")  # fmt: skip
