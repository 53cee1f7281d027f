from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from services.common.config import MetricsSettings, PartitionedSettings

# Telegram's alphabet for setWebhook's secret_token.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,256}")


class GatewaySettings(PartitionedSettings, MetricsSettings):
    webhook_secret: SecretStr
    gateway_host: str = "0.0.0.0"
    gateway_port: int = Field(8080, gt=0, lt=65536)
    publish_timeout_seconds: float = Field(5.0, gt=0)
    max_body_bytes: int = Field(1_048_576, gt=0)
    # Flood protection per sender (services/gateway/flood.py); a rate of 0 turns it off.
    flood_rate_per_second: float = Field(3.0, ge=0)
    flood_burst: int = Field(20, ge=1)
    flood_notice_seconds: float = Field(10.0, gt=0)

    @field_validator("webhook_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if not SECRET_PATTERN.fullmatch(secret):
            raise ValueError("must be 32-256 characters of A-Z a-z 0-9 _ -")
        return value
