"""What a flow handler receives, and how it answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from services.handler.conversation.identity import UNNAMED_BOT, BotIdentity
from services.handler.conversation.replies import (
    AnswerCallback,
    Effect,
    Keyboard,
    RequestOcr,
    SendDocument,
    SendMessage,
    SendPhoto,
)
from services.handler.conversation.state import ConversationState
from services.handler.domain.settings import DEFAULT_SETTINGS, PlayerSettings
from services.handler.telegram import Incoming
from services.handler.texts import Catalogue
from services.handler.tracker.model import Player, Tracker
from shared.ocr_api import OcrJob


class FileSource(Protocol):
    """Where the files users send come from (the Bot API's getFile and file download)."""

    async def download(self, file_id: str, max_bytes: int) -> bytes | None: ...


@dataclass
class Context:
    incoming: Incoming
    state: ConversationState
    tracker: Tracker
    texts: Catalogue
    files: FileSource
    today: date
    # What the player chose; a flow that changes it saves it with ``tracker.save_settings``
    # and sets it here too, so the session's copy follows.
    settings: PlayerSettings = DEFAULT_SETTINGS
    replies: list[Effect] = field(default_factory=list)
    identity: BotIdentity = UNNAMED_BOT  # the bot's username: group answers link to it
    # When the update is handled (UTC): when a registration's reminder falls due.
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def user_id(self) -> int:
        return self.incoming.user_id

    @property
    def language(self) -> str | None:
        """The player's language: the one chosen with /language, else Telegram's."""
        return self.settings.language or self.incoming.language_code

    @property
    def player(self) -> Player:
        inc = self.incoming
        return Player(inc.user_id, inc.first_name, inc.language_code)

    def say(self, text: str, keyboard: Keyboard | None = None) -> None:
        self.replies.append(SendMessage(self.incoming.chat_id, text, keyboard))

    def send_photo(self, png: bytes, filename: str, caption: str = "") -> None:
        self.replies.append(SendPhoto(self.incoming.chat_id, png, filename, "image/png", caption))

    def send_document(self, content: bytes, filename: str, content_type: str, caption: str = "") -> None:
        self.replies.append(SendDocument(self.incoming.chat_id, content, filename, content_type, caption))

    def request_ocr(self, file_id: str) -> None:
        inc = self.incoming
        job = OcrJob(
            user_id=inc.user_id,
            chat_id=inc.chat_id,
            update_id=inc.update_id,
            file_id=file_id,
            language_code=self.language,
        )
        self.replies.append(RequestOcr(job))

    def answer_callback(self, text: str | None = None) -> None:
        """Stop the client's spinner; the dispatcher does it for flows that don't."""
        self.replies.insert(0, AnswerCallback(self.incoming.callback_id, text))


Handler = Callable[[Context], Awaitable[None]]


def fmt_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")
