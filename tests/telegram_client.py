"""Talking to the fake Telegram as users do: send text, press buttons, read the bot's replies."""

from __future__ import annotations

import time
from typing import Any

import httpx


class TelegramUser:
    def __init__(
        self,
        http: httpx.AsyncClient,
        user_id: int,
        language: str = "en",
        *,
        max_attempts: int = 8,
        copies: int = 1,
    ) -> None:
        self.http = http
        self.user_id = user_id
        self.language = language
        self.max_attempts = max_attempts  # Telegram-like delivery retries per update
        self.copies = copies  # each update delivered this many times (Telegram retries)
        self.seen = 0  # message_id of the last bot message read

    async def send(self, text: str) -> int:
        """Send a message the way Telegram would deliver it; return its update_id."""
        r = await self.http.post(
            f"/_users/{self.user_id}/messages",
            json={"text": text, "language_code": self.language, "first_name": "Tester",
                  "max_attempts": self.max_attempts, "copies": self.copies},
        )
        r.raise_for_status()
        body = r.json()
        assert body["status"] == 200, body
        return body["update_id"]

    async def press(self, message_id: int, data: str) -> int:
        r = await self.http.post(
            f"/_users/{self.user_id}/callback",
            json={"message_id": message_id, "data": data, "language_code": self.language,
                  "max_attempts": self.max_attempts, "copies": self.copies},
        )
        r.raise_for_status()
        body = r.json()
        assert body["status"] == 200, body
        return body["update_id"]

    async def reply(self, timeout: float = 30.0) -> dict[str, Any]:
        """The next bot message in this chat, waiting for it up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            r = await self.http.get(
                f"/_users/{self.user_id}/messages",
                params={"after": self.seen, "wait": min(left, 5.0)},
            )
            r.raise_for_status()
            fresh = [m for m in r.json()["messages"] if not m.get("edited")]
            if fresh:
                self.seen = fresh[0]["message_id"]
                return fresh[0]
        raise AssertionError(f"no reply for user {self.user_id} within {timeout}s")

    async def say(self, text: str, timeout: float = 30.0) -> str:
        await self.send(text)
        return (await self.reply(timeout))["text"]

    async def callback_answers(self) -> list[dict[str, Any]]:
        r = await self.http.get(
            "/_calls", params={"method": "answerCallbackQuery"}
        )
        r.raise_for_status()
        return r.json()["calls"]


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]
