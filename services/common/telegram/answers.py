"""What each Bot API answer means, as one typed exception per meaning.

- 2xx: Telegram did it; the answer's ``result`` (``None`` if the body holds none).
- 429: :class:`RateLimited`, to be tried again after ``retry_after`` seconds.
- 5xx, a network failure, a timeout: :class:`Transient`, to be tried again after a back-off.
- 401, and a 404 from a method's URL: :class:`BadToken`.  Telegram answers a token it does
  not know with 401 and a token it cannot parse with 404 (as an unknown method), so the
  operator has to fix ``BOT_TOKEN`` or ``TELEGRAM_API_URL``; trying again cannot help, and
  nothing the bot does will work until then.  Services hold their work meanwhile (it is a
  :class:`~services.common.errors.DependencyUnavailable`); the admin command exits.
- 400, 403, any other 4xx, and a 404 from a file's URL: :class:`Refused`: the request is
  wrong, the user blocked the bot, or the file is gone.  Never tried again.
  :class:`FileUnavailable` is the refusal of a file (gone, too large, no path given).

Every text here is built from the method name, the status, the exception type and Telegram's
description, never from a URL: URLs hold the bot token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from services.common.errors import DependencyUnavailable

Reason = Literal[
    "network", "rate_limited", "server_error", "bad_answer", "unauthorized", "refused", "too_big"
]


@dataclass(frozen=True)
class Answer:
    """A 2xx answer: ``result``, Telegram's ``description`` (setWebhook says what it did),
    the HTTP status, and whether the body was a Bot API answer at all (a JSON object with a
    boolean ``ok``)."""

    result: Any
    description: str
    status: int
    from_bot_api: bool


class BotApiError(Exception):
    """A Bot API call or file download that did not succeed; its text holds no URL."""

    reason: Reason = "refused"
    retry_after: float | None = None

    def __init__(
        self,
        method: str,
        *,
        status: int | None = None,
        detail: str = "",
        description: str = "",
        from_bot_api: bool = True,
        network_error: str = "",
    ) -> None:
        self.method = method
        self.status = status
        self.detail = detail  # the exception type of a network failure, or a short reason
        self.description = description  # Telegram's, scrubbed of secrets
        self.from_bot_api = from_bot_api
        self.network_error = network_error  # the network failure's message, scrubbed
        what = " ".join(part for part in (method, str(status or ""), detail) if part)
        text = f"{what}: {self.reason}"
        super().__init__(f"{text} ({description})" if description else text)


class Unavailable(BotApiError, DependencyUnavailable):
    """Telegram cannot do it now, though the request is fine: work waits for it."""


class Transient(Unavailable):
    """A 5xx, a network failure, or an answer that is not the Bot API's: tried again."""

    reason: Reason = "server_error"

    def __init__(self, method: str, *, reason: Reason = "server_error", **kw: Any) -> None:
        self.reason = reason
        super().__init__(method, **kw)


class TimedOut(Transient):
    """No answer within the timeout; a method that changes something may have been done."""

    def __init__(self, method: str) -> None:
        super().__init__(method, reason="network", detail="TimeoutError")


class RateLimited(Transient):
    """429: tried again after the ``retry_after`` seconds Telegram asks for."""

    def __init__(self, method: str, retry_after: float | None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(method, reason="rate_limited", **{"status": 429, **kw})


class BadToken(Unavailable):
    """401 or a method's 404: BOT_TOKEN or TELEGRAM_API_URL is wrong; not tried again."""

    reason: Reason = "unauthorized"


class Refused(BotApiError):
    """The request is wrong, the user blocked the bot, or the file is gone: never retried."""

    reason: Reason = "refused"


class FileUnavailable(Refused):
    """The file cannot be had, now or later: gone, over the size cap, or not served."""

    def __init__(self, method: str, *, reason: Reason = "refused", **kw: Any) -> None:
        self.reason = reason
        super().__init__(method, **kw)


def bot_api_body(body: bytes) -> dict[str, Any] | None:
    """The body if it is a Bot API answer (a JSON object with a boolean ``ok``), else None."""
    try:
        data = json.loads(body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        return None
    if isinstance(data, dict) and isinstance(data.get("ok"), bool):
        return data
    return None


def interpret(
    method: str, status: int, body: bytes, redact: Callable[[str], str] = str
) -> Answer:
    """The answer of a method call, or the exception that says what went wrong.

    ``redact`` scrubs Telegram's description (the caller knows the secrets to scrub)."""
    data = bot_api_body(body)
    answered = data is not None
    data = data or {}
    description = redact(one_line(data.get("description")))[:200]
    if status < 300:
        return Answer(data.get("result"), description, status, answered)
    kw: dict[str, Any] = {"status": status, "description": description, "from_bot_api": answered}
    if status == 429:
        retry_after = (data.get("parameters") or {}).get("retry_after")
        asked = float(retry_after) if isinstance(retry_after, int | float) else None
        raise RateLimited(method, asked, **kw)
    if status >= 500:
        raise Transient(method, reason="server_error", **kw)
    if status in (401, 404):
        raise BadToken(method, **kw)
    raise Refused(method, **kw)


def one_line(value: Any) -> str:
    """Text from the network, printable on one line (no terminal escapes)."""
    text = "" if value is None else str(value)
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())
