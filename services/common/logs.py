"""JSON-lines logging on stdout, with secrets scrubbed from every line."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import sys
import time
from collections.abc import Iterable

# Telegram bot tokens look like 123456:ABC-...; URLs may carry a password.
_TOKEN_RE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b")
_URL_PASSWORD_RE = re.compile(r"(\w+://[^:/@\s]+:)([^@\s]+)(@)")

_STD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.service = service
        self.secrets = [s for s in secrets if s and len(s) >= 4]

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        text = _TOKEN_RE.sub("***", text)
        return _URL_PASSWORD_RE.sub(r"\1***\3", text)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return self.scrub(json.dumps(entry, default=str, ensure_ascii=False))


def url_password(url: str) -> str:
    """The password inside a connection URL (to scrub it from logs), or ''."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""


def url_passwords(url: str) -> list[str]:
    """The password of every URL in a comma-separated list (AMQP_URL naming several
    brokers), to scrub them all from logs; one URL gives its own."""
    from services.common.amqp.addresses import split_urls

    return [password for password in map(url_password, split_urls(url)) if password]


def redact_url(url: str, setting: str = "URL") -> str:
    """The URL with its password replaced by ``***``: safe to print (``setting`` names it when
    it cannot be parsed).  A comma-separated list of URLs (AMQP_URL naming several brokers)
    has every one's password replaced."""
    try:
        from services.common.amqp.addresses import split_urls

        return ",".join(_redact_one(part) for part in split_urls(url))
    except ValueError:
        return f"<unparseable {setting}>"


def _redact_one(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def setup_logging(service: str, level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.Formatter.converter = time.gmtime


@functools.lru_cache(maxsize=65_536)
def user_hash(user_id: int) -> str:
    """A stable pseudonym of a Telegram user for logs, the same in every service, so one
    user's lines can be followed from the gateway to the handler and the OCR service.
    Cached: the handler logs one line per update, and active players recur."""
    return hashlib.sha256(str(user_id).encode()).hexdigest()[:12]
