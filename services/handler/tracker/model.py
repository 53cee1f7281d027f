"""The repository interface the conversations use, and what its writes report back."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from services.handler.domain.records import Result, Tournament, TournamentFields
from services.handler.domain.settings import PlayerSettings

if TYPE_CHECKING:
    from services.handler.domain.csv_io import ImportRow


@dataclass(frozen=True)
class Player:
    user_id: int  # the Telegram user id; a player only ever sees rows with their own id
    first_name: str
    language_code: str | None


class RecordOutcome(Enum):
    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"  # by another update: keep the first result


@dataclass(frozen=True)
class ImportOutcome:
    added: int
    updated: int
    unknown_ids: tuple[tuple[int, int], ...] = ()  # (line, id) naming none of the player's rows

    @property
    def applied(self) -> bool:
        return not self.unknown_ids


@dataclass(frozen=True)
class DueReminder:
    """A result reminder that fell due: the player's tournament and how to address them."""

    tournament_id: int
    player_id: int
    due_at: datetime
    language_code: str | None  # the player's Telegram language, as last seen


class Tracker(Protocol):
    """Every read and write is scoped to one player: no method can reach another's rows.

    Writes carry the id of the update that caused them and are idempotent on it, so an
    update processed again after a crash leaves the data as if it ran once.
    """

    async def register(
        self, player: Player, fields: TournamentFields, source_update_id: int
    ) -> Tournament: ...

    async def get(self, player_id: int, tournament_id: int) -> Tournament | None: ...

    async def pending(self, player_id: int, limit: int) -> list[Tournament]: ...

    async def latest(self, player_id: int, limit: int) -> list[Tournament]: ...

    async def all(self, player_id: int) -> list[Tournament]:
        """Every tournament of the player, oldest first (played_on, then id)."""
        ...

    async def record_result(
        self, player_id: int, tournament_id: int, result: Result, source_update_id: int
    ) -> RecordOutcome: ...

    async def save(
        self,
        player_id: int,
        tournament_id: int,
        fields: TournamentFields,
        result: Result | None,
        source_update_id: int,
    ) -> Tournament | None:
        """Replace a tournament's fields and result (``None`` removes it); ``None`` if gone."""
        ...

    async def delete_result(self, player_id: int, tournament_id: int) -> bool: ...

    async def delete(self, player_id: int, tournament_id: int) -> bool: ...

    async def venue(self, player_id: int) -> str | None: ...

    async def set_venue(self, player: Player, venue: str | None) -> None: ...

    async def import_rows(
        self, player: Player, rows: Sequence[ImportRow], source_update_id: int
    ) -> ImportOutcome:
        """All rows or none: rows whose id is not one of the player's make nothing change."""
        ...

    async def settings(self, player_id: int) -> PlayerSettings:
        """What the player chose; the defaults for a player never seen."""
        ...

    async def save_settings(self, player: Player, settings: PlayerSettings) -> None: ...

    async def schedule_reminder(self, player_id: int, tournament_id: int, due_at: datetime) -> None:
        """Nudge the player about this tournament of theirs at ``due_at``, once: a tournament
        with a reminder already (a re-run of the update), or not the player's, is left as it is.
        Recording the tournament's result or deleting it drops its reminder."""
        ...

    async def cancel_reminders(self, player_id: int) -> None:
        """Drop the player's reminders not yet sent (they turned reminders off)."""
        ...


class TrackerStore(Protocol):
    """Where one update's ``Tracker`` comes from: the tracker ``unit_of_work()`` yields has its
    writes stand together when the block ends, and none of them when the block raises."""

    def unit_of_work(self) -> AbstractAsyncContextManager[Tracker]: ...


class ReminderSource(Protocol):
    """Where the schedulers find due reminders, across players (``PgStore``, ``MemoryStore``)."""

    def claim_due(self, now: datetime, limit: int) -> AbstractAsyncContextManager[list[DueReminder]]:
        """At most ``limit`` reminders due by ``now`` and not yet published, earliest first,
        held for this caller alone until the block ends (another caller skips them): marked
        published when the block ends, left unpublished when it raises."""
        ...
