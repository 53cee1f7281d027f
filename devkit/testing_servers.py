"""Run a command (``scripts/test``: pytest) with PostgreSQL and RabbitMQ for the tests.

``python -m devkit.testing_servers [--fresh] [--run-dir DIR] -- COMMAND...``

``TEST_DATABASE_URL`` and ``TEST_AMQP_URL`` (defaults: the standard local ports) are used
where they answer; otherwise private instances under ``DIR/test-servers`` stand in
(``devkit.local_servers``; apart from the stack's, so ``scripts/up`` and ``scripts/test`` can
run at once).  The database is created if missing, COMMAND runs with both variables pointing
at the servers chosen, and the private instances are stopped when it ends, whichever way.
The exit status is COMMAND's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

import asyncpg

from devkit.createdb import ensure_database
from devkit.local_servers import LocalServers, Request, ServersError

RUN_DIR = Path(__file__).resolve().parent.parent / ".run"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/pokertracker_test"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


def say(message: str) -> None:
    print(f"test: {message}", file=sys.stderr, flush=True)


def request_from(env: Mapping[str, str]) -> Request:
    """The servers the tests were pointed at (TEST_DATABASE_URL, TEST_AMQP_URL)."""
    database_url, amqp_url = env.get("TEST_DATABASE_URL", ""), env.get("TEST_AMQP_URL", "")
    return Request(database_url or DEFAULT_DATABASE_URL, amqp_url or DEFAULT_AMQP_URL,
                   bool(database_url), bool(amqp_url))  # fmt: skip


def run_command(command: list[str], env: dict[str, str]) -> int:
    """Run COMMAND to its end.  Ctrl-C reaches it from the terminal and it decides how to end
    (pytest reports and exits); SIGTERM sent to this process is passed on to it."""
    child = subprocess.Popen(command, env=env)

    def forward(signum: int, frame: FrameType | None) -> None:
        child.send_signal(signum)

    previous = {signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
                signal.SIGTERM: signal.signal(signal.SIGTERM, forward)}  # fmt: skip
    try:
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code if code >= 0 else 128 - code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devkit.testing_servers",
                                     description=__doc__.split("\n\n", 1)[0])  # fmt: skip
    parser.add_argument("--fresh", action="store_true",
                        help="delete the private servers' data first")  # fmt: skip
    parser.add_argument("--run-dir", type=Path, default=RUN_DIR, metavar="DIR",
                        help="the private servers go to DIR/test-servers (default .run)")  # fmt: skip
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C: what started stops
    servers = LocalServers(args.run_dir.absolute() / "test-servers", request_from(os.environ),
                           say=say, fresh=args.fresh)  # fmt: skip
    try:
        with servers as found:
            try:
                asyncio.run(ensure_database(found.database_url))
            except (OSError, ValueError, asyncpg.PostgresError) as exc:
                say(f"cannot prepare the database: {type(exc).__name__}: {exc}")
                return 1
            env = {**os.environ, "TEST_DATABASE_URL": found.database_url,
                   "TEST_AMQP_URL": found.amqp_url}  # fmt: skip
            return run_command(command, env)
    except ServersError as err:
        say(str(err))
        return 1
    except KeyboardInterrupt:  # while the private servers started (they are stopped again)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
