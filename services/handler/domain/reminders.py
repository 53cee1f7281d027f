"""Result reminders: when one is due, and what ``/reminders`` accepts.

A reminder is due ``hours`` after the tournament was registered, but never before the
tournament's day (UTC, as ``today`` is everywhere in the bot) has started plus ``hours``: a
tournament registered on Monday for Saturday is nudged on Saturday at ``hours`` past midnight,
not on Monday evening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from services.handler.domain.settings import REMINDER_HOURS

OFF_WORDS = frozenset({"off", "no", "none", "0", "выкл", "выключить", "нет", "отключить"})
_HOURS = re.compile(r"([0-9]{1,3})\s*(?:h|hr|hrs|hours?|ч|час|часа|часов)?")


def reminder_due(registered_at: datetime, played_on: date, hours: int) -> datetime:
    """When the nudge for a tournament on ``played_on``, registered at ``registered_at``, is due."""
    day_starts = datetime.combine(played_on, time(), UTC)
    return max(registered_at, day_starts) + timedelta(hours=hours)


@dataclass(frozen=True)
class NotAChoice:
    """What was typed after /reminders, when it is neither a delay offered nor off."""

    value: str


def parse_reminder_choice(text: str) -> int | NotAChoice | None:
    """The delay in hours (one of ``REMINDER_HOURS``), ``None`` for off, or ``NotAChoice``:
    ``12h``, ``12``, ``12 ч``, ``12ч`` give 12; ``off``, ``выкл`` give ``None``."""
    word = text.strip().lower().rstrip(".")
    if word in OFF_WORDS:
        return None
    match = _HOURS.fullmatch(word)
    if match is not None and int(match.group(1)) in REMINDER_HOURS:
        return int(match.group(1))
    quoted = text.strip()
    return NotAChoice(quoted if len(quoted) <= 64 else quoted[:63] + "…")
