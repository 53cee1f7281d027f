"""One RabbitMQ user per service, allowed exactly what that service does on the broker.

RabbitMQ grants a user three regular expressions per virtual host, matched against the
names of exchanges and queues (https://www.rabbitmq.com/access-control.html):

- *configure*: declare (not passively) or delete a queue or exchange;
- *write*: publish to an exchange; bind a queue (write on the queue);
- *read*: consume or ``basic.get`` from a queue, purge it; bind to an exchange (read on it).

A passive declare needs nothing.  Publishing to the default exchange (routing key = queue
name) needs write on ``amq.default``, and that cannot be narrowed to some queues: whoever
holds it can put a message into any queue of the virtual host.  Only the handler (session
requests, dead letters, OCR jobs) and the session service (its replies) get it; give each
stack a virtual host of its own to keep even that inside the stack.  Direct reply-to
(``amq.rabbitmq.reply-to``) needs no permission.

What each service does in namespace ``{ns}`` (shared/topology.py), and so may do:

- gateway: declares ``{ns}.updates`` and the partitions ``{ns}.updates.pNNN`` and binds them
  (configure both, write on the partitions, read on the exchange); publishes updates to
  ``{ns}.updates`` (write).
- handler: declares and binds the partitions it consumes, like the gateway, and consumes
  them (read); declares ``{ns}.dead-letters`` and ``{ns}.ocr`` and publishes dead letters,
  OCR jobs and session requests through the default exchange.
- session: declares and consumes ``{ns}.session.requests``; replies
  through the default exchange.
- ocr: declares ``{ns}.updates`` and ``{ns}.ocr``, consumes ``{ns}.ocr``, publishes each
  reading to ``{ns}.updates``.
- admin (``pokertracker-admin dead-letters``): declares and reads ``{ns}.dead-letters``,
  publishes replayed updates to ``{ns}.updates``.

Every pattern is anchored and matches whole names only, the namespace escaped: no user of
namespace ``a`` can touch ``a2.ocr``, ``aXupdates`` or ``a.ocr.x``, and no two namespaces
share a queue or exchange name, so the users of one can declare, delete, bind, read and
publish to nothing of another's (but for the default exchange, as said above).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shlex
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

from pydantic import SecretStr

from services.admin.broker_policies import PRIORITY, escape, policies, policy_definitions
from services.admin.errors import EXIT_OK, EXIT_USAGE, AdminError
from services.common.config import ServiceSettings
from shared.topology import Topology

SERVICES = ("gateway", "handler", "session", "ocr", "admin")

DEFAULT_NAMESPACE = "pokertracker"
DEFAULT_VHOST = "/"
DEFAULT_EXCHANGE = "amq.default"  # the default exchange's name in permission checks
NOTHING = "^$"  # matches no name
EVERYTHING = ".*"

# The variables the passwords come from (with ``_FILE`` variants, like every secret).
OPERATOR_PASSWORD_VARIABLE = "RABBITMQ_PASSWORD"


def password_variable(service: str) -> str:
    return f"RABBITMQ_{service.upper()}_PASSWORD"


# Public, for development only: docker-compose.yml's defaults and deploy/rabbitmq/definitions.json.
OPERATOR_DEV_PASSWORD = "dev-only-rabbitmq-password"


def dev_password(service: str) -> str:
    return f"dev-only-{service}-password"


class Permission(NamedTuple):
    configure: str
    write: str
    read: str


def user_name(namespace: str, service: str) -> str:
    """The service's user: ``pokertracker-gateway`` in namespace ``pokertracker``."""
    return f"{namespace}-{service}"


def _only(*patterns: str) -> str:
    """A regex matching whole names that one of the (already escaped) patterns matches."""
    if not patterns:
        return NOTHING
    if len(patterns) == 1:
        return f"^{patterns[0]}$"
    return "^(" + "|".join(patterns) + ")$"


