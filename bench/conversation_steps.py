"""The benchmark users' conversation, step by step, as Telegram Update JSON.

Five steps: ``/register`` on one line, ``/result``, a press of the button the bot sent in
its reply to ``/result`` (its ``callback_data``), the score ``3 | 850`` and ``/stats``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

STEP_NAMES = ["register", "result", "button", "score", "stats"]


def _register(user_id: int) -> str:
    today = datetime.now(UTC).strftime("%d.%m.%Y")
    return f"/register Bench Cup {user_id % 1000} | {today} | 100+10 | Casino Royale"


STEPS = [
    _register,
    lambda _uid: "/result",
    lambda _uid: "",  # the button press (callback_data from the reply to /result)
    lambda _uid: "3 | 850",
    lambda _uid: "/stats",
]


def button_data(result_message: dict[str, Any] | None) -> str | None:
    """The ``callback_data`` of a result button in the bot's reply to /result, if any."""
    markup = (result_message or {}).get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data", "")
            if data.startswith("res:"):
                return str(data)
    return None


def callback_query_id(update_id: int) -> str:
    return str(update_id * 7)


def update_json(step: int, user_id: int, update_id: int, message_id: int, language: str,
                result_message: dict[str, Any] | None) -> dict[str, Any]:
    """The Update a user at ``step`` sends (``result_message``: the bot's reply to /result)."""
    sender = {"id": user_id, "is_bot": False, "first_name": "Bench", "language_code": language}
    chat = {"id": user_id, "first_name": "Bench", "type": "private"}
    now = int(time.time())
    if step == 2:
        message = result_message or {}
        return {
            "update_id": update_id,
            "callback_query": {
                "id": callback_query_id(update_id),
                "from": sender,
                "message": {
                    "message_id": message.get("message_id", 1),
                    "from": {"id": 1, "is_bot": True, "first_name": "PokerTracker"},
                    "chat": chat,
                    "date": now,
                    "text": message.get("text", ""),
                    "reply_markup": message.get("reply_markup"),
                },
                "chat_instance": str(user_id * 3),
                "data": button_data(result_message) or "",
            },
        }
    text = STEPS[step](user_id)
    msg: dict[str, Any] = {"message_id": message_id, "from": sender, "chat": chat, "date": now, "text": text}
    if text.startswith("/"):
        msg["entities"] = [{"offset": 0, "length": len(text.split(" ")[0]), "type": "bot_command"}]
    return {"update_id": update_id, "message": msg}
