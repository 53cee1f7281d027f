from __future__ import annotations

import os
import socket

from pydantic import Field, SecretStr, field_validator, model_validator

from services.common.config import PartitionedSettings, WorkerSettings
from shared.session_api import DEFAULT_MAX_BYTES, MAX_BATCH_ITEMS, MIN_MAX_BYTES


def _default_instance() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class HandlerSettings(WorkerSettings, PartitionedSettings):
    bot_token: SecretStr
    telegram_api_url: str = "https://api.telegram.org"
    instance_name: str = Field(default_factory=_default_instance, min_length=1, max_length=200)
    replica_heartbeat_seconds: float = Field(1.0, gt=0)
    replica_timeout_seconds: float = Field(4.0, gt=0)
    session_rpc_timeout_seconds: float = Field(5.0, gt=0)
    # Session gets and writes of this process coalesced into one request message: at most
    # this many items, waiting at most this long while earlier batches are answered.
    session_batch_max: int = Field(64, ge=1, le=MAX_BATCH_ITEMS)
    session_batch_window_ms: float = Field(2.0, ge=0, le=100)
    # Deliveries in hand per owned partition, run in per-user lanes (services/handler/partitions.py).
    partition_prefetch: int = Field(32, ge=1, le=1000)
    # A partition holding an update longer than this is given up and taken again: keep it
    # below RabbitMQ's consumer_timeout (30 minutes by default), which would close the channel.
    partition_hold_seconds: float = Field(25 * 60.0, gt=0)
    dependency_backoff_max_seconds: float = Field(5.0, gt=0)
    update_max_attempts: int = Field(3, ge=1)
    update_max_redeliveries: int = Field(10, ge=1)
    bot_api_timeout_seconds: float = Field(10.0, gt=0)
    bot_api_max_attempts: int = Field(5, gt=0)
    # The most session a conversation step may leave (compact UTF-8 JSON); the session
    # service's SESSION_MAX_BYTES should be the same (or larger).
    session_max_bytes: int = Field(DEFAULT_MAX_BYTES, ge=MIN_MAX_BYTES)
    # The bot's username (links to a private chat from groups); "" asks getMe at start-up.
    bot_username: str = Field("", pattern=r"^(@?[A-Za-z0-9_]{3,64})?$")

    @field_validator("bot_username")
    @classmethod
    def _without_at(cls, value: str) -> str:
        return value.removeprefix("@")

    # How often each replica looks for due result reminders, and how many it publishes in
    # one transaction (services/handler/reminders.py).
    reminder_poll_seconds: float = Field(5.0, gt=0)
    reminder_batch: int = Field(100, ge=1, le=10_000)

    @model_validator(mode="after")
    def _timeout_outlasts_heartbeats(self) -> HandlerSettings:
        if self.replica_timeout_seconds < 2 * self.replica_heartbeat_seconds:
            raise ValueError(
                "REPLICA_TIMEOUT_SECONDS must be at least twice REPLICA_HEARTBEAT_SECONDS"
            )
        return self
