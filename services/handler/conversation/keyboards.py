"""Inline keyboards, and the callback_data they carry (always within Telegram's 64 bytes)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.handler.conversation.context import fmt_date
from services.handler.conversation.replies import Button, Keyboard
from services.handler.tracker.model import Tournament

PICK_RESULT = "res"
_ID = re.compile(r"[0-9]{1,18}")  # fits bigint; ASCII only (isdigit() accepts "²")
_LABEL_MAX = 60


def pick_result_data(tournament_id: int) -> str:
    return f"{PICK_RESULT}:{tournament_id}"


def parse_tournament_id(callback_data: str) -> int | None:
    _, _, raw = callback_data.partition(":")
    return int(raw) if _ID.fullmatch(raw) else None


def pending_tournaments(tournaments: Sequence[Tournament]) -> Keyboard:
    """One button per tournament: "Name · DD.MM.YYYY"."""
    rows = []
    for t in tournaments:
        suffix = f" · {fmt_date(t.played_on)}"
        name = t.name if len(t.name) + len(suffix) <= _LABEL_MAX else t.name[: _LABEL_MAX - len(suffix) - 1] + "…"
        rows.append((Button(name + suffix, pick_result_data(t.id)),))
    return tuple(rows)
