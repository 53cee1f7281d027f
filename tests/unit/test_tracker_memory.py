"""The tracker contract (tests/contract/tracker_contract.py) on the in-memory tracker."""

from __future__ import annotations

import pytest

from services.handler.tracker.memory import (
    ConstraintViolation,
    MemoryStore,
    MemoryTracker,
)
from tests.contract.tracker_contract import TrackerContract


class TestMemoryTracker(TrackerContract):
    refused = (ConstraintViolation,)

    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()

    @pytest.fixture
    def tracker(self, store: MemoryStore) -> MemoryTracker:
        return store.tracker()
