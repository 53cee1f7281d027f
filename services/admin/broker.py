"""Connecting to RabbitMQ for one command, and naming it in messages without its password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import aiormq.exceptions
from aio_pika.abc import AbstractConnection

from services.admin.errors import EXIT_UNAVAILABLE, AdminError
from services.admin.settings import AdminSettings
from services.common.logs import url_password

CONNECT_TIMEOUT = 10.0
_LOGIN_REFUSED = (aiormq.exceptions.AuthenticationError, aiormq.exceptions.ProbableAuthenticationError)


def redact_url(url: str, setting: str = "AMQP_URL") -> str:
    """The URL with its password replaced by ``***``: safe to print (``setting`` names it when
    it cannot be parsed)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
    except ValueError:
        return f"<unparseable {setting}>"


def _why(exc: BaseException, password: str) -> str:
    if isinstance(exc, _LOGIN_REFUSED):
        return "login refused (check the user and password)"
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT:g}s"
    if isinstance(exc, aiormq.exceptions.InvalidFrameError):
        return "the broker closed the connection (unknown virtual host, or no access to it?)"
    text = str(exc) or type(exc).__name__
    return text.replace(password, "***") if password else text


@asynccontextmanager
async def connected(settings: AdminSettings) -> AsyncIterator[AbstractConnection]:
    """A plain (not robust) connection: a command should fail, not reconnect behind our back."""
    try:
        connection = await aio_pika.connect(settings.amqp_url, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # refused, DNS, login, vhost, timeout, bad URL, ...
        where = redact_url(settings.amqp_url) or "(empty AMQP_URL)"
        why = _why(exc, url_password(settings.amqp_url))
        raise AdminError(
            f"cannot connect to RabbitMQ at {where}: {why}",
            EXIT_UNAVAILABLE,
        ) from None
    try:
        yield connection
    finally:
        await connection.close()
