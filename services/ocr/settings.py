from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from services.common.config import MetricsSettings, PartitionedSettings

# Telegram's getFile serves files up to 20 MB; a photo is far smaller.
TELEGRAM_MAX_FILE_BYTES = 20 * 1024 * 1024


class OcrSettings(PartitionedSettings, MetricsSettings):
    bot_token: SecretStr
    telegram_api_url: str = "https://api.telegram.org"
    # tesseract's -l: the language data to read with, "+"-separated (tesseract --list-langs).
    ocr_languages: str = Field("rus+eng", pattern=r"^[A-Za-z0-9_]+(?:\+[A-Za-z0-9_]+)*$")
    # One image's tesseract run; it is killed after this and the ticket is "unreadable".
    ocr_timeout_seconds: float = Field(30.0, gt=0)
    # A larger file is not downloaded (or its download is cut off): "unavailable".
    ocr_max_file_bytes: int = Field(10 * 1024 * 1024, gt=0, le=TELEGRAM_MAX_FILE_BYTES)
    # Jobs one process works on at once (its prefetch): tesseract takes one core per job.
    ocr_concurrency: int = Field(1, ge=1, le=64)
    bot_api_timeout_seconds: float = Field(10.0, gt=0)
    # Longest pause between retries while the Bot API or RabbitMQ is down; a job waits the
    # outage out for as long as it lasts.
    dependency_backoff_max_seconds: float = Field(5.0, gt=0)
    health_file: Path | None = None
