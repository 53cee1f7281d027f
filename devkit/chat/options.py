"""Who the chat plays and where the fake Telegram is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

JsonDict = dict[str, Any]

DEFAULT_TELEGRAM_URL = "http://127.0.0.1:8081"
DEFAULT_RECEIVED_DIR = Path(".run/received")  # relative to the current directory


@dataclass(frozen=True)
class ChatOptions:
    """Who the chat plays and where the fake Telegram is."""

    telegram_url: str = DEFAULT_TELEGRAM_URL
    user_id: int = 1001
    language_code: str = "en"
    first_name: str = "Alice"
    username: str | None = None
    max_attempts: int = 3
    poll_seconds: float = 25.0
    settle_seconds: float | None = None  # None: 1.5 s on a terminal, 10 s for scripted input
    received_dir: Path = DEFAULT_RECEIVED_DIR  # where the photos and documents the bot sends are saved
