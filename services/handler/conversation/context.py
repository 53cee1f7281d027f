"""What a flow handler receives, and how it answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

from services.handler.conversation.replies import (
    AnswerCallback,
    Keyboard,
    Reply,
    SendMessage,
)
from services.handler.conversation.state import ConversationState
from services.handler.telegram import Incoming
from services.handler.texts import Catalogue
from services.handler.tracker.model import Player, Tracker


@dataclass
class Context:
    incoming: Incoming
    state: ConversationState
    tracker: Tracker
    texts: Catalogue
    replies: list[Reply] = field(default_factory=list)

    @property
    def user_id(self) -> int:
        return self.incoming.user_id

    @property
    def player(self) -> Player:
        inc = self.incoming
        return Player(inc.user_id, inc.first_name, inc.language_code)

    def say(self, text: str, keyboard: Keyboard | None = None) -> None:
        self.replies.append(SendMessage(self.incoming.chat_id, text, keyboard))

    def answer_callback(self, text: str | None = None) -> None:
        """Stop the client's spinner; the dispatcher does it for flows that don't."""
        self.replies.insert(0, AnswerCallback(self.incoming.callback_id, text))


Handler = Callable[[Context], Awaitable[None]]


def fmt_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")
