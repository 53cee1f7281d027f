"""Talking to the fake Telegram as users do: send text, photos and files, press buttons, read
the bot's replies and the files it sent."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Upload:
    """A file the bot sent (sendPhoto / sendDocument), as uploaded."""

    method: str
    filename: str | None
    content_type: str
    content: bytes
    params: dict[str, Any]  # the call's other parameters (chat_id, caption, reply_markup)


@dataclass(frozen=True)
class Sent:
    """What the fake answered to a simulated user's message."""

    update_id: int
    message_id: int
    file_id: str | None = None


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

    async def send_photo(self, image: bytes, caption: str | None = None) -> Sent:
        """Send a photo (Telegram keeps it as JPEG in two sizes); ``file_id`` is the largest."""
        body: dict[str, Any] = {"photo": base64.b64encode(image).decode("ascii")}
        if caption is not None:
            body["caption"] = caption
        return await self._post_file("photo", body)

    async def send_document(
        self, content: bytes, file_name: str, mime_type: str | None = None, caption: str | None = None
    ) -> Sent:
        """Send a file as a document (kept unchanged)."""
        body: dict[str, Any] = {"document": base64.b64encode(content).decode("ascii"), "file_name": file_name}
        if mime_type is not None:
            body["mime_type"] = mime_type
        if caption is not None:
            body["caption"] = caption
        return await self._post_file("document", body)

    async def _post_file(self, what: str, body: dict[str, Any]) -> Sent:
        r = await self.http.post(
            f"/_users/{self.user_id}/{what}",
            json={**body, "language_code": self.language, "first_name": "Tester",
                  "max_attempts": self.max_attempts, "copies": self.copies},
        )
        r.raise_for_status()
        answer = r.json()
        assert answer["status"] == 200, answer
        return Sent(answer["update_id"], answer["message_id"], answer["file_id"])

    async def file(self, file_id: str) -> bytes:
        """The bytes of a file the fake holds (one the user or the bot sent)."""
        r = await self.http.get(f"/_files/{file_id}")
        r.raise_for_status()
        return base64.b64decode(r.json()["data_base64"])

    async def uploads(self, after: int = 0) -> list[Upload]:
        """Files the bot uploaded to this chat (sendPhoto / sendDocument), oldest first."""
        found = []
        for method, field in (("sendPhoto", "photo"), ("sendDocument", "document")):
            r = await self.http.get(
                "/_calls", params={"method": method, "chat_id": self.user_id, "after": after}
            )
            r.raise_for_status()
            for call in r.json()["calls"]:
                upload = call["params"].get(field)
                if call["ok"] and isinstance(upload, dict) and "data_base64" in upload:
                    params = {k: v for k, v in call["params"].items() if k != field}
                    found.append((call["seq"], Upload(method, upload["filename"], upload["content_type"],
                                                      base64.b64decode(upload["data_base64"]), params)))
        return [upload for _, upload in sorted(found, key=lambda pair: pair[0])]

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
