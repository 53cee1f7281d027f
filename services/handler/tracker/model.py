"""The repository interface the conversations use, and what its writes report back."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from services.handler.domain.records import Result, Tournament, TournamentFields
from services.handler.domain.settings import PlayerSettings

if TYPE_CHECKING:
    from services.handler.domain.csv_io import ImportRow

UNDO_MINUTES = 10
"""How long a deletion can be undone (the Undo button of /delete); deleted rows are kept
for this long (and purged later, see ``PURGE_AFTER``)."""
UNDO_WINDOW = timedelta(minutes=UNDO_MINUTES)
PURGE_AFTER = timedelta(days=1)  # kept past the window so a redelivered Undo reads the same


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
    unchanged: int = 0  # rows with an id whose values are those stored: not written
    unknown_ids: tuple[tuple[int, int], ...] = ()  # (line, id) naming none of the player's rows

    @property
    def applied(self) -> bool:
        return not self.unknown_ids


@dataclass(frozen=True)
class Restored:
    """What an Undo brought back: the tournament as it is now."""

    tournament: Tournament
    whole: bool  # the whole tournament was deleted (else only its result)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def as_stored(fields: TournamentFields, result: Result | None) -> tuple[TournamentFields, Result | None]:
    """The values as the tracker keeps them (money to cents), to tell a row that changes nothing."""
    kept = dataclasses.replace(
        fields, buy_in=_cents(fields.buy_in), fee=_cents(fields.fee), rebuys=_cents(fields.rebuys),
        addons=_cents(fields.addons),
    )
    if result is None:
        return kept, None
    return kept, Result(place=result.place, prize=_cents(result.prize), bounty=_cents(result.bounty))


def unchanged(t: Tournament, fields: TournamentFields, result: Result | None) -> bool:
    """Whether storing ``fields`` and ``result`` on ``t`` would leave it as it is."""
    return (t.editable, t.result) == as_stored(fields, result)


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

    async def delete_result(self, player_id: int, tournament_id: int, source_update_id: int) -> int | None:
        """Delete the tournament's result, kept for an Undo: the undo id, ``None`` if there
        was nothing of the player's to delete.  The same update again returns the same id."""
        ...

    async def delete(self, player_id: int, tournament_id: int, source_update_id: int) -> int | None:
        """Delete the tournament and its result, kept for an Undo (as ``delete_result``)."""
        ...

    async def undo_delete(self, player_id: int, undo_id: int, source_update_id: int) -> Restored | None:
        """Put back exactly what the deletion ``undo_id`` removed (the same tournament id), once,
        within ``UNDO_WINDOW``; ``None`` (nothing changes) if it is not the player's, too old,
        already undone by another update, or its place is taken (a new result meanwhile).
        The same update again returns the same ``Restored``."""
        ...

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

    async def fill_currency(self, player_id: int, currency: str) -> int:
        """Give ``currency`` to the player's tournaments that have none; how many there were."""
        ...

    async def rates(self, player_id: int, base: str) -> dict[str, Decimal]:
        """The player's rates against ``base``: currency -> how much ``base`` one unit is worth."""
        ...

    async def set_rate(self, player: Player, base: str, currency: str, rate: Decimal) -> None: ...

    async def delete_rate(self, player_id: int, base: str, currency: str) -> bool:
        """Remove a rate; whether there was one."""

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
