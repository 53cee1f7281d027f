"""Inline keyboards, and the callback_data they carry (always within Telegram's 64 bytes).

A button's data is ``<prefix>:<argument>``; the dispatcher routes on the prefix.  A button
that names a tournament is checked against the presser's own tournaments when pressed, and a
button that confirms something is only honoured in the step that showed it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.handler.conversation.context import fmt_date
from services.handler.conversation.replies import Button, Keyboard, ReplyKeyboard
from services.handler.domain.money import CURRENCY_SYMBOLS
from services.handler.domain.records import Format, Game, Tournament
from services.handler.domain.settings import REMINDER_HOURS
from services.handler.texts import Catalogue

PICK_RESULT = "res"
PICK_EDIT = "ed"
PICK_DELETE = "del"
DELETE = "dx"  # dx:<r|t|k>:<id>  delete the result / the tournament / keep it
REG_DATE = "rd"  # rd:today | rd:yday | rd:tmrw
REG_VENUE = "rv"  # rv:cur  the current venue
REG_GAME = "rg"  # rg:<Game>
REG_FORMAT = "rf"  # rf:<Format>
TICKET = "tk"  # tk:ok | tk:edit | tk:no
UNDO = "un"  # un:<undo id>  put back what a /delete removed
TOURNAMENTS_PAGE = "tp"  # tp:<offset>  the page of /tournaments starting at that (newest-first) offset
LANGUAGE = "lang"  # lang:en | lang:ru | lang:auto
CURRENCY = "cur"  # cur:<ISO code>  the player's default currency
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


def undo(undo_id: int, texts: Catalogue) -> Keyboard:
    return ((Button(texts.button_undo, f"{UNDO}:{undo_id}"),),)


def tournament_pages(newer: int | None, older: int | None, texts: Catalogue) -> Keyboard | None:
    """« Newer / Older » for the pages at those offsets (``None``: no such page)."""
    buttons = []
    if newer is not None:
        buttons.append(Button(texts.button_newer, f"{TOURNAMENTS_PAGE}:{newer}"))
    if older is not None:
        buttons.append(Button(texts.button_older, f"{TOURNAMENTS_PAGE}:{older}"))
    return (tuple(buttons),) if buttons else None


def dates(texts: Catalogue) -> Keyboard:
    return (
        (
            Button(texts.button_today, f"{REG_DATE}:today"),
            Button(texts.button_yesterday, f"{REG_DATE}:yday"),
            Button(texts.button_tomorrow, f"{REG_DATE}:tmrw"),
        ),
    )


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


# Each language named in itself, the same in every catalogue.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}
LANGUAGE_AUTO = "auto"


def languages(texts: Catalogue) -> Keyboard:
    named = tuple(Button(name, f"{LANGUAGE}:{code}") for code, name in LANGUAGE_NAMES.items())
    return (named, (Button(texts.button_language_auto, f"{LANGUAGE}:{LANGUAGE_AUTO}"),))


def main_menu(texts: Catalogue) -> ReplyKeyboard:
    """The reply keyboard under the input field: the main commands, and one to hide it."""
    return ReplyKeyboard(
        ((texts.menu_register, texts.menu_result), (texts.menu_stats, texts.menu_graph), (texts.menu_hide,))
    )


MENU_HIDE = "hide"  # what menu_action() returns for the "Hide menu" button


def menu_actions(texts: Catalogue) -> dict[str, str]:
    """The menu's labels in this language, each to the command it stands for (or MENU_HIDE)."""
    return {
        texts.menu_register: "register",
        texts.menu_result: "result",
        texts.menu_stats: "stats",
        texts.menu_graph: "graph",
        texts.menu_hide: MENU_HIDE,
    }
SHARE_RESULT = "result"  # switch_inline_query "result <id>": answered by flows/share.py


def share_result(t: Tournament, texts: Catalogue) -> Keyboard:
    """"Share": the user picks a chat, Telegram types ``@bot result <id>`` there, and the
    result's card is sent only when they tap it."""
    return ((Button(texts.button_share, switch_inline_query=f"{SHARE_RESULT} {t.id}"),),)
COMMON_CURRENCIES = (("EUR", "USD", "RUB", "GBP"), ("KZT", "UAH", "PLN", "CHF"))


def currencies() -> Keyboard:
    """The common currencies, their sign first where they have one (``€ EUR``)."""
    return tuple(
        tuple(Button(f"{CURRENCY_SYMBOLS[c]} {c}" if c in CURRENCY_SYMBOLS else c, f"{CURRENCY}:{c}") for c in row)
        for row in COMMON_CURRENCIES
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
