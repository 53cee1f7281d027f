from __future__ import annotations

from services.common.config import PartitionedSettings


class AdminSettings(PartitionedSettings):
    """The broker commands route replayed updates, so they must use the services' partition count."""