def permissions(namespace: str) -> dict[str, Permission]:
    """(configure, write, read) of each service of ``namespace``, by service name."""
    topology = Topology(namespace, 1)
    exchange_name = topology.updates_exchange.name
    exchange = escape(exchange_name)
    # {ns}.updates.p000 ... {ns}.updates.p1023: Topology.partition_queue, at most 1024 of them.
    partitions = escape(f"{exchange_name}.p") + "(?:[0-9]{3}|10[01][0-9]|102[0-3])"
    dead_letters = escape(topology.dead_letters_queue.name)
    ocr = escape(topology.ocr_queue.name)
    session = (escape(topology.session_requests_queue.name),)
    default = escape(DEFAULT_EXCHANGE)
    return {
        "gateway": Permission(
            configure=_only(exchange, partitions),
            write=_only(exchange, partitions),
            read=_only(exchange),
        ),
        "handler": Permission(
            configure=_only(exchange, partitions, dead_letters, ocr),
            write=_only(partitions, default),
            read=_only(exchange, partitions),
        ),
        "session": Permission(
            configure=_only(*session),
            write=_only(default),
            read=_only(*session),
        ),
        "ocr": Permission(
            configure=_only(exchange, ocr),
            write=_only(exchange),
            read=_only(ocr),
        ),
        "admin": Permission(
            configure=_only(dead_letters),
            write=_only(exchange),
            read=_only(dead_letters),
        ),
    }


def users(namespace: str) -> dict[str, Permission]:
    """The permissions of ``namespace``'s services, by user name."""
    return {user_name(namespace, s): p for s, p in permissions(namespace).items()}


# ----------------------------------------------------------------------------- passwords


def password_hash(password: str, salt: bytes) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def dev_salt(user: str) -> bytes:
    """A fixed salt for the public development passwords, so the committed file is stable."""
    return hashlib.sha256(f"pokertracker dev salt {user}".encode()).digest()[:4]


class BrokerUsersSettings(ServiceSettings):
    """The passwords ``broker users --format definitions`` writes (hashed) into the file;
    each may also come from ``<VARIABLE>_FILE``."""

    rabbitmq_password: SecretStr | None = None
    rabbitmq_gateway_password: SecretStr | None = None
    rabbitmq_handler_password: SecretStr | None = None
    rabbitmq_session_password: SecretStr | None = None
    rabbitmq_ocr_password: SecretStr | None = None
    rabbitmq_admin_password: SecretStr | None = None
    log_level: str = "INFO"


# ----------------------------------------------------------------------------- output


def definitions(
    namespace: str,
    vhost: str,
    passwords: dict[str, str],
    *,
    operator: str | None = None,
    salt: Callable[[str], bytes] | None = None,
) -> dict[str, Any]:
    """A RabbitMQ definitions document: the vhost, each service's user and permissions, the
    queues' policies, and ``operator`` (an administrator with every permission on the
    vhost) if given.

    ``passwords`` maps each user name to its password; ``salt(user)`` gives the salt of its
    hash (random by default).
    """
    salt_of = salt or (lambda _user: os.urandom(4))
    wanted = users(namespace)
    entries = [(u, "", p) for u, p in wanted.items()]
    if operator is not None:
        entries.insert(0, (operator, "administrator", Permission(EVERYTHING, EVERYTHING, EVERYTHING)))
    return {
        "users": [
            {
                "name": user,
                "password_hash": password_hash(passwords[user], salt_of(user)),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [tags] if tags else [],
            }
            for user, tags, _ in entries
        ],
        "vhosts": [{"name": vhost}],
        "permissions": [
            {"user": user, "vhost": vhost, "configure": p.configure, "write": p.write, "read": p.read}
            for user, _, p in entries
        ],
        "policies": policy_definitions(namespace, vhost),
    }


