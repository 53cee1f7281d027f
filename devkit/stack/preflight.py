"""Checks before anything starts: free ports, a reachable RabbitMQ, a usable database."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import unquote, urlsplit

import asyncpg

from devkit.createdb import ensure_database
from devkit.stack.config import StackConfig, StackError
from devkit.stack.console import say
from services.common.logs import redact_url


def ensure_port_free(port: int, what: str) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            pass
    except OSError:
        return
    raise StackError(f"port {port} ({what}) is already in use; is another stack still running?")


def ensure_rabbitmq_reachable(amqp_url: str) -> None:
    parts = urlsplit(amqp_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    try:
        with socket.create_connection((host, port), timeout=3.0):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StackError(f"RabbitMQ is not reachable at {host}:{port} ({reason})") from None


def preflight(config: StackConfig) -> None:
    """Fail early, with one clear line, on what would make the services crash at start."""
    ensure_port_free(config.gateway_port, "GATEWAY_PORT")
    if config.use_fake:
        ensure_port_free(config.fake_port, "FAKE_TELEGRAM_PORT")
    ensure_rabbitmq_reachable(config.amqp_url)
    try:
        created = asyncio.run(ensure_database(config.database_url))
    except (OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise StackError(
            f"PostgreSQL is not usable at {redact_url(config.database_url)} "
            f"({type(exc).__name__}: {exc})"
        ) from None
    if created:
        say(f"created database {unquote(urlsplit(config.database_url).path.lstrip('/'))}")
