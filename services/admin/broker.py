"""Connecting to RabbitMQ for one command, and naming it in messages without its password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiormq.exceptions
from aio_pika.abc import AbstractConnection

from services.admin.errors import EXIT_UNAVAILABLE, AdminError
from services.admin.settings import AdminSettings
from services.common.amqp.connection import connect
from services.common.logs import redact_url, url_passwords

CONNECT_TIMEOUT = 10.0
_LOGIN_REFUSED = (aiormq.exceptions.AuthenticationError, aiormq.exceptions.ProbableAuthenticationError)


def _why(exc: BaseException, passwords: list[str]) -> str:
    if isinstance(exc, _LOGIN_REFUSED):
        return "login refused (check the user and password)"
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT:g}s"
    if isinstance(exc, aiormq.exceptions.InvalidFrameError):
        return "the broker closed the connection (unknown virtual host, or no access to it?)"
    text = str(exc) or type(exc).__name__
    for password in passwords:
        text = text.replace(password, "***")
    return text


@asynccontextmanager
async def connected(settings: AdminSettings) -> AsyncIterator[AbstractConnection]:
    """A plain (not robust) connection: a command should fail, not reconnect behind our back."""
    try:
        # Each broker of AMQP_URL in turn; the error is the last one's.
        connection = await connect(settings.amqp_url, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # refused, DNS, login, vhost, timeout, bad URL, ...
        where = redact_url(settings.amqp_url, "AMQP_URL") or "(empty AMQP_URL)"
        why = _why(exc, url_passwords(settings.amqp_url))
        raise AdminError(
            f"cannot connect to RabbitMQ at {where}: {why}",
            EXIT_UNAVAILABLE,
        ) from None
    try:
        yield connection
    finally:
        await connection.close()
