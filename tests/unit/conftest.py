"""Fixtures of the unit tests: the in-memory tracker the conversations run on."""

from __future__ import annotations

import pytest

from services.handler.tracker.memory import MemoryStore


@pytest.fixture
def store() -> MemoryStore:
    """An empty tracker of the test's own."""
    return MemoryStore()