def rabbitmqctl_script(namespace: str, vhost: str, *, operator: str | None = None) -> str:
    """A POSIX shell script creating (or updating) the users and the queues' policies with
    ``rabbitmqctl``; it reads
    each password from its variable when it runs, so the script itself holds none."""
    q = shlex.quote
    variables = ([OPERATOR_PASSWORD_VARIABLE] if operator else []) + [password_variable(s) for s in SERVICES]
    lines = [
        "#!/bin/sh",
        f"# RabbitMQ users of the PokerTracker services, namespace {namespace}, virtual host {vhost}.",
        f"# Generated by: pokertracker-admin broker users --namespace {q(namespace)} --vhost {q(vhost)}"
        + (f" --operator-user {q(operator)}" if operator else ""),
        "# Run it where rabbitmqctl reaches the node, with the passwords in",
        "#   " + " ".join(variables),
        "# Running it again is safe: existing users get the password and permissions again.",
        "set -eu",
        "existing=$(rabbitmqctl -q list_users | cut -f1)",
        "user() {  # user NAME PASSWORD: add NAME, or give the existing NAME this password",
        "    if printf '%s\\n' \"$existing\" | grep -qxF -- \"$1\"; then",
        "        printf '%s\\n' \"$2\" | rabbitmqctl -q change_password \"$1\"",
        "    else",
        "        printf '%s\\n' \"$2\" | rabbitmqctl -q add_user \"$1\"",
        "    fi",
        "}",
        f"rabbitmqctl -q list_vhosts name | grep -qxF -- {q(vhost)} || rabbitmqctl -q add_vhost {q(vhost)}",
    ]
    if operator:
        lines += [
            f'user {q(operator)} "${{{OPERATOR_PASSWORD_VARIABLE}:?is not set}}"',
            f"rabbitmqctl -q set_user_tags {q(operator)} administrator",
            f"rabbitmqctl -q set_permissions -p {q(vhost)} {q(operator)} '.*' '.*' '.*'",
        ]
    for service, p in permissions(namespace).items():
        user = user_name(namespace, service)
        lines += [
            f'user {q(user)} "${{{password_variable(service)}:?is not set}}"',
            f"rabbitmqctl -q set_permissions -p {q(vhost)} {q(user)} "
            f"{q(p.configure)} {q(p.write)} {q(p.read)}",
        ]
    lines.append("# The queues' policies (services/admin/broker_policies.py).")
    for policy in policies(namespace):
        lines.append(
            f"rabbitmqctl -q set_policy -p {q(vhost)} --priority {PRIORITY} --apply-to queues "
            f"{q(policy.name)} {q(policy.pattern)} {q(json.dumps(policy.definition, sort_keys=True))}"
        )
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- command

FORMATS = ("rabbitmqctl", "definitions")


def users_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--namespace",
        default=DEFAULT_NAMESPACE,
        metavar="NS",
        help=f"the services' AMQP_NAMESPACE (default {DEFAULT_NAMESPACE}); users are named NS-<service>",
    )
    parser.add_argument(
        "--vhost", default=DEFAULT_VHOST, help=f"the virtual host in AMQP_URL (default {DEFAULT_VHOST})"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="rabbitmqctl",
        help="rabbitmqctl: a shell script that reads the passwords when it runs (default); "
        "definitions: a JSON file for rabbitmqctl import_definitions or load_definitions, "
        "with the passwords hashed",
    )
    parser.add_argument(
        "--operator-user",
        metavar="NAME",
        help="also an administrator NAME with every permission on the vhost (for the "
        f"management UI; password {OPERATOR_PASSWORD_VARIABLE}). Needed with "
        "load_definitions, which skips RabbitMQ's default user",
    )
    parser.add_argument(
        "--dev-passwords",
        action="store_true",
        help="definitions: the public development passwords of docker-compose.yml instead of "
        "the variables (never for a broker others can reach)",
    )


def _passwords(
    settings: BrokerUsersSettings, namespace: str, operator: str | None, dev: bool
) -> dict[str, str]:
    wanted = [(user_name(namespace, s), password_variable(s), dev_password(s)) for s in SERVICES]
    if operator:
        wanted.insert(0, (operator, OPERATOR_PASSWORD_VARIABLE, OPERATOR_DEV_PASSWORD))
    if dev:
        return {user: password for user, _, password in wanted}
    found: dict[str, str] = {}
    missing = []
    for user, variable, _ in wanted:
        value: SecretStr | None = getattr(settings, variable.lower())
        if value is None or not value.get_secret_value():
            missing.append(variable)
        else:
            found[user] = value.get_secret_value()
    if missing:
        raise AdminError(
            "set the passwords of the users (or their _FILE variants): " + " ".join(missing)
            + " (--dev-passwords uses the public development ones)",
            EXIT_USAGE,
        )
    return found


async def users_command(settings: BrokerUsersSettings, args: argparse.Namespace) -> int:
    if not args.namespace:
        raise AdminError("--namespace must not be empty", EXIT_USAGE)
    if args.format == "rabbitmqctl":
        if args.dev_passwords:
            raise AdminError("--dev-passwords is for --format definitions", EXIT_USAGE)
        sys.stdout.write(rabbitmqctl_script(args.namespace, args.vhost, operator=args.operator_user))
        return EXIT_OK
    passwords = _passwords(settings, args.namespace, args.operator_user, args.dev_passwords)
    document = definitions(
        args.namespace,
        args.vhost,
        passwords,
        operator=args.operator_user,
        salt=dev_salt if args.dev_passwords else None,
    )
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
    return EXIT_OK
