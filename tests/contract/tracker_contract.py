"""What every ``Tracker`` promises, as one suite each implementation runs.

A test module subclasses ``TrackerContract`` and provides two fixtures on the same data:
``store``, a ``TrackerStore`` (units of work), and ``tracker``, a ``Tracker`` whose writes
stand at once.  tests/unit/test_tracker_memory.py runs it on ``MemoryStore``,
tests/integration/test_tracker_pg.py on PostgreSQL, so both pass the same assertions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.handler.domain.csv_io import ImportRow
from services.handler.domain.records import Format, Result, TournamentFields
from services.handler.domain.settings import PlayerSettings
from services.handler.domain.stats import summarize
from services.handler.domain.stats_query import StatsQuery
from services.handler.tracker.model import (
    PURGE_AFTER,
    UNDO_WINDOW,
    DueReminder,
    ImportOutcome,
    Player,
    RecordOutcome,
    Restored,
    Tracker,
    TrackerStore,
)
from tests.conftest import random_user_id

REG = TournamentFields(name="Sunday Major", played_on=date(2025, 3, 2), buy_in=Decimal("100.50"), venue="Casino")


def res(place: int, prize: int) -> Result:
    return Result(place=place, prize=Decimal(prize))


def on(day: int, name: str = "T") -> TournamentFields:
    return TournamentFields(name=name, played_on=date(2025, 3, day), buy_in=Decimal(10), venue="V")


def player() -> Player:
    return Player(random_user_id(), "Ann", "en")


DUE = datetime(2031, 1, 1, 9, tzinfo=UTC)


async def claimed(store: Any, now: datetime, *players: Player) -> list[tuple[int, int, datetime]]:
    """(tournament, player, due) of the reminders of ``players`` a scheduler claims at ``now``
    (and marks published).  Other tests' reminders in a shared database are claimed too and
    left out here."""
    mine = {p.user_id for p in players}
    async with store.claim_due(now, 10_000) as due:
        found: list[DueReminder] = due
    return [(d.tournament_id, d.player_id, d.due_at) for d in found if d.player_id in mine]


class TrackerContract:
    """The tests; subclasses provide the ``store`` and ``tracker`` fixtures, and ``refused``:
    the exceptions their tracker raises for a value the schema does not allow."""

    refused: tuple[type[Exception], ...] = ()

    async def test_register_is_idempotent_on_the_update(self, tracker: Tracker) -> None:
        player = Player(random_user_id(), "Ann", "en")
        first = await tracker.register(player, REG, source_update_id=1)
        again = await tracker.register(player, REG, source_update_id=1)
        assert first == again and first.buy_in == Decimal("100.50")
        assert len(await tracker.latest(player.user_id, 10)) == 1

    async def test_result_once_and_scoped_to_its_player(self, tracker: Tracker) -> None:
        owner, other = Player(random_user_id(), "A", None), Player(random_user_id(), "B", None)
        t = await tracker.register(owner, REG, source_update_id=1)
        assert await tracker.get(other.user_id, t.id) is None
        assert await tracker.record_result(other.user_id, t.id, res(1, 1), 5) is RecordOutcome.ALREADY_RECORDED
        assert await tracker.record_result(owner.user_id, t.id, res(3, 850), 6) is RecordOutcome.RECORDED
        assert await tracker.record_result(owner.user_id, t.id, res(3, 850), 6) is RecordOutcome.RECORDED
        assert await tracker.record_result(owner.user_id, t.id, res(1, 9), 7) is RecordOutcome.ALREADY_RECORDED
        stored = await tracker.get(owner.user_id, t.id)
        assert stored is not None and stored.result is not None
        assert (stored.result.place, stored.result.prize) == (3, Decimal(850))
        assert await tracker.pending(owner.user_id, 10) == []
        assert [t.result for t in await tracker.all(owner.user_id)] == [res(3, 850)]
        # Another player can neither change nor delete it.
        assert await tracker.save(other.user_id, t.id, REG, None, 8) is None
        assert await tracker.delete_result(other.user_id, t.id, 9) is None
        assert await tracker.delete(other.user_id, t.id, 10) is None
        again = await tracker.get(owner.user_id, t.id)
        assert again is not None and again.result == res(3, 850)

    async def test_register_again_returns_the_tournament_as_it_is_now(self, tracker: Tracker) -> None:
        p = player()
        t = await tracker.register(p, REG, source_update_id=3)
        assert t.result is None and t.player_id == p.user_id
        await tracker.record_result(p.user_id, t.id, res(2, 40), 4)
        again = await tracker.register(p, REG, source_update_id=3)
        assert again.id == t.id and again.result == res(2, 40)
        # Another update registering the same fields is another tournament.
        other = await tracker.register(p, REG, source_update_id=5)
        assert other.id != t.id and len(await tracker.all(p.user_id)) == 2

    async def test_money_is_kept_to_cents(self, tracker: Tracker) -> None:
        p = player()
        fields = TournamentFields(
            name="Cents", played_on=date(2025, 1, 1), buy_in=Decimal("10.005"), fee=Decimal(1),
            venue="V", rebuys=Decimal("0.004"),
        )
        t = await tracker.register(p, fields, 1)
        assert (str(t.buy_in), str(t.fee), str(t.rebuys), str(t.addons)) == ("10.01", "1.00", "0.00", "0.00")
        await tracker.record_result(p.user_id, t.id, Result(place=1, prize=Decimal("5.5")), 2)
        stored = await tracker.get(p.user_id, t.id)
        assert stored is not None and stored.result is not None
        assert (str(stored.result.prize), str(stored.result.bounty)) == ("5.50", "0.00")

    async def test_newest_first_and_oldest_first_by_date_then_id(self, tracker: Tracker) -> None:
        p = player()
        ids = {}
        for update, (day, name) in enumerate([(5, "b"), (1, "a"), (5, "c"), (9, "d")], start=1):
            ids[name] = (await tracker.register(p, on(day, name), update)).id
        await tracker.record_result(p.user_id, ids["d"], res(1, 1), 10)
        assert [t.name for t in await tracker.latest(p.user_id, 10)] == ["d", "c", "b", "a"]
        assert [t.name for t in await tracker.latest(p.user_id, 2)] == ["d", "c"]
        assert [t.name for t in await tracker.pending(p.user_id, 10)] == ["c", "b", "a"]
        assert [t.name for t in await tracker.pending(p.user_id, 1)] == ["c"]
        assert [t.name for t in await tracker.all(p.user_id)] == ["a", "b", "c", "d"]
        assert await tracker.all(random_user_id()) == [] and await tracker.latest(random_user_id(), 5) == []

    async def test_save_replaces_fields_and_result(self, tracker: Tracker) -> None:
        p = player()
        t = await tracker.register(p, REG, 1)
        changed = TournamentFields(
            name="Renamed", played_on=date(2025, 3, 3), buy_in=Decimal(5), fee=Decimal(1), venue="Club",
            currency="USD", format=Format.BOUNTY, entries=2, field_size=90, starting_stack=20000,
        )
        saved = await tracker.save(p.user_id, t.id, changed, Result(place=4, prize=Decimal(30), bounty=Decimal(7)), 2)
        assert saved is not None and saved.editable == changed and saved.id == t.id
        assert saved.result == Result(place=4, prize=Decimal(30), bounty=Decimal(7))
        # Saving again with another result replaces it (an edit, unlike record_result).
        saved = await tracker.save(p.user_id, t.id, changed, res(1, 100), 3)
        assert saved is not None and saved.result == res(1, 100)
        saved = await tracker.save(p.user_id, t.id, changed, None, 4)
        assert saved is not None and saved.result is None
        assert await tracker.save(p.user_id, t.id + 10**9, changed, None, 5) is None

    async def test_delete_the_result_then_the_tournament(self, tracker: Tracker) -> None:
        p = player()
        t = await tracker.register(p, REG, 1)
        assert await tracker.delete_result(p.user_id, t.id, 10) is None  # nothing to delete yet
        await tracker.record_result(p.user_id, t.id, res(2, 20), 2)
        undo_result = await tracker.delete_result(p.user_id, t.id, 11)
        assert undo_result is not None
        assert await tracker.delete_result(p.user_id, t.id, 11) == undo_result  # a redelivery
        assert [x.id for x in await tracker.pending(p.user_id, 5)] == [t.id]
        assert await tracker.record_result(p.user_id, t.id, res(1, 50), 3) is RecordOutcome.RECORDED
        undo_whole = await tracker.delete(p.user_id, t.id, 12)  # its result goes with it
        assert undo_whole is not None and undo_whole != undo_result
        assert await tracker.get(p.user_id, t.id) is None and await tracker.all(p.user_id) == []
        assert await tracker.delete(p.user_id, t.id, 13) is None
        assert await tracker.record_result(p.user_id, t.id, res(1, 50), 4) is RecordOutcome.ALREADY_RECORDED

    async def age_deletions(self, tracker: Tracker, by: timedelta) -> None:
        """Make every kept deletion ``by`` older (the implementation's clock or rows)."""
        raise NotImplementedError

    async def test_undo_puts_back_the_same_rows_once(self, tracker: Tracker) -> None:
        p, other = player(), player()
        t = await tracker.register(p, replace(REG, field_size=90, currency="EUR"), 1)
        await tracker.record_result(p.user_id, t.id, res(2, 20), 2)
        before = await tracker.get(p.user_id, t.id)
        undo_id = await tracker.delete(p.user_id, t.id, 3)
        assert undo_id is not None
        assert await tracker.undo_delete(other.user_id, undo_id, 4) is None  # not theirs
        restored = await tracker.undo_delete(p.user_id, undo_id, 5)
        assert restored == Restored(before, whole=True)  # assert the same id, fields and result
        assert await tracker.undo_delete(p.user_id, undo_id, 5) == restored  # a redelivery
        assert await tracker.undo_delete(p.user_id, undo_id, 6) is None  # pressed again
        assert await tracker.all(p.user_id) == [before]
        # Only the result: back on the same tournament, unless a new result took its place.
        undo_result = await tracker.delete_result(p.user_id, t.id, 7)
        assert undo_result is not None
        assert await tracker.undo_delete(p.user_id, undo_result, 8) == Restored(before, whole=False)
        undo_result = await tracker.delete_result(p.user_id, t.id, 9)
        assert undo_result is not None
        await tracker.record_result(p.user_id, t.id, res(7, 0), 10)
        assert await tracker.undo_delete(p.user_id, undo_result, 11) is None
        again = await tracker.get(p.user_id, t.id)
        assert again is not None and again.result == res(7, 0)

    async def test_undo_works_only_within_the_window(self, tracker: Tracker) -> None:
        p = player()
        t = await tracker.register(p, REG, 1)
        undo_id = await tracker.delete(p.user_id, t.id, 2)
        assert undo_id is not None
        await self.age_deletions(tracker, UNDO_WINDOW + timedelta(seconds=5))
        assert await tracker.undo_delete(p.user_id, undo_id, 3) is None
        assert await tracker.all(p.user_id) == []
        # Kept deletions are purged after PURGE_AFTER, at the player's next deletion.
        t2 = await tracker.register(p, on(2), 4)
        await self.age_deletions(tracker, PURGE_AFTER)
        assert await tracker.delete(p.user_id, t2.id, 5) is not None
        assert await tracker.undo_delete(p.user_id, undo_id, 6) is None

    async def test_venue_is_the_players_own(self, tracker: Tracker) -> None:
        a, b = player(), player()
        assert await tracker.venue(a.user_id) is None
        await tracker.set_venue(a, "Casino Royal")
        await tracker.set_venue(b, "Club")
        assert (await tracker.venue(a.user_id), await tracker.venue(b.user_id)) == ("Casino Royal", "Club")
        await tracker.set_venue(a, None)
        assert (await tracker.venue(a.user_id), await tracker.venue(b.user_id)) == (None, "Club")
        # Registering a tournament keeps the current venue.
        await tracker.set_venue(a, "Home")
        await tracker.register(Player(a.user_id, "Renamed", None), REG, 1)
        assert await tracker.venue(a.user_id) == "Home"

    async def test_settings_are_the_players_own_and_survive_other_writes(self, tracker: Tracker) -> None:
        a, b = player(), player()
        assert await tracker.settings(a.user_id) == PlayerSettings()
        chosen = PlayerSettings(language="ru", currency="EUR", reminder_hours=12)
        await tracker.save_settings(a, chosen)
        assert await tracker.settings(a.user_id) == chosen
        assert await tracker.settings(b.user_id) == PlayerSettings()
        # Registering, a venue and Telegram's own language code leave the choices alone.
        await tracker.register(Player(a.user_id, "Renamed", "en"), REG, 1)
        await tracker.set_venue(a, "Home")
        assert await tracker.settings(a.user_id) == chosen
        await tracker.save_settings(a, PlayerSettings())
        assert await tracker.settings(a.user_id) == PlayerSettings()

    async def test_settings_refuse_what_the_schema_refuses(self, store: TrackerStore, tracker: Tracker) -> None:
        p = player()
        with pytest.raises(self.refused):
            async with store.unit_of_work() as work:
                await work.save_settings(p, PlayerSettings(currency="euro"))
        assert await tracker.settings(p.user_id) == PlayerSettings()

    async def test_import_adds_and_updates_once_per_update(self, tracker: Tracker) -> None:
        p = player()
        mine = await tracker.register(p, REG, 1)
        rows = [
            ImportRow(line=2, id=mine.id, fields=on(7, "Edited"), result=res(3, 30)),
            ImportRow(line=3, id=None, fields=on(8, "New"), result=None),
            ImportRow(line=4, id=None, fields=on(9, "New with result"), result=res(1, 90)),
        ]
        assert await tracker.import_rows(p, rows, 2) == ImportOutcome(2, 1)
        assert await tracker.import_rows(p, rows, 2) == ImportOutcome(2, 1)  # a redelivery
        stored = await tracker.all(p.user_id)
        assert [(t.name, t.result) for t in stored] == [
            ("Edited", res(3, 30)), ("New", None), ("New with result", res(1, 90)),
        ]
        assert stored[0].id == mine.id
        # The same file sent again (another update) adds its new rows again; the row with an
        # id holds what is stored: unchanged, and reported so again on a redelivery.
        assert await tracker.import_rows(p, rows, 3) == ImportOutcome(2, 0, 1)
        assert await tracker.import_rows(p, rows, 3) == ImportOutcome(2, 0, 1)
        assert len(await tracker.all(p.user_id)) == 5

    async def test_import_counts_rows_that_change_nothing_as_unchanged(self, tracker: Tracker) -> None:
        p = player()
        a = await tracker.register(p, replace(REG, fee=Decimal(10)), 1)
        await tracker.record_result(p.user_id, a.id, res(3, 30), 2)
        b = await tracker.register(p, on(5, "B"), 3)
        same = ImportRow(line=2, id=a.id, fields=replace(REG, fee=Decimal("10.00")), result=res(3, 30))
        edited = ImportRow(line=3, id=b.id, fields=on(5, "B edited"), result=None)
        assert await tracker.import_rows(p, [same, edited], 4) == ImportOutcome(0, 1, 1)
        assert await tracker.import_rows(p, [same, edited], 4) == ImportOutcome(0, 1, 1)  # a redelivery
        assert await tracker.import_rows(p, [same, edited], 5) == ImportOutcome(0, 0, 2)
        # A changed result alone makes the row updated.
        prize = replace(same, result=res(3, 31))
        assert await tracker.import_rows(p, [prize], 6) == ImportOutcome(0, 1, 0)
        stored = await tracker.get(p.user_id, a.id)
        assert stored is not None and stored.result == res(3, 31)

    async def test_import_naming_anothers_ids_changes_nothing(self, tracker: Tracker) -> None:
        owner, intruder = player(), player()
        theirs = await tracker.register(owner, REG, 1)
        own = await tracker.register(intruder, on(1, "Own"), 1)
        rows = [
            ImportRow(line=2, id=None, fields=on(2, "Fine"), result=None),
            ImportRow(line=3, id=theirs.id, fields=on(2, "Hijack"), result=res(1, 9)),
            ImportRow(line=4, id=own.id, fields=on(2, "Own edited"), result=None),
            ImportRow(line=5, id=theirs.id + 10**9, fields=on(2, "Nobody's"), result=None),
        ]
        outcome = await tracker.import_rows(intruder, rows, 2)
        unknown = ((3, theirs.id), (5, theirs.id + 10**9))
        assert outcome == ImportOutcome(0, 0, unknown_ids=unknown) and not outcome.applied
        assert [t.name for t in await tracker.all(intruder.user_id)] == ["Own"]
        assert await tracker.all(owner.user_id) == [theirs]

    async def test_stats_over_the_players_tournaments(self, tracker: Tracker) -> None:
        p = player()
        a = await tracker.register(p, on(1, "a"), 1)
        await tracker.register(p, on(2, "b"), 2)
        await tracker.register(player(), on(3, "someone else's"), 3)
        await tracker.record_result(p.user_id, a.id, res(1, 50), 4)
        summary = summarize(StatsQuery(since=date(2025, 3, 1)).select(await tracker.all(p.user_id)))
        assert (summary.played, summary.pending, summary.total_cost, summary.profit) == (
            1, 1, Decimal(10), Decimal(40),
        )
        assert summary.best_finish is not None and summary.best_finish.name == "a"

    async def test_a_unit_of_work_that_raises_leaves_nothing(self, store: TrackerStore, tracker: Tracker) -> None:
        p = player()
        kept = await tracker.register(p, on(1, "kept"), 1)
        with pytest.raises(RuntimeError):
            async with store.unit_of_work() as work:
                await work.set_venue(p, "Club")
                await work.register(p, on(2, "gone"), 2)
                await work.record_result(p.user_id, kept.id, res(1, 5), 2)
                await work.import_rows(p, [ImportRow(line=2, id=None, fields=on(3, "gone too"), result=None)], 2)
                assert len(await work.all(p.user_id)) == 3  # the unit sees its own writes
                raise RuntimeError("the step failed after writing")
        assert await tracker.venue(p.user_id) is None
        assert await tracker.all(p.user_id) == [kept]
        # The same update run again writes as if the failed run never happened.
        async with store.unit_of_work() as work:
            assert (await work.register(p, on(2, "gone"), 2)).name == "gone"
        assert [t.name for t in await tracker.all(p.user_id)] == ["kept", "gone"]

    async def test_a_unit_of_work_that_ends_keeps_every_write(self, store: TrackerStore, tracker: Tracker) -> None:
        p = player()
        async with store.unit_of_work() as work:
            t = await work.register(p, REG, 1)
            await work.set_venue(p, "Club")
            await work.record_result(p.user_id, t.id, res(2, 20), 1)
        assert await tracker.venue(p.user_id) == "Club"
        assert [x.result for x in await tracker.all(p.user_id)] == [res(2, 20)]

    async def test_a_value_the_schema_refuses_changes_nothing(self, store: TrackerStore, tracker: Tracker) -> None:
        p = player()
        t = await tracker.register(p, REG, 1)
        bad = TournamentFields(name="Bad", played_on=date(2025, 1, 1), buy_in=Decimal(-1), venue="V")
        with pytest.raises(self.refused):
            async with store.unit_of_work() as work:
                await work.save(p.user_id, t.id, bad, None, 2)
        with pytest.raises(self.refused):
            async with store.unit_of_work() as work:
                await work.record_result(p.user_id, t.id, res(0, 10), 3)
        with pytest.raises(self.refused):
            async with store.unit_of_work() as work:
                await work.set_venue(p, "x" * 101)
        assert await tracker.all(p.user_id) == [t] and await tracker.venue(p.user_id) is None

    # --- currencies: /currency fills tournaments without one; /rate ---

    async def test_fill_currency_only_where_there_is_none(self, tracker: Tracker) -> None:
        a, b = player(), player()
        none = await tracker.register(a, on(1, "none"), 1)
        usd = await tracker.register(a, dataclasses.replace(on(2, "usd"), currency="USD"), 2)
        others = await tracker.register(b, on(3, "b's"), 3)
        assert await tracker.fill_currency(a.user_id, "EUR") == 1
        assert {t.name: t.currency for t in await tracker.all(a.user_id)} == {"none": "EUR", "usd": "USD"}
        assert (await tracker.get(b.user_id, others.id)) == others
        assert await tracker.fill_currency(a.user_id, "RUB") == 0
        assert none.id != usd.id

    async def test_currency_asked_is_kept(self, tracker: Tracker) -> None:
        p = player()
        asked = PlayerSettings(currency_asked_by=-(2**62))  # any update id, bigint
        await tracker.save_settings(p, asked)
        assert await tracker.settings(p.user_id) == asked

    async def test_rates_per_player_and_base(self, tracker: Tracker) -> None:
        a, b = player(), player()
        await tracker.set_rate(a, "EUR", "USD", Decimal("0.92"))
        await tracker.set_rate(a, "EUR", "RUB", Decimal("0.01025"))
        await tracker.set_rate(a, "RUB", "USD", Decimal("90"))
        assert await tracker.rates(a.user_id, "EUR") == {"RUB": Decimal("0.01025"), "USD": Decimal("0.92")}
        assert await tracker.rates(a.user_id, "RUB") == {"USD": Decimal(90)}
        assert await tracker.rates(b.user_id, "EUR") == {}
        await tracker.set_rate(a, "EUR", "USD", Decimal("0.93"))
        assert (await tracker.rates(a.user_id, "EUR"))["USD"] == Decimal("0.93")
        assert await tracker.delete_rate(a.user_id, "EUR", "USD") is True
        assert await tracker.delete_rate(a.user_id, "EUR", "USD") is False
        assert await tracker.rates(a.user_id, "EUR") == {"RUB": Decimal("0.01025")}

    async def test_rates_refuse_what_the_schema_refuses(self, store: TrackerStore, tracker: Tracker) -> None:
        p = player()
        for base, currency, rate in [("EUR", "EUR", Decimal(1)), ("EUR", "USD", Decimal(0)),
                                     ("EUR", "usd", Decimal(1)), ("EUR", "USD", Decimal(10_000_000))]:
            with pytest.raises(self.refused):
                async with store.unit_of_work() as work:
                    await work.set_rate(p, base, currency, rate)
        assert await tracker.rates(p.user_id, "EUR") == {}

    async def test_reminders_are_claimed_when_due_earliest_first_and_once(self, store: Any, tracker: Tracker) -> None:
        ann, bob = player(), Player(random_user_id(), "Bob", "ru")
        early = await tracker.register(ann, on(1), 1)
        late = await tracker.register(bob, on(2), 2)
        await tracker.schedule_reminder(bob.user_id, late.id, DUE + timedelta(hours=6))
        await tracker.schedule_reminder(ann.user_id, early.id, DUE)
        await tracker.schedule_reminder(ann.user_id, early.id, DUE + timedelta(days=9))  # a re-run: kept as it was
        assert await claimed(store, DUE - timedelta(seconds=1), ann, bob) == []
        assert await claimed(store, DUE + timedelta(hours=7), ann, bob) == [
            (early.id, ann.user_id, DUE), (late.id, bob.user_id, DUE + timedelta(hours=6)),
        ]
        assert await claimed(store, DUE + timedelta(days=30), ann, bob) == []  # published once
        async with store.claim_due(DUE, 1) as due:
            assert all(d.player_id not in (ann.user_id, bob.user_id) for d in due)

    async def test_a_claim_carries_the_players_language(self, store: Any, tracker: Tracker) -> None:
        bob = Player(random_user_id(), "Bob", "ru")
        t = await tracker.register(bob, REG, 1)
        await tracker.schedule_reminder(bob.user_id, t.id, DUE)
        async with store.claim_due(DUE, 10_000) as due:
            assert [d.language_code for d in due if d.player_id == bob.user_id] == ["ru"]

    async def test_a_claim_whose_block_raises_stays_due(self, store: Any, tracker: Tracker) -> None:
        p = player()
        t = await tracker.register(p, REG, 1)
        await tracker.schedule_reminder(p.user_id, t.id, DUE)
        with pytest.raises(RuntimeError):
            async with store.claim_due(DUE, 10_000) as due:
                assert t.id in [d.tournament_id for d in due]
                raise RuntimeError("publishing failed")
        assert await claimed(store, DUE, p) == [(t.id, p.user_id, DUE)]

    async def test_reminders_are_per_player(self, store: Any, tracker: Tracker) -> None:
        ann, bob = player(), player()
        a = await tracker.register(ann, on(1), 1)
        b = await tracker.register(bob, on(1), 1)
        await tracker.schedule_reminder(bob.user_id, a.id, DUE)  # not Bob's: nothing
        await tracker.schedule_reminder(ann.user_id, a.id, DUE)
        await tracker.schedule_reminder(bob.user_id, b.id, DUE)
        await tracker.cancel_reminders(bob.user_id)  # Bob turned them off
        assert await claimed(store, DUE, ann, bob) == [(a.id, ann.user_id, DUE)]

    async def test_a_result_or_a_deletion_drops_the_reminder(self, store: Any, tracker: Tracker) -> None:
        p = player()
        scored, edited, deleted, kept = [await tracker.register(p, on(d, str(d)), d) for d in (1, 2, 3, 4)]
        for t in (scored, edited, deleted, kept):
            await tracker.schedule_reminder(p.user_id, t.id, DUE)
        await tracker.record_result(p.user_id, scored.id, res(2, 50), 5)
        await tracker.save(p.user_id, edited.id, on(2, "2"), res(9, 0), 6)
        await tracker.delete(p.user_id, deleted.id, 7)  # ON DELETE CASCADE
        assert await claimed(store, DUE, p) == [(kept.id, p.user_id, DUE)]
