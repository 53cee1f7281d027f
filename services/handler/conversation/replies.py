"""What a conversation asks the Bot API to do, as plain values (sent after the data is saved)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.ocr_api import OcrJob

if TYPE_CHECKING:  # the type only: the conversation does not load the HTTP client
    from services.common.telegram.client import FilePart

CALLBACK_DATA_MAX_BYTES = 64
INLINE_QUERY_MAX_CHARS = 256  # what a switch_inline_query button can type: an inline query's limit


@dataclass(frozen=True)
class Button:
    """An inline keyboard button: it sends ``callback_data`` back to the bot, or (exactly one
    of the two) it has the user pick a chat and types ``@bot <switch_inline_query>`` there."""

    text: str
    callback_data: str = ""
    switch_inline_query: str | None = None

    def __post_init__(self) -> None:
        if self.switch_inline_query is not None:
            if self.callback_data:
                raise ValueError("a button has either callback_data or switch_inline_query")
            if len(self.switch_inline_query) > INLINE_QUERY_MAX_CHARS:
                raise ValueError("switch_inline_query must be at most 256 characters")
        elif not 1 <= len(self.callback_data.encode()) <= CALLBACK_DATA_MAX_BYTES:
            raise ValueError("callback_data must be 1-64 bytes")

    def to_json(self) -> dict[str, str]:
        if self.switch_inline_query is not None:
            return {"text": self.text, "switch_inline_query": self.switch_inline_query}
        return {"text": self.text, "callback_data": self.callback_data}


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
            [b.to_json() for b in row] for row in keyboard
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


MESSAGE_MAX_CHARS = 4096
INLINE_RESULT_ID_MAX_BYTES = 64
INLINE_RESULTS_MAX = 50
# Inline answers hold the player's own numbers: Telegram caches them per user
# (``is_personal``) and only briefly, so a result logged a moment ago shows in the next card.
INLINE_CACHE_SECONDS = 10


@dataclass(frozen=True)
class InlineArticle:
    """An ``InlineQueryResultArticle``: a card the user taps to send its plain text (no
    parse_mode, so names and venues they typed show exactly as typed)."""

    id: str
    title: str
    description: str
    message_text: str

    def __post_init__(self) -> None:
        if not 1 <= len(self.id.encode()) <= INLINE_RESULT_ID_MAX_BYTES:
            raise ValueError("an inline result id must be 1-64 bytes")
        if not self.title or not 1 <= len(self.message_text) <= MESSAGE_MAX_CHARS:
            raise ValueError("an inline article needs a title and a 1-4096 character text")

    def to_json(self) -> dict[str, Any]:
        article: dict[str, Any] = {"type": "article", "id": self.id, "title": self.title}
        if self.description:
            article["description"] = self.description
        article["input_message_content"] = {"message_text": self.message_text}
        return article


@dataclass(frozen=True)
class AnswerInlineQuery:
    """The answer to an inline query; with no results, ``start_text`` is a button over the
    (empty) list that opens the private chat with the bot (``/start <start_parameter>``)."""

    inline_query_id: str
    results: tuple[InlineArticle, ...]
    start_text: str = ""
    start_parameter: str = "inline"
    cache_time: int = INLINE_CACHE_SECONDS

    def __post_init__(self) -> None:
        if len(self.results) > INLINE_RESULTS_MAX:
            raise ValueError("at most 50 inline results")

    def to_call(self) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {
            "inline_query_id": self.inline_query_id,
            "results": [r.to_json() for r in self.results],
            "cache_time": self.cache_time,
            "is_personal": True,
        }
        if self.start_text:
            payload["button"] = {"text": self.start_text, "start_parameter": self.start_parameter}
        return "answerInlineQuery", payload


@dataclass(frozen=True)
class RequestOcr:
    """Not a Bot API call: a ticket photo handed to the OCR service's queue."""

    job: OcrJob


Reply = SendMessage | AnswerCallback | SendPhoto | SendDocument | AnswerInlineQuery
Effect = Reply | RequestOcr
