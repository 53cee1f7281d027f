"""The tracker contract (tests/contract/tracker_contract.py) on the in-memory tracker."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.handler.tracker.memory import (
    ConstraintViolation,
    MemoryStore,
    MemoryTracker,
)
from services.handler.tracker.model import Tracker
from tests.contract.tracker_contract import TrackerContract


class TestMemoryTracker(TrackerContract):
    refused = (ConstraintViolation,)

    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()

    @pytest.fixture
    def tracker(self, store: MemoryStore) -> MemoryTracker:
        return store.tracker()

    async def age_deletions(self, tracker: Tracker, by: timedelta) -> None:
        assert isinstance(tracker, MemoryTracker)
        store = tracker._store
        store.deleted = {k: replace(d, deleted_at=d.deleted_at - by) for k, d in store.deleted.items()}
