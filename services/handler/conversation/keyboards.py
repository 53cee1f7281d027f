"""Inline keyboards, and the callback_data they carry (always within Telegram's 64 bytes).

A button's data is ``<prefix>:<argument>``; the dispatcher routes on the prefix.  A button
that names a tournament is checked against the presser's own tournaments when pressed, and a
button that confirms something is only honoured in the step that showed it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.handler.conversation.context import fmt_date
from services.handler.conversation.replies import Button, Keyboard
from services.handler.domain.records import Format, Game, Tournament
from services.handler.domain.settings import REMINDER_HOURS
from services.handler.texts import Catalogue

PICK_RESULT = "res"
PICK_EDIT = "ed"
PICK_DELETE = "del"
DELETE = "dx"  # dx:<r|t|k>:<id>  delete the result / the tournament / keep it
REG_DATE = "rd"  # rd:today | rd:yday
REG_VENUE = "rv"  # rv:cur  the current venue
REG_GAME = "rg"  # rg:<Game>
REG_FORMAT = "rf"  # rf:<Format>
TICKET = "tk"  # tk:ok | tk:edit | tk:no
REMINDERS = "rem"  # rem:off | rem:<hours>

_ID = re.compile(r"[0-9]{1,19}")  # ASCII only (isdigit() accepts "²"); range checked below
MAX_ID = 2**63 - 1  # bigint: every id a tournament can have
_LABEL_MAX = 60


def argument(callback_data: str) -> str:
    return callback_data.partition(":")[2]


def parse_tournament_id(callback_data: str) -> int | None:
    raw = callback_data.rpartition(":")[2]
    return int(raw) if _ID.fullmatch(raw) and int(raw) <= MAX_ID else None


def _label(t: Tournament) -> str:
    suffix = f" · {fmt_date(t.played_on)}"
    name = t.name if len(t.name) + len(suffix) <= _LABEL_MAX else t.name[: _LABEL_MAX - len(suffix) - 1] + "…"
    return name + suffix


def tournament_buttons(tournaments: Sequence[Tournament], prefix: str) -> Keyboard:
    """One button per tournament: "Name · DD.MM.YYYY"."""
    return tuple((Button(_label(t), f"{prefix}:{t.id}"),) for t in tournaments)


def pending_tournaments(tournaments: Sequence[Tournament]) -> Keyboard:
    return tournament_buttons(tournaments, PICK_RESULT)


def delete_choices(t: Tournament, texts: Catalogue) -> Keyboard:
    rows = []
    if t.result is not None:
        rows.append((Button(texts.button_delete_result, f"{DELETE}:r:{t.id}"),))
    rows.append((Button(texts.button_delete_tournament, f"{DELETE}:t:{t.id}"),))
    rows.append((Button(texts.button_keep, f"{DELETE}:k:{t.id}"),))
    return tuple(rows)


def dates(texts: Catalogue) -> Keyboard:
    return ((Button(texts.button_today, f"{REG_DATE}:today"), Button(texts.button_yesterday, f"{REG_DATE}:yday")),)


def current_venue(venue: str | None) -> Keyboard | None:
    return ((Button(venue[:_LABEL_MAX], f"{REG_VENUE}:cur"),),) if venue else None


def games(texts: Catalogue) -> Keyboard:
    buttons = [Button(texts.game_names[g], f"{REG_GAME}:{g.value}") for g in Game]
    return (tuple(buttons[:3]), tuple(buttons[3:]))


def formats(texts: Catalogue) -> Keyboard:
    buttons = [Button(texts.format_names[f], f"{REG_FORMAT}:{f.value}") for f in Format]
    return (tuple(buttons[:3]), tuple(buttons[3:]))


def ticket_actions(texts: Catalogue) -> Keyboard:
    return (
        (
            Button(texts.button_confirm, f"{TICKET}:ok"),
            Button(texts.button_edit, f"{TICKET}:edit"),
            Button(texts.button_cancel, f"{TICKET}:no"),
        ),
    )


def reminder_choices(texts: Catalogue, current: int | None) -> Keyboard:
    """Off / 6 h / 12 h / 24 h in one row, the current choice marked."""
    choices: list[tuple[int | None, str]] = [(None, texts.reminders_button_off)]
    choices += [(h, texts.reminders_button_hours.format(hours=h)) for h in REMINDER_HOURS]
    return (
        tuple(
            Button(("✅ " if value == current else "") + label, f"{REMINDERS}:{'off' if value is None else value}")
            for value, label in choices
        ),
    )


def enter_result(t: Tournament, texts: Catalogue) -> Keyboard:
    """The reminder's one button: straight to the result of ``t``, as /result's pick does."""
    return ((Button(texts.reminder_button, f"{PICK_RESULT}:{t.id}"),),)
