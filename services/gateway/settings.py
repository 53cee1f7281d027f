from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from services.common.config import ServiceSettings

# Telegram's alphabet for setWebhook's secret_token.
SECRET_PATTERN = r"^[A-Za-z0-9_-]+$"


class GatewaySettings(ServiceSettings):
    amqp_url: str
    amqp_namespace: str = "pokertracker"
    webhook_secret: SecretStr
    gateway_host: str = "0.0.0.0"
    gateway_port: int = Field(8080, gt=0, lt=65536)
    publish_timeout_seconds: float = Field(5.0, gt=0)
    max_body_bytes: int = Field(1_048_576, gt=0)
    log_level: str = "INFO"

    @field_validator("webhook_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr) -> SecretStr:
        import re

        secret = value.get_secret_value()
        if not 32 <= len(secret) <= 256 or not re.match(SECRET_PATTERN, secret):
            raise ValueError("must be 32-256 characters of A-Z a-z 0-9 _ -")
        return value
