"""Contract of a result reminder: a message a handler replica puts into a player's partition.

A player who chose a delay with ``/reminders`` gets one nudge for a tournament they registered
and have not entered the result of.  Each due reminder is a row in PostgreSQL
(``tracker.reminders``); a scheduler in every handler replica claims due rows, publishes a
``ReminderDue`` to the updates exchange with the player's partition routing key and the header
``x-kind: reminder``, and marks the rows published once RabbitMQ confirmed them.  The message
reaches the conversation in order with the player's other updates and through the same
deduplication: its ``event_id`` is ``reminder_event_id(tournament_id)``, so a reminder
published again (a replica died between the confirm and the commit) is applied once.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

KIND_REMINDER = "reminder"

# Telegram update_ids are positive and below 2**31 today; ticket readings use -update_id
# (shared.ocr_api.ticket_event_id).  Reminders use -(2**52 + tournament_id): below every
# ticket id, inside a bigint, and one id per tournament, so a republished reminder is the
# same event.
REMINDER_EVENT_BASE = 2**52


def reminder_event_id(tournament_id: int) -> int:
    """The id under which a tournament's reminder is deduplicated: never an update or ticket id."""
    return -(REMINDER_EVENT_BASE + tournament_id)


class ReminderDue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: int = Field(description="Telegram user id of the player")
    chat_id: int = Field(description="where the nudge goes: the player's private chat")
    tournament_id: int = Field(ge=1)
    event_id: int = Field(lt=-REMINDER_EVENT_BASE, description="reminder_event_id(tournament_id)")
    language_code: str | None = Field(None, description="the player's Telegram language, as last seen")
