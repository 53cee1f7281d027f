"""The pipeline's tunables, in one frozen value."""

from __future__ import annotations

from dataclasses import dataclass

from services.handler.settings import HandlerSettings
from shared.session_api import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class PipelineLimits:
    max_attempts: int = 3  # tries of an update that raises, then it is dead-lettered
    max_redeliveries: int = 10  # returns by the partition before it is dead-lettered untried
    max_backoff: float = 5.0  # seconds, the longest wait between tries during an outage
    failure_pause: float = 1.0  # seconds, times the try number, between tries that raised
    session_max_bytes: int = DEFAULT_MAX_BYTES  # compact JSON of the session after a step

    @classmethod
    def from_settings(cls, settings: HandlerSettings) -> PipelineLimits:
        return cls(
            max_attempts=settings.update_max_attempts,
            max_redeliveries=settings.update_max_redeliveries,
            max_backoff=settings.dependency_backoff_max_seconds,
            session_max_bytes=settings.session_max_bytes,
        )
