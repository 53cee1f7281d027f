from __future__ import annotations

from pydantic import Field

from services.common.config import WorkerSettings
from shared.session_api import DEFAULT_MAX_BYTES, MIN_MAX_BYTES


class SessionSettings(WorkerSettings):
    session_ttl_seconds: int = Field(86_400, gt=0)
    session_cleanup_interval_seconds: float = Field(300.0, gt=0)
    session_cleanup_batch_size: int = Field(1_000, gt=0)
    session_prefetch: int = Field(64, gt=0)
    # An unchanged session is not written again; its expiry is extended once it is this old.
    session_extend_after_seconds: int = Field(3_600, ge=0)
    session_active_refresh_seconds: float = Field(15.0, gt=0)
    # Telegram redelivers an unanswered update for up to 24 hours, so less would let one through.
    dedupe_retention_seconds: int = Field(172_800, ge=86_400)
    # A session whose data (compact UTF-8 JSON) would grow beyond this is refused unchanged.
    session_max_bytes: int = Field(DEFAULT_MAX_BYTES, ge=MIN_MAX_BYTES)

