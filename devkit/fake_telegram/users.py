"""Simulated users: the Updates Telegram would send when a user writes, sends a photo or a
file, presses a button or types an inline query (``@bot stats``); and which callback and
inline queries are waiting for the bot's answer."""

from __future__ import annotations

import base64
import binascii
import copy
import itertools
import random
import re
import time
from collections.abc import Mapping
from typing import Any

from devkit.fake_telegram.answers import JsonDict, RequestError
from devkit.fake_telegram.chats import Chats
from devkit.fake_telegram.files import FileStore, NotAnImage
from devkit.fake_telegram.params import MAX_CAPTION_LENGTH

BOT_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]+)?")
MAX_INLINE_QUERY_LENGTH = 256  # Telegram's limit on the text after @bot
# Where an inline query is typed (InlineQuery.chat_type): "sender" is the user's chat with the bot.
INLINE_CHAT_TYPES = frozenset({"sender", "private", "group", "supergroup", "channel"})


def _decode_base64(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise RequestError(f"{name} must be the file's bytes in base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(f"{name} must be the file's bytes in base64") from None


def _caption(body: Mapping[str, Any]) -> JsonDict:
    caption = body.get("caption")
    if caption is None:
        return {}
    if not isinstance(caption, str) or len(caption) > MAX_CAPTION_LENGTH:
        raise RequestError(f"caption must be a string of at most {MAX_CAPTION_LENGTH} characters")
    return {"caption": caption} if caption else {}


class SimulatedUsers:
    """Builds the users' Updates (their messages are kept in the chats, as the bot's are)."""

    def __init__(self, chats: Chats, files: FileStore) -> None:
        self.chats = chats
        self.files = files
        self._update_ids = itertools.count(random.randint(100_000, 900_000))
        self._callback_ids = itertools.count(random.randint(10**17, 9 * 10**17))
        self._open_callbacks: dict[str, int] = {}  # callback_query id -> user id, until answered
        self._open_inline: dict[str, int] = {}  # inline_query id -> user id, until answered

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def answer_callback(self, query_id: str) -> int | None:
        """The user whose callback query ``query_id`` is open, closing it; None if none is."""
        return self._open_callbacks.pop(query_id, None)

    def answer_inline(self, query_id: str) -> int | None:
        """The user whose inline query ``query_id`` is open, closing it; None if none is."""
        return self._open_inline.pop(query_id, None)

    def _user_message(
        self, user_id: int, body: Mapping[str, Any], content: JsonDict
    ) -> JsonDict:
        """A ``message`` Update from the user with ``content`` (text, photo, document, ...)."""
        profile = self.chats.profile(user_id, body)
        chat = self.chats.chat(user_id, profile.first_name)
        message: JsonDict = {
            "message_id": chat.allocate_message_id(),
            "from": profile.as_user(),
            "chat": chat.as_chat(),
            "date": int(time.time()),
            **content,
        }
        chat.messages[message["message_id"]] = message
        return {"update_id": self.next_update_id(), "message": copy.deepcopy(message)}

    def message_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        """A ``message`` Update as Telegram would send it when the user writes ``text``."""
        text = body.get("text")
        if not isinstance(text, str) or not text:
            raise RequestError("text must be a non-empty string")
        content: JsonDict = {"text": text}
        if command := BOT_COMMAND_RE.match(text):
            length = len(command.group(0).encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._user_message(user_id, body, content)

    def photo_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        """The user sends a photo: stored as Telegram does (JPEG, a thumbnail and the full size,
        largest last) and delivered as a ``message`` with ``photo`` and an optional caption."""
        data = _decode_base64(body.get("photo"), "photo")
        caption = _caption(body)
        try:
            sizes = self.files.store_photo(data)
        except NotAnImage:
            raise RequestError("photo must be an image (Telegram apps send only images as photos)") from None
        return self._user_message(user_id, body, {"photo": sizes, **caption})

    def document_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        """The user sends a file: stored unchanged and delivered as a ``message`` with
        ``document`` (mime_type from the body, else guessed from file_name)."""
        data = _decode_base64(body.get("document"), "document")
        file_name, mime_type = body.get("file_name"), body.get("mime_type")
        for key, value in (("file_name", file_name), ("mime_type", mime_type)):
            if value is not None and (not isinstance(value, str) or not value):
                raise RequestError(f"{key} must be a non-empty string")
        caption = _caption(body)
        stored = self.files.store_document(data, file_name, mime_type)
        return self._user_message(user_id, body, {"document": stored.as_document(), **caption})

    def callback_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        """A ``callback_query`` Update as Telegram sends it when the user presses a button."""
        message_id, data = body.get("message_id"), body.get("data")
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            raise RequestError("message_id must be an integer")
        if not isinstance(data, str):
            raise RequestError("data must be a string")
        profile = self.chats.profile(user_id, body)
        chat = self.chats.chat(user_id, profile.first_name)
        stored = chat.messages.get(message_id)
        # An inaccessible message (deleted, or unknown to the fake) has date 0, like Telegram.
        message = copy.deepcopy(stored) if stored else {
            "message_id": message_id, "chat": chat.as_chat(), "date": 0,
        }  # fmt: skip
        query_id = str(next(self._callback_ids))
        self._open_callbacks[query_id] = user_id
        callback = {
            "id": query_id,
            "from": profile.as_user(),
            "message": message,
            "chat_instance": chat.chat_instance,
            "data": data,
        }
        return {"update_id": self.next_update_id(), "callback_query": callback}

    def inline_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        """An ``inline_query`` Update as Telegram sends it while the user types ``@bot <query>``
        (or presses a button that types it, ``switch_inline_query``)."""
        query, chat_type = body.get("query"), body.get("chat_type", "sender")
        if not isinstance(query, str) or len(query) > MAX_INLINE_QUERY_LENGTH:
            raise RequestError(f"query must be a string of at most {MAX_INLINE_QUERY_LENGTH} characters")
        if chat_type not in INLINE_CHAT_TYPES:
            raise RequestError(f"chat_type must be one of {', '.join(sorted(INLINE_CHAT_TYPES))}")
        profile = self.chats.profile(user_id, body)
        query_id = str(next(self._callback_ids))
        self._open_inline[query_id] = user_id
        inline = {"id": query_id, "from": profile.as_user(), "query": query, "offset": "", "chat_type": chat_type}
        return {"update_id": self.next_update_id(), "inline_query": inline}

    def register_raw_update(self, update: Mapping[str, Any]) -> None:
        """Make a crafted update's callback or inline query answerable, as if the fake had sent it."""
        for kind, open_queries in (("callback_query", self._open_callbacks), ("inline_query", self._open_inline)):
            query = update.get(kind)
            if isinstance(query, dict) and "id" in query:
                sender = query.get("from")
                user_id = sender.get("id") if isinstance(sender, dict) else None
                if isinstance(user_id, int):
                    open_queries[str(query["id"])] = user_id
