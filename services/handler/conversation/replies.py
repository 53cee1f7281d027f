"""What a conversation asks the Bot API to do, as plain values (sent after the data is saved)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CALLBACK_DATA_MAX_BYTES = 64


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str

    def __post_init__(self) -> None:
        if not 1 <= len(self.callback_data.encode()) <= CALLBACK_DATA_MAX_BYTES:
            raise ValueError("callback_data must be 1-64 bytes")


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class SendMessage:
    chat_id: int
    text: str
    keyboard: Keyboard | None = None

    def to_call(self) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {"chat_id": self.chat_id, "text": self.text}
        if self.keyboard:
            payload["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": b.text, "callback_data": b.callback_data} for b in row]
                    for row in self.keyboard
                ]
            }
        return "sendMessage", payload


@dataclass(frozen=True)
class AnswerCallback:
    callback_query_id: str
    text: str | None = None

    def to_call(self) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {"callback_query_id": self.callback_query_id}
        if self.text:
            payload["text"] = self.text
        return "answerCallbackQuery", payload


Reply = SendMessage | AnswerCallback
