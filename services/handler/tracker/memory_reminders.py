"""``MemoryTracker``'s result reminders and ``MemoryStore``'s claim of the due ones, the twin
of ``pg_reminders``: a reminder per tournament, dropped once the result is in."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from services.handler.tracker.memory_rows import (
    ConstraintViolation,
    PlayerRow,
    ReminderRow,
    TournamentRow,
    _bigint,
)
from services.handler.tracker.model import DueReminder

if TYPE_CHECKING:
    from services.handler.tracker.memory import MemoryStore


class MemoryReminders:
    _store: MemoryStore
    _undo: list[Callable[[], object]] | None

    def _owned(self, player_id: int, tournament_id: int) -> TournamentRow | None:
        raise NotImplementedError

    async def schedule_reminder(self, player_id: int, tournament_id: int, due_at: datetime) -> None:
        if due_at.tzinfo is None:
            raise ConstraintViolation("a reminder's due time must say its time zone (timestamptz)")
        row = self._owned(player_id, tournament_id)
        if row is not None and row.id not in self._store.reminders:
            self._store.put(self._store.reminders, row.id, ReminderRow(row.id, player_id, due_at), self._undo)

    async def cancel_reminders(self, player_id: int) -> None:
        for r in list(self._store.reminders.values()):
            if r.player_id == _bigint(player_id) and r.published_at is None:
                self._store.put(self._store.reminders, r.tournament_id, None, self._undo)

    def _drop_reminder(self, tournament_id: int) -> None:
        """The tournament has a result: nothing to nudge about (ownership checked by the caller)."""
        self._store.put(self._store.reminders, tournament_id, None, self._undo)


class MemoryDueReminders:
    """``MemoryStore``'s part: the due reminders handed to the scheduler."""

    players: dict[int, PlayerRow]
    reminders: dict[int, ReminderRow]

    @contextlib.asynccontextmanager
    async def claim_due(self, now: datetime, limit: int) -> AsyncIterator[list[DueReminder]]:
        """As ``PgStore.claim_due``; one caller at a time, so nothing is held from another."""
        if limit < 0:
            raise ConstraintViolation("LIMIT must not be negative")
        rows = sorted(
            (r for r in self.reminders.values() if r.published_at is None and r.due_at <= now),
            key=lambda r: (r.due_at, r.tournament_id),
        )[:limit]
        yield [
            DueReminder(r.tournament_id, r.player_id, r.due_at, self.players[r.player_id].language_code)
            for r in rows
        ]
        for r in rows:
            if r.tournament_id in self.reminders:
                self.reminders[r.tournament_id] = dataclasses.replace(r, published_at=now)
