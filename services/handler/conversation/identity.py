"""Who the bot is on Telegram: its username, learnt with getMe at start-up (or BOT_USERNAME).

The conversation needs it in group chats: to tell its own commands (``/stats@ourbot``) from
other bots' (``/stats@OtherBot``), and to link the user to a private chat with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a t.me deep link's ``start`` parameter may hold (Telegram's rule).
START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class BotIdentity:
    username: str = ""  # without the "@"; "" when unknown (then no link can be given)

    def addressed(self, addressee: str) -> bool:
        """Whether a command's ``@name`` (``""``: none) is for this bot; usernames ignore case."""
        return not addressee or addressee.lower() == self.username.lower()

    def private_link(self, payload: str) -> str | None:
        """``https://t.me/<username>?start=<payload>``: opens a private chat that starts with
        ``/start <payload>``; ``None`` without a username."""
        if not self.username:
            return None
        if not START_PAYLOAD.fullmatch(payload):
            raise ValueError("a start payload is 1-64 characters of A-Z a-z 0-9 _ -")
        return f"https://t.me/{self.username}?start={payload}"


UNNAMED_BOT = BotIdentity()
