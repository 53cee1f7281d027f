"""Conversation state, the only thing stored in a user's session."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from services.handler.domain.edits import Draft
from services.handler.domain.settings import PlayerSettings


class Step(StrEnum):
    IDLE = "idle"
    REGISTER = "register"  # waiting for the one-line tournament, or its name to go step by step
    REG_DATE = "reg_date"  # step by step: the ``draft`` has a name, waiting for the date
    REG_BUY_IN = "reg_buy_in"
    REG_VENUE = "reg_venue"
    REG_GAME = "reg_game"  # game type buttons shown
    REG_FORMAT = "reg_format"  # format buttons shown; the press saves the tournament
    RESULT_PICK = "result_pick"  # the tournament buttons are shown
    RESULT = "result"  # waiting for "place | prize" of ``tournament_id``
    EDIT_PICK = "edit_pick"
    EDIT = "edit"  # ``field: value`` lines for ``tournament_id`` until "done"
    DELETE_PICK = "delete_pick"
    DELETE_CONFIRM = "delete_confirm"  # the confirmation buttons for ``tournament_id``
    TICKET = "ticket"  # a ticket read by OCR is shown (``draft``) with Confirm / Edit / Cancel
    TICKET_EDIT = "ticket_edit"  # ``field: value`` lines for the ticket until "done"
    SET_VENUE = "set_venue"  # waiting for the name of the current venue
    CURRENCY = "currency"  # waiting for the default currency (its buttons are shown)


class ConversationState(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    step: Step = Step.IDLE
    tournament_id: int | None = None
    draft: Draft | None = None
    # A copy of the player's settings (the tracker holds them), so that an update which does
    # not touch the tracker needs no database read; ``None`` until read, or if the session
    # was lost.  The dispatcher keeps it across steps: flows never set it.
    settings: PlayerSettings | None = None

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> ConversationState:
        """A session from an older or broken version reads as idle rather than failing."""
        try:
            return cls.model_validate(data)
        except ValidationError:
            return cls()

    def to_session(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True, exclude_none=True)


IDLE = ConversationState()
