"""Parsing the command line and running one subcommand.

Every subcommand is one ``Command`` in ``COMMANDS``: its words (``("dead-letters", "list")``),
the settings it needs and an async function.  Adding one means adding a row, nothing else;
settings are read after parsing, so ``--help`` works with an empty environment.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from services.admin import dead_letters
from services.admin.errors import EXIT_OK, EXIT_PARTIAL, AdminError
from services.admin.settings import AdminSettings
from services.common.config import ServiceSettings, load_settings
from services.common.logs import JsonFormatter, url_password

PROG = "pokertracker-admin"


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    help: str
    settings: type[ServiceSettings]
    run: Callable[[Any, argparse.Namespace], Coroutine[Any, Any, int]]
    arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments


# Help of the words that group subcommands.
GROUPS: dict[str, str] = {
    "dead-letters": "updates the handlers gave up on",
}

COMMANDS: tuple[Command, ...] = (
    Command(
        ("dead-letters", "list"),
        "show every dead letter, leaving all of them in the queue",
        AdminSettings,
        dead_letters.list_command,
        dead_letters.list_arguments,
    ),
    Command(
        ("dead-letters", "replay"),
        "publish dead letters to their partition again, then remove them",
        AdminSettings,
        dead_letters.replay_command,
        dead_letters.replay_arguments,
    ),
)

EPILOG = """\
environment: AMQP_URL (required), AMQP_NAMESPACE (default pokertracker),
UPDATE_PARTITIONS (default 64; must match the services'), LOG_LEVEL=DEBUG shows the
client library's log on stderr.
exit status: 0 done, 1 done only in part or refused, 2 bad usage or settings, or the
broker is unreachable."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Operations on a running PokerTracker stack.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    groups: dict[tuple[str, ...], Any] = {(): parser.add_subparsers(metavar="COMMAND", required=True)}
    for command in COMMANDS:
        for depth in range(1, len(command.words)):
            prefix = command.words[:depth]
            if prefix not in groups:
                group = groups[prefix[:-1]].add_parser(
                    prefix[-1], help=GROUPS.get(prefix[-1]), description=GROUPS.get(prefix[-1])
                )
                groups[prefix] = group.add_subparsers(metavar="COMMAND", required=True)
        leaf = groups[command.words[:-1]].add_parser(
            command.words[-1], help=command.help, description=command.help
        )
        command.arguments(leaf)
        leaf.set_defaults(command=command)
    return parser


def _secrets(settings: ServiceSettings) -> list[str]:
    """Every secret a setting holds: SecretStr values and passwords inside URLs."""
    values = [getattr(settings, name) for name in type(settings).model_fields]
    return [v.get_secret_value() for v in values if isinstance(v, SecretStr)] + [
        url_password(v) for v in values if isinstance(v, str) and "://" in v
    ]


def _setup_logging(settings: ServiceSettings) -> None:
    """Quiet by default: the command reports its own errors in one line; DEBUG shows the library's."""
    root = logging.getLogger()
    if str(getattr(settings, "log_level", "")).upper() == "DEBUG":
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter("admin", _secrets(settings)))
        root.setLevel(logging.DEBUG)
    else:
        handler = logging.NullHandler()  # keeps logging's last-resort printer off
    root.handlers[:] = [handler]


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        command: Command = args.command
        settings = load_settings(command.settings)
    except SystemExit as exit_:  # --help, bad usage, bad settings
        return exit_.code if isinstance(exit_.code, int) else 2
    _setup_logging(settings)
    try:
        return asyncio.run(command.run(settings, args))
    except AdminError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `... | head`: the reader has seen enough; the work itself is done
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit flush
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - one line instead of a traceback full of URLs
        text = f"{type(exc).__name__}: {exc}"
        for secret in _secrets(settings):
            if secret:
                text = text.replace(secret, "***")
        logging.getLogger(__name__).debug("command failed", exc_info=True)
        print(f"{PROG}: unexpected error: {text}", file=sys.stderr)
        return EXIT_PARTIAL
