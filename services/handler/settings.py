from __future__ import annotations

import os
import socket

from pydantic import Field, SecretStr

from services.common.config import WorkerSettings


def _default_instance() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class HandlerSettings(WorkerSettings):
    bot_token: SecretStr
    telegram_api_url: str = "https://api.telegram.org"
    instance_name: str = Field(default_factory=_default_instance)
    handler_concurrency: int = Field(16, gt=0)
    session_rpc_timeout_seconds: float = Field(5.0, gt=0)
    dependency_retry_seconds: float = Field(60.0, gt=0)
    bot_api_timeout_seconds: float = Field(10.0, gt=0)
    bot_api_max_attempts: int = Field(5, gt=0)
