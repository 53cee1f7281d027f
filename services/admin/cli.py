"""Parsing the command line and running one subcommand.

Every subcommand is one ``Command`` in ``COMMANDS``: its words (``("dead-letters", "list")``),
the settings it needs, an async function and the environment variables it reads (shown in its
``--help``).  Adding one means adding a row, nothing else; settings are read after parsing, so
``--help`` works with an empty environment, and a command needs only its own settings.
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

from services.admin import (
    bot_commands,
    broker_users,
    database,
    dead_letters,
    queue_migration,
    sessions,
    webhook,
)
from services.admin.errors import EXIT_OK, EXIT_PARTIAL, AdminError
from services.admin.settings import (
    AdminSettings,
    SessionAdminSettings,
    TelegramAdminSettings,
)
from services.common.config import ServiceSettings, load_settings
from services.common.logs import JsonFormatter, url_passwords

PROG = "pokertracker-admin"


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


# The environment each group of commands reads (their settings classes), for --help.
BROKER_ENV = """\
environment: AMQP_URL (required), AMQP_NAMESPACE (default pokertracker),
UPDATE_PARTITIONS (default 64; must match the services')."""
TELEGRAM_ENV = """\
environment: BOT_TOKEN (required), TELEGRAM_API_URL (default https://api.telegram.org),
BOT_API_TIMEOUT_SECONDS (default 10)."""
SET_WEBHOOK_ENV = """\
environment: BOT_TOKEN (required), WEBHOOK_SECRET (required unless --generate-secret: the
gateway's, 32-256 characters of A-Z a-z 0-9 _ -), TELEGRAM_API_URL (default
https://api.telegram.org), BOT_API_TIMEOUT_SECONDS (default 10)."""
SESSION_ENV = """\
environment: DATABASE_URL (required: the session service's database, as the session
service's own role: its DATABASE_URL), SESSION_CLEANUP_BATCH_SIZE (default 1000)."""
DATABASE_ENV = """\
environment: DATABASE_URL (required: the stack's database, as any user; the catalog is
readable by all)."""
DATABASE_SETUP_ENV = """\
environment: MIGRATION_DATABASE_URL (required: a superuser, or a CREATEROLE user owning the
database), SESSION_DATABASE_URL and HANDLER_DATABASE_URL (required: the session service's
and the handler's DATABASE_URL: each names its role and password); each also as <NAME>_FILE."""
BROKER_USERS_ENV = """\
environment: only --format definitions without --dev-passwords reads the passwords:
RABBITMQ_GATEWAY_PASSWORD, RABBITMQ_HANDLER_PASSWORD, RABBITMQ_SESSION_PASSWORD,
RABBITMQ_OCR_PASSWORD, RABBITMQ_ADMIN_PASSWORD, and with --operator-user RABBITMQ_PASSWORD
(each also as <NAME>_FILE). The rabbitmqctl script reads them itself when it runs."""
MIGRATE_QUEUES_ENV = """\
environment: AMQP_URL (required: a RabbitMQ administrator's, not the <ns>-admin user's),
AMQP_NAMESPACE (default pokertracker; --namespace overrides it), UPDATE_PARTITIONS
(default 64; must match the services'). Run it with every service stopped."""


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    help: str
    settings: type[ServiceSettings]
    run: Callable[[Any, argparse.Namespace], Coroutine[Any, Any, int]]
    arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments
    environment: str = ""  # the variables ``settings`` reads, for the command's --help


# Help of the words that group subcommands.
GROUPS: dict[str, str] = {
    "dead-letters": "updates the handlers gave up on (RabbitMQ)",
    "sessions": "conversation sessions in session.bot_sessions (PostgreSQL)",
    "db": "the services' PostgreSQL roles and what they may do",
    "broker": "RabbitMQ: the services' users, each allowed only what it does; queue upgrades",
}

COMMANDS: tuple[Command, ...] = (
    Command(
        ("dead-letters", "list"),
        "show every dead letter, leaving all of them in the queue",
        AdminSettings,
        dead_letters.list_command,
        dead_letters.list_arguments,
        BROKER_ENV,
    ),
    Command(
        ("dead-letters", "replay"),
        "publish dead letters to their partition again, then remove them",
        AdminSettings,
        dead_letters.replay_command,
        dead_letters.replay_arguments,
        BROKER_ENV,
    ),
    Command(
        ("set-webhook",),
        "point Telegram's webhook at URL with WEBHOOK_SECRET and the updates the bot handles",
        TelegramAdminSettings,
        webhook.set_command,
        webhook.set_arguments,
        SET_WEBHOOK_ENV,
    ),
    Command(
        ("delete-webhook",),
        "remove Telegram's webhook: the bot gets no updates until set-webhook",
        TelegramAdminSettings,
        webhook.delete_command,
        webhook.delete_arguments,
        TELEGRAM_ENV,
    ),
    Command(
        ("webhook-info",),
        "show the webhook as Telegram sees it: URL, pending updates, last error",
        TelegramAdminSettings,
        webhook.info_command,
        webhook.info_arguments,
        TELEGRAM_ENV,
    ),
    Command(
        ("set-commands",),
        "set the command menu Telegram shows players in private chats, in English and Russian",
        TelegramAdminSettings,
        bot_commands.set_command,
        environment=TELEGRAM_ENV,
    ),
    Command(
        ("sessions", "stats"),
        "count active and expired sessions, active ones by age",
        SessionAdminSettings,
        sessions.stats_command,
        sessions.stats_arguments,
        SESSION_ENV,
    ),
    Command(
        ("sessions", "cleanup"),
        "delete expired sessions now, in batches",
        SessionAdminSettings,
        sessions.cleanup_command,
        sessions.cleanup_arguments,
        SESSION_ENV,
    ),
    Command(
        ("db", "setup"),
        "create each service's role (password from its URL), migrate its schemas as that role "
        "and lock them down, as the services do at start with MIGRATION_DATABASE_URL",
        database.DatabaseSetupSettings,
        database.setup_command,
        environment=DATABASE_SETUP_ENV,
    ),
    Command(
        ("db", "roles"),
        "check that each service's schemas belong to its own role alone, sessions under "
        "row level security",
        database.DatabaseAdminSettings,
        database.roles_command,
        database.roles_arguments,
        DATABASE_ENV,
    ),
    Command(
        ("broker", "users"),
        "print the rabbitmqctl commands (or definitions JSON) creating one user per service "
        "with least-privilege permissions for a namespace",
        broker_users.BrokerUsersSettings,
        broker_users.users_command,
        broker_users.users_arguments,
        BROKER_USERS_ENV,
    ),
    Command(
        ("broker", "migrate-queues"),
        "turn the namespace's classic queues (releases before quorum queues) into quorum "
        "queues, keeping every message in order; with the services stopped",
        AdminSettings,
        queue_migration.migrate_command,
        queue_migration.migrate_arguments,
        MIGRATE_QUEUES_ENV,
    ),
)

EPILOG = """\
environment, read only by the commands that need it (each command's --help names its own):
  dead-letters ...   AMQP_URL (required), AMQP_NAMESPACE (default pokertracker),
                     UPDATE_PARTITIONS (default 64; must match the services')
  set-webhook, delete-webhook, webhook-info, set-commands
                     BOT_TOKEN (required), TELEGRAM_API_URL (default
                     https://api.telegram.org), BOT_API_TIMEOUT_SECONDS (default 10);
                     set-webhook also WEBHOOK_SECRET (required unless --generate-secret)
  sessions ...       DATABASE_URL (required: the session service's), SESSION_CLEANUP_BATCH_SIZE
                     (default 1000)
  db setup           MIGRATION_DATABASE_URL, SESSION_DATABASE_URL, HANDLER_DATABASE_URL
  db roles           DATABASE_URL (required: any user of the stack's database)
  broker users       nothing; --format definitions reads RABBITMQ_<SERVICE>_PASSWORD
                     (and RABBITMQ_PASSWORD with --operator-user) unless --dev-passwords
  broker migrate-queues
                     AMQP_URL (required: an administrator's), AMQP_NAMESPACE,
                     UPDATE_PARTITIONS, as for dead-letters
  every command      LOG_LEVEL=DEBUG shows the client library's log on stderr
exit status: 0 done, 1 done only in part or refused (by Telegram too), 2 bad usage or
settings, or RabbitMQ, PostgreSQL or the Bot API is unreachable.
secrets (bot token, webhook secret, URL passwords) are never printed; the one exception is
the new secret of set-webhook --generate-secret, printed once."""


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
            command.words[-1],
            help=command.help,
            description=command.help,
            epilog=command.environment or None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.arguments(leaf)
        leaf.set_defaults(command=command)
    return parser


def _secrets(settings: ServiceSettings) -> list[str]:
    """Every secret a setting holds: SecretStr values and passwords inside URLs."""
    values = [getattr(settings, name) for name in type(settings).model_fields]
    return [v.get_secret_value() for v in values if isinstance(v, SecretStr)] + [
        password
        for v in values
        if isinstance(v, str) and "://" in v
        for password in url_passwords(v)
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
    except Exception as exc:  # one line instead of a traceback full of URLs
        text = f"{type(exc).__name__}: {exc}"
        for secret in _secrets(settings):
            if secret:
                text = text.replace(secret, "***")
        logging.getLogger(__name__).debug("command failed", exc_info=True)
        print(f"{PROG}: unexpected error: {text}", file=sys.stderr)
        return EXIT_PARTIAL
