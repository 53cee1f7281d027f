"""What a player chose for themselves: language, default currency, reminders.

Stored with the player (``tracker.players``), read once per update by the conversation and
changed by the commands that set them (/language, /currency, /reminders).  The defaults are
what a player who never chose gets.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "ru")  # the catalogues there are (services/handler/texts)
REMINDER_HOURS = (6, 12, 24)  # the delays /reminders offers


@dataclass(frozen=True)
class PlayerSettings:
    language: str | None = None  # one of LANGUAGES; None follows Telegram's language_code
    currency: str = ""  # default currency, an ISO 4217 code such as EUR; "" until chosen
    reminder_hours: int | None = None  # one of REMINDER_HOURS; None: reminders off
    # The update in which the bot asked which currency the player plays in: asked once, when
    # a tournament is saved without one and no default is set, never again, answered or not.
    # An update id, not a flag, so that the same update run again (after a crash) asks again
    # and its reply reads the same.
    currency_asked_by: int | None = None

    def __post_init__(self) -> None:
        if self.language is not None and self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}")
        if self.reminder_hours is not None and self.reminder_hours not in REMINDER_HOURS:
            raise ValueError(f"reminder_hours must be one of {REMINDER_HOURS}")


DEFAULT_SETTINGS = PlayerSettings()
