"""What each group of commands reads from the environment (and nothing more: a command must not
fail for a setting it does not use)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from services.common.config import PartitionedSettings, ServiceSettings


class AdminSettings(PartitionedSettings):
    """The broker commands route replayed updates, so they must use the services' partition count."""


class TelegramAdminSettings(ServiceSettings):
    """The webhook commands: the Bot API, as the handler reaches it.

    ``WEBHOOK_SECRET`` is optional here and checked by ``set-webhook`` itself: ``webhook-info``
    does not need it, and ``set-webhook --generate-secret`` exists to replace a bad one.
    """

    bot_token: SecretStr = Field(min_length=1)
    telegram_api_url: str = Field("https://api.telegram.org", min_length=1)
    webhook_secret: SecretStr | None = None
    bot_api_timeout_seconds: float = Field(10.0, gt=0)
    log_level: str = "INFO"

    @field_validator("telegram_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


class SessionAdminSettings(ServiceSettings):
    """The session commands: the session service's database, nothing of RabbitMQ."""

    database_url: str = Field(min_length=1)
    session_cleanup_batch_size: int = Field(1_000, gt=0)
    log_level: str = "INFO"
