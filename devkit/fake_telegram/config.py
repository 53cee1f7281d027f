"""What the fake is told when it is built: the bot, the webhook, and how strict and slow it is."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FakeTelegramConfig:
    """What the fake needs to know; the token and the secret never appear in its repr."""

    token: str = field(repr=False)
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    bot_username: str = "pokertracker_dev_bot"
    bot_first_name: str = "PokerTracker (dev)"
    # Reject text that Telegram would reject for its parse_mode (HTML / MarkdownV2 errors).
    strict_formatting: bool = True
    # Seconds every Bot API answer is held back, like Telegram's own round trip.
    latency: float = 0.0
    # Keep every call and the bot's messages for reading back (``/_calls``,
    # ``/_users/{id}/messages``).  A load test that reads calls through ``FakeTelegram.on_call``
    # turns it off, so that memory and CPU do not grow with every call.
    recording: bool = True

    @property
    def bot_id(self) -> int:
        """The bot's user id: the digits before the colon of the token, like Telegram."""
        prefix = self.token.split(":", 1)[0]
        return int(prefix) if prefix.isdigit() else 7_000_000_001
