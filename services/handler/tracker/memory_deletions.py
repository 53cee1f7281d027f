"""``MemoryTracker``'s deletions kept for an Undo (``tracker.deleted``), the twin of
``pg_deletions``: the rows as they were, put back as they were."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from services.handler.domain.records import Tournament
from services.handler.tracker.memory_rows import DeletedRow, TournamentRow, _bigint
from services.handler.tracker.model import PURGE_AFTER, UNDO_WINDOW, Restored

if TYPE_CHECKING:
    from services.handler.tracker.memory import MemoryStore


class MemoryDeletions:
    _store: MemoryStore
    _undo: list[Callable[[], object]] | None

    def _owned(self, player_id: int, tournament_id: int) -> TournamentRow | None:
        raise NotImplementedError

    def _by_source(self, player_id: int, source_update_id: int, source_row: int) -> TournamentRow | None:
        raise NotImplementedError

    async def get(self, player_id: int, tournament_id: int) -> Tournament | None:
        raise NotImplementedError

    def _delete(self, player_id: int, tournament_id: int, source_update_id: int, whole: bool) -> int | None:
        store = self._store
        _bigint(source_update_id)
        for kept in store.deleted.values():
            if (kept.player_id, kept.source_update_id) == (player_id, source_update_id):
                return kept.id  # this update deleted it before (a redelivery)
        row = self._owned(player_id, tournament_id)
        result = None if row is None else store.results.get(row.id)
        if row is None or (not whole and result is None):
            return None
        now = store.clock()
        for old in [d for d in store.deleted.values() if d.player_id == player_id and d.deleted_at < now - PURGE_AFTER]:
            store.put(store.deleted, old.id, None, self._undo)
        kept = DeletedRow(
            store.next_deleted_id(), player_id, row.id, whole, row if whole else None, result, source_update_id, now
        )
        store.put(store.deleted, kept.id, kept, self._undo)
        store.put(store.results, row.id, None, self._undo)  # ON DELETE CASCADE too
        if whole:
            store.put(store.reminders, row.id, None, self._undo)  # ON DELETE CASCADE
            store.put(store.tournaments, row.id, None, self._undo)
        return kept.id

    async def delete_result(self, player_id: int, tournament_id: int, source_update_id: int) -> int | None:
        return self._delete(player_id, tournament_id, source_update_id, whole=False)

    async def delete(self, player_id: int, tournament_id: int, source_update_id: int) -> int | None:
        return self._delete(player_id, tournament_id, source_update_id, whole=True)

    async def undo_delete(self, player_id: int, undo_id: int, source_update_id: int) -> Restored | None:
        store = self._store
        kept = store.deleted.get(_bigint(undo_id))
        if kept is None or kept.player_id != _bigint(player_id) or kept.restored_by not in (None, source_update_id):
            return None
        if kept.restored_by is None:
            if kept.deleted_at < store.clock() - UNDO_WINDOW or not self._put_back(kept):
                return None
            store.put(store.deleted, kept.id, dataclasses.replace(kept, restored_by=source_update_id), self._undo)
        t = await self.get(player_id, kept.tournament_id)
        return None if t is None else Restored(t, kept.whole)

    def _put_back(self, kept: DeletedRow) -> bool:
        """The kept rows as they were; ``False`` (nothing changes) if their place is taken."""
        store = self._store
        if kept.tournament is not None:
            t = kept.tournament
            if t.id in store.tournaments or self._by_source(t.player_id, t.source_update_id, t.source_row):
                return False
            store.put(store.tournaments, t.id, t, self._undo)
        if kept.result is None:
            return True
        if self._owned(kept.player_id, kept.tournament_id) is None or kept.tournament_id in store.results:
            return False
        store.put(store.results, kept.tournament_id, kept.result, self._undo)
        return True
