"""The Telegram Bot API client of every service: calls, uploads, file downloads, and one
meaning for each answer (``answers.py``)."""

from services.common.telegram.answers import (
    Answer,
    BadToken,
    BotApiError,
    FileUnavailable,
    RateLimited,
    Refused,
    TimedOut,
    Transient,
    Unavailable,
)
from services.common.telegram.client import (
    BotClient,
    CallObserver,
    FilePart,
    open_session,
)
from services.common.telegram.files import TelegramFiles

__all__ = [
    "Answer",
    "BadToken",
    "BotApiError",
    "BotClient",
    "CallObserver",
    "FilePart",
    "FileUnavailable",
    "RateLimited",
    "Refused",
    "TelegramFiles",
    "TimedOut",
    "Transient",
    "Unavailable",
    "open_session",
]
