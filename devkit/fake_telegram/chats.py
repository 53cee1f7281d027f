"""The simulated users and their private chats with the bot, as the fake keeps them."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devkit.fake_telegram.answers import JsonDict, RequestError


@dataclass
class UserProfile:
    """A simulated user; the latest first_name/username/language_code given are kept."""

    user_id: int
    first_name: str
    language_code: str = "en"
    username: str | None = None

    def as_user(self) -> JsonDict:
        user: JsonDict = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username:
            user["username"] = self.username
        return user


@dataclass
class Chat:
    """A private chat between the bot and one simulated user."""

    chat_id: int
    first_name: str | None = None
    chat_instance: str = field(default_factory=lambda: str(random.randint(-(2**62), 2**62)))
    next_message_id: int = 1
    messages: dict[int, JsonDict] = field(default_factory=dict)  # as Telegram stores them
    feed: list[JsonDict] = field(default_factory=list)  # the bot's messages, for /_users/...
    alerts: list[JsonDict] = field(default_factory=list)
    inline_answers: list[JsonDict] = field(default_factory=list)  # answerInlineQuery, by seq

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def as_chat(self) -> JsonDict:
        chat: JsonDict = {"id": self.chat_id, "type": "private"}
        if self.first_name:
            chat["first_name"] = self.first_name
        return chat


class Chats:
    """Every chat and simulated user the fake has seen, created on first use."""

    def __init__(self) -> None:
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, UserProfile] = {}

    def chat(self, chat_id: int, first_name: str | None = None) -> Chat:
        """The chat with ``chat_id``, created on first use."""
        chat = self.chats.get(chat_id)
        if chat is None:
            profile = self.users.get(chat_id)
            chat = Chat(chat_id, first_name or (profile.first_name if profile else None))
            self.chats[chat_id] = chat
        elif first_name:
            chat.first_name = first_name
        return chat

    def profile(self, user_id: int, body: Mapping[str, Any]) -> UserProfile:
        """The simulated user ``user_id``, updated with names/language given in ``body``."""
        profile = self.users.setdefault(user_id, UserProfile(user_id, f"User{user_id}"))
        for key in ("first_name", "language_code", "username"):
            value = body.get(key)
            if value is not None:
                if not isinstance(value, str) or not value:
                    raise RequestError(f"{key} must be a non-empty string")
                setattr(profile, key, value)
        return profile
