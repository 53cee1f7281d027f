"""``Tracker`` in memory: the PostgreSQL tracker's twin, for conversations run without a database.

``MemoryStore`` holds the tables (players, tournaments, results, reminders) as the schema in
``tracker/schema.py`` defines them, with the same keys (a tournament is unique per player,
update and file row) and the same constraints: money kept to two decimals as ``numeric(14, 2)``
rounds it, non-negative amounts, places and entries from 1, 32- and 64-bit integer ranges, no
NUL character in text.  A value PostgreSQL would refuse raises ``ConstraintViolation`` here,
so a flow that relies on the database to refuse it fails in memory too.  The rows and those
checks are in ``memory_rows.py``.

This module keeps the tournaments and results; the other feature groups are mixins, each the
twin of a ``pg_*`` module: ``memory_players`` (venue, settings), ``memory_rates`` (currency fill,
exchange rates), ``memory_reminders`` (result reminders, and the store's claim of due ones),
``memory_deletions`` (deletions kept for an Undo).

``MemoryStore.unit_of_work()`` is one update's unit of work: its writes are undone when the
block raises.  Units of work are not isolated from each other (a unit sees what another one
wrote before it ended), so they are meant to run one after the other, as the tests drive them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from services.handler.domain.records import Result, Tournament, TournamentFields
from services.handler.tracker.memory_deletions import MemoryDeletions
from services.handler.tracker.memory_players import MemoryPlayers
from services.handler.tracker.memory_rates import MemoryRates
from services.handler.tracker.memory_reminders import MemoryDueReminders, MemoryReminders
from services.handler.tracker.memory_rows import (
    ConstraintViolation,
    DeletedRow,
    PlayerRow,
    ReminderRow,
    ResultRow,
    Row,
    TournamentRow,
    _bigint,
    _int4,
    _stored_fields,
    _stored_result,
)
from services.handler.tracker.model import (
    ImportOutcome,
    Player,
    RecordOutcome,
    unchanged,
)

if TYPE_CHECKING:
    from services.handler.domain.csv_io import ImportRow


class MemoryStore(MemoryDueReminders):
    """The tracker's tables in memory; ``unit_of_work()`` hands out trackers on them."""

    def __init__(self) -> None:
        self.players: dict[int, PlayerRow] = {}
        self.tournaments: dict[int, TournamentRow] = {}
        self.results: dict[int, ResultRow] = {}
        self.deleted: dict[int, DeletedRow] = {}
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # PostgreSQL's now()
        self.rates: dict[tuple[int, str, str], Decimal] = {}  # (player, base, currency) -> rate
        self.reminders: dict[int, ReminderRow] = {}
        self._ids = itertools.count(1)  # a sequence: ids are not reused after a rollback
        self._deleted_ids = itertools.count(1)
        self._revisions = itertools.count(1)

    def tracker(self) -> MemoryTracker:
        """A tracker whose every write stands at once (a connection outside a transaction)."""
        return MemoryTracker(self, None)

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[MemoryTracker]:
        """A tracker whose writes stand when the block ends and are undone when it raises."""
        undo: list[Callable[[], object]] = []
        try:
            yield MemoryTracker(self, undo)
        except BaseException:
            for step in reversed(undo):
                step()
            raise

    def next_id(self) -> int:
        return next(self._ids)

    def next_deleted_id(self) -> int:
        return next(self._deleted_ids)

    def revision(self) -> int:
        return next(self._revisions)

    def put(self, table: dict[int, Row], key: int, row: Row | None, undo: list[Callable[[], object]] | None) -> None:
        """Set ``table[key]`` (``row`` ``None``: remove it), noting in ``undo`` how to undo it."""
        old = table.get(key)
        if row is None:
            table.pop(key, None)
        else:
            table[key] = row
        if undo is not None:
            undo.append(lambda: table.pop(key, None) if old is None else table.__setitem__(key, old))

    def tournament(self, row: TournamentRow) -> Tournament:
        """The row as the tracker returns it, with its result if it has one."""
        result = self.results.get(row.id)
        return Tournament(
            **{f.name: getattr(row.fields, f.name) for f in dataclasses.fields(TournamentFields)},
            id=row.id,
            player_id=row.player_id,
            result=None if result is None else result.result,
        )


