"""How ``PgTracker`` and its mixins read tournaments: the columns of a tournament with its
result (``tracker.tournaments`` left-joined to ``tracker.results``), the fields as statement
parameters, and a fetched row as a ``Tournament``."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.handler.domain.records import Format, Game, Result, Tournament, TournamentFields

_COLUMNS = """
t.id, t.player_id, t.name, t.played_on, t.venue, t.buy_in, t.fee, t.currency, t.game, t.format,
t.entries, t.rebuys, t.addons, t.field_size, t.starting_stack,
r.place, r.prize, r.bounty
"""
# _COLUMNS of a tournament just inserted (as ``t``), which has no result yet.
_NEW_COLUMNS = (
    _COLUMNS.split("r.place")[0] + "NULL::integer AS place, NULL::numeric AS prize, NULL::numeric AS bounty"
)
_FROM = "tracker.tournaments t LEFT JOIN tracker.results r ON r.tournament_id = t.id"
_ORDER_NEWEST = "ORDER BY t.played_on DESC, t.id DESC"

_FIELD_COLUMNS = (
    "name, played_on, venue, buy_in, fee, currency, game, format, entries, rebuys, addons,"
    " field_size, starting_stack"
)


def _field_values(f: TournamentFields) -> tuple[Any, ...]:
    return (
        f.name, f.played_on, f.venue, f.buy_in, f.fee, f.currency, f.game.value, f.format.value,
        f.entries, f.rebuys, f.addons, f.field_size, f.starting_stack,
    )


def _tournament(row: asyncpg.Record) -> Tournament:
    result = None
    if row["place"] is not None:
        result = Result(place=row["place"], prize=row["prize"], bounty=row["bounty"])
    return Tournament(
        id=row["id"],
        player_id=row["player_id"],
        name=row["name"],
        played_on=row["played_on"],
        venue=row["venue"],
        buy_in=row["buy_in"],
        fee=row["fee"],
        currency=row["currency"],
        game=Game(row["game"]),
        format=Format(row["format"]),
        entries=row["entries"],
        rebuys=row["rebuys"],
        addons=row["addons"],
        field_size=row["field_size"],
        starting_stack=row["starting_stack"],
        result=result,
    )
