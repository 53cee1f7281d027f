"""Conversation state, the only thing stored in a user's session."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class Step(StrEnum):
    IDLE = "idle"
    REGISTER = "register"  # waiting for the one-line tournament
    RESULT_PICK = "result_pick"  # the tournament buttons are shown
    RESULT = "result"  # waiting for "place | payout" of ``tournament_id``


class ConversationState(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    step: Step = Step.IDLE
    tournament_id: int | None = None

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> ConversationState:
        """A session from an older or broken version reads as idle rather than failing."""
        try:
            return cls.model_validate(data)
        except ValidationError:
            return cls()

    def to_session(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)


IDLE = ConversationState()
