"""What a conversation asks the Bot API to do, as plain values (sent after the data is saved)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.ocr_api import OcrJob

if TYPE_CHECKING:  # the type only: the conversation does not load the HTTP client
    from services.common.telegram.client import FilePart

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
class ReplyKeyboard:
    """A keyboard under the input field (``ReplyKeyboardMarkup``): pressing a button sends
    its label as a message.  It stays until removed or replaced, and fits its buttons."""

    rows: tuple[tuple[str, ...], ...]

    def markup(self) -> dict[str, Any]:
        return {
            "keyboard": [[{"text": label} for label in row] for row in self.rows],
            "is_persistent": True,
            "resize_keyboard": True,
        }


@dataclass(frozen=True)
class RemoveKeyboard:
    """Takes a ``ReplyKeyboard`` away (``ReplyKeyboardRemove``)."""

    def markup(self) -> dict[str, Any]:
        return {"remove_keyboard": True}


def _markup(keyboard: Keyboard | None) -> dict[str, Any] | None:
    if not keyboard:
        return None
    return {
        "inline_keyboard": [
            [{"text": b.text, "callback_data": b.callback_data} for b in row] for row in keyboard
        ]
    }


@dataclass(frozen=True)
class SendMessage:
    chat_id: int
    text: str
    keyboard: Keyboard | None = None
    # A message carries one markup: the inline ``keyboard`` if any, else this one.
    reply_keyboard: ReplyKeyboard | RemoveKeyboard | None = None

    def to_call(self) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {"chat_id": self.chat_id, "text": self.text}
        if markup := _markup(self.keyboard):
            payload["reply_markup"] = markup
        elif self.reply_keyboard is not None:
            payload["reply_markup"] = self.reply_keyboard.markup()
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


@dataclass(frozen=True)
class SendFile:
    """A picture (``sendPhoto``) or a document (``sendDocument``), uploaded as multipart."""

    chat_id: int
    content: bytes
    filename: str
    content_type: str
    caption: str = ""
    keyboard: Keyboard | None = None

    method = ""
    field = ""

    def to_upload(self) -> tuple[str, dict[str, str], FilePart]:
        form = {"chat_id": str(self.chat_id)}
        if self.caption:
            form["caption"] = self.caption
        if markup := _markup(self.keyboard):
            form["reply_markup"] = json.dumps(markup, ensure_ascii=False)
        return self.method, form, (self.field, (self.filename, self.content, self.content_type))


@dataclass(frozen=True)
class SendPhoto(SendFile):
    method = "sendPhoto"
    field = "photo"


@dataclass(frozen=True)
class SendDocument(SendFile):
    method = "sendDocument"
    field = "document"


@dataclass(frozen=True)
class RequestOcr:
    """Not a Bot API call: a ticket photo handed to the OCR service's queue."""

    job: OcrJob


Reply = SendMessage | AnswerCallback | SendPhoto | SendDocument
Effect = Reply | RequestOcr