class MemoryTracker(MemoryPlayers, MemoryRates, MemoryReminders, MemoryDeletions):
    """One player-scoped view of a ``MemoryStore``, behaving as ``PgTracker`` does.
    ``MemoryPlayers`` comes first: its ``_upsert_player`` is the one the other mixins' stubs stand for."""

    def __init__(self, store: MemoryStore, undo: list[Callable[[], object]] | None) -> None:
        self._store = store
        self._undo = undo

    def _owned(self, player_id: int, tournament_id: int) -> TournamentRow | None:
        row = self._store.tournaments.get(_bigint(tournament_id))
        return row if row is not None and row.player_id == _bigint(player_id) else None

    def _rows(self, player_id: int) -> list[TournamentRow]:
        """The player's rows, oldest first (played_on, then id)."""
        _bigint(player_id)
        mine = [r for r in self._store.tournaments.values() if r.player_id == player_id]
        return sorted(mine, key=lambda r: (r.fields.played_on, r.id))

    def _newest(self, player_id: int, limit: int, pending: bool = False) -> list[TournamentRow]:
        """The player's rows, newest first (played_on, then id), at most ``limit``."""
        if limit < 0:
            raise ConstraintViolation("LIMIT must not be negative")
        rows = [r for r in reversed(self._rows(player_id)) if not (pending and r.id in self._store.results)]
        return rows[:limit]

    def _by_source(self, player_id: int, source_update_id: int, source_row: int) -> TournamentRow | None:
        return next(
            (
                r
                for r in self._store.tournaments.values()
                if (r.player_id, r.source_update_id, r.source_row) == (player_id, source_update_id, source_row)
            ),
            None,
        )

    def _insert(
        self, player_id: int, fields: TournamentFields, source_update_id: int, source_row: int
    ) -> TournamentRow:
        """The new row, or the one this update's ``source_row`` inserted before."""
        _bigint(source_update_id)
        _int4(source_row, None)
        stored = _stored_fields(fields)
        existing = self._by_source(player_id, source_update_id, source_row)
        if existing is not None:
            return existing
        row = TournamentRow(
            self._store.next_id(), player_id, stored, source_update_id, source_row, self._store.revision()
        )
        self._store.put(self._store.tournaments, row.id, row, self._undo)
        return row

    def _set_result(self, tournament_id: int, result: Result | None, source_update_id: int) -> None:
        row = None
        if result is not None:
            self._drop_reminder(tournament_id)
            row = ResultRow(tournament_id, _stored_result(result), _bigint(source_update_id), self._store.revision())
        self._store.put(self._store.results, tournament_id, row, self._undo)

    def _replace(
        self,
        player_id: int,
        tournament_id: int,
        fields: TournamentFields,
        result: Result | None,
        source_update_id: int,
    ) -> bool:
        row = self._owned(player_id, tournament_id)
        if row is None:
            return False
        stored = _stored_fields(fields)
        if result is not None:
            _stored_result(result)  # checked before anything changes, as one UPDATE would be
        updated = dataclasses.replace(
            row, fields=stored, revision=self._store.revision(), updated_by=_bigint(source_update_id)
        )
        self._store.put(self._store.tournaments, row.id, updated, self._undo)
        self._set_result(row.id, result, source_update_id)
        return True

    async def register(
        self, player: Player, fields: TournamentFields, source_update_id: int
    ) -> Tournament:
        stored = _stored_fields(fields)
        self._upsert_player(player)
        return self._store.tournament(self._insert(player.user_id, stored, source_update_id, 0))

    async def get(self, player_id: int, tournament_id: int) -> Tournament | None:
        row = self._owned(player_id, tournament_id)
        return None if row is None else self._store.tournament(row)

    async def pending(self, player_id: int, limit: int) -> list[Tournament]:
        return [self._store.tournament(r) for r in self._newest(player_id, limit, pending=True)]

    async def latest(self, player_id: int, limit: int) -> list[Tournament]:
        return [self._store.tournament(r) for r in self._newest(player_id, limit)]

    async def all(self, player_id: int) -> list[Tournament]:
        return [self._store.tournament(r) for r in self._rows(player_id)]

    async def record_result(
        self, player_id: int, tournament_id: int, result: Result, source_update_id: int
    ) -> RecordOutcome:
        _int4(result.place)  # a parameter: refused out of range whatever the row
        _bigint(source_update_id)
        row = self._owned(player_id, tournament_id)
        if row is None:
            return RecordOutcome.ALREADY_RECORDED  # as PgTracker: nothing of the player's to record on
        existing = self._store.results.get(row.id)
        if existing is None:
            self._set_result(row.id, result, source_update_id)
            return RecordOutcome.RECORDED
        # The same update again (a redelivery) counts as recorded: it is the same result.
        if existing.source_update_id == source_update_id:
            return RecordOutcome.RECORDED
        return RecordOutcome.ALREADY_RECORDED

    async def save(
        self,
        player_id: int,
        tournament_id: int,
        fields: TournamentFields,
        result: Result | None,
        source_update_id: int,
    ) -> Tournament | None:
        if not self._replace(player_id, tournament_id, fields, result, source_update_id):
            return None
        return await self.get(player_id, tournament_id)

    async def import_rows(
        self, player: Player, rows: Sequence[ImportRow], source_update_id: int
    ) -> ImportOutcome:
        mine = {r.id for r in rows if r.id is not None and self._owned(player.user_id, r.id)}
        unknown = tuple((r.line, r.id) for r in rows if r.id is not None and r.id not in mine)
        if unknown:
            return ImportOutcome(0, 0, unknown_ids=unknown)
        self._upsert_player(player)
        added = updated = same = 0
        for r in rows:
            if r.id is not None:
                # Unchanged rows are not written; a row this update changed stays "updated".
                row = self._store.tournaments[r.id]
                if row.updated_by != source_update_id and unchanged(self._store.tournament(row), r.fields, r.result):
                    same += 1
                    continue
                self._replace(player.user_id, r.id, r.fields, r.result, source_update_id)
                updated += 1
                continue
            # Keyed on (update, line): the same file processed again adds nothing twice.
            new = self._insert(player.user_id, r.fields, source_update_id, r.line)
            if r.result is not None:
                self._set_result(new.id, r.result, source_update_id)
            added += 1
        return ImportOutcome(added, updated, same)
