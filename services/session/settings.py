from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.common.config import ServiceSettings


class SessionSettings(ServiceSettings):
    amqp_url: str
    amqp_namespace: str = "pokertracker"
    database_url: str
    session_ttl_seconds: int = Field(86_400, gt=0)
    session_cleanup_interval_seconds: float = Field(300.0, gt=0)
    session_cleanup_batch_size: int = Field(1_000, gt=0)
    session_prefetch: int = Field(64, gt=0)
    db_pool_size: int = Field(10, gt=0)
    health_file: Path | None = None
    log_level: str = "INFO"
