"""Flood protection at the door: a token bucket per sender, before anything is queued.

One user's updates share one partition queue (``shared.topology``), processed one at a time,
so a user who sends hundreds of updates a second would delay everyone hashed to the same
partition.  Each sender gets a bucket of ``FLOOD_BURST`` tokens refilled at
``FLOOD_RATE_PER_SECOND``; an update that finds the bucket empty is not published.  It is
answered 200 (Telegram must not retry it) with a Bot API method in the webhook answer, which
Telegram runs itself, so no queue or Bot API call is involved:

- a button press always gets ``answerCallbackQuery`` with a short polite text (the button
  would spin otherwise);
- a message gets, at most once per ``FLOOD_NOTICE_SECONDS`` per user, ``sendMessage`` to the
  chat saying that some messages were skipped; otherwise the answer is ``{"ok": true}``.
- an inline query (no chat of the bot's) gets ``{"ok": true}``: the user's client shows no
  cards for it, and the next query they type is answered once the bucket refills.

Updates without a sender are not limited.  The buckets live in the gateway process: with
several gateways each keeps its own.  Memory stays bounded: a bucket refilled to full (and
with no notice window open) is the same as none and is dropped, and at most ``max_users``
buckets are kept, the least recently seen going first.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic_core import from_json

from services.common.logs import user_hash
from services.gateway.settings import GatewaySettings
from services.gateway.texts import texts_for

log = logging.getLogger(__name__)

# Set on every throttled answer (whatever its body), for operators and tests; Telegram
# ignores it.
THROTTLED_HEADER = "X-Throttled"

# More distinct senders active within ~FLOOD_BURST / FLOOD_RATE seconds than one gateway can
# take anyway (a bucket is about 200 bytes: 100,000 of them are about 20 MB).
MAX_TRACKED_USERS = 100_000


class _Bucket:
    __slots__ = ("noticed_at", "seen_at", "tokens")

    def __init__(self, tokens: float, seen_at: float) -> None:
        self.tokens = tokens
        self.seen_at = seen_at
        self.noticed_at: float | None = None


class FloodLimiter:
    """Token buckets by user id; pure logic with an injectable clock (seconds, monotonic)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        notice_seconds: float,
        *,
        max_users: int = MAX_TRACKED_USERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1 or notice_seconds <= 0 or max_users < 1:
            raise ValueError("rate and notice_seconds must be positive, burst and max_users >= 1")
        self._rate = float(rate)
        self._burst = float(burst)
        self._notice_seconds = float(notice_seconds)
        self._max_users = max_users
        self._clock = clock
        # Least recently seen first.
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        """How many users have a bucket right now."""
        return len(self._buckets)

    def admit(self, user_id: int) -> bool:
        """Take a token for one update of ``user_id``: ``False`` when there is none left."""
        now = self._clock()
        self._drop_idle(now)
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= self._max_users:
                self._buckets.popitem(last=False)
            self._buckets[user_id] = _Bucket(self._burst - 1, now)
            return True
        self._buckets.move_to_end(user_id)
        bucket.tokens = self._refilled(bucket, now)
        bucket.seen_at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True
        return False

    def refund(self, user_id: int) -> None:
        """Give back the token of an update that was admitted but could not be queued
        (Telegram will deliver it again)."""
        bucket = self._buckets.get(user_id)
        if bucket is not None:
            bucket.tokens = min(self._burst, bucket.tokens + 1)

    def notice_due(self, user_id: int) -> bool:
        """Whether to tell ``user_id`` now that updates were skipped (at most once per
        ``notice_seconds``); call it for an update that ``admit`` just refused."""
        bucket = self._buckets.get(user_id)
        if bucket is None:  # pragma: no cover - admit() just created or kept it
            return False
        now = self._clock()
        if bucket.noticed_at is not None and now - bucket.noticed_at < self._notice_seconds:
            return False
        bucket.noticed_at = now
        return True

    def _refilled(self, bucket: _Bucket, now: float) -> float:
        return min(self._burst, bucket.tokens + max(now - bucket.seen_at, 0.0) * self._rate)

    def _idle(self, bucket: _Bucket, now: float) -> bool:
        """Full again and no notice window open: the same as having no bucket."""
        return self._refilled(bucket, now) >= self._burst and (
            bucket.noticed_at is None or now - bucket.noticed_at >= self._notice_seconds
        )

    def _drop_idle(self, now: float) -> None:
        """Drop idle buckets from the least recently seen end (each bucket is dropped once,
        so this is O(1) per update on average)."""
        while self._buckets:
            user_id, bucket = next(iter(self._buckets.items()))
            if not self._idle(bucket, now):
                return
            del self._buckets[user_id]


@dataclass(frozen=True)
class Target:
    """Where a throttled update can be answered."""

    language_code: str | None = None
    chat_id: int | None = None
    callback_query_id: str | None = None


def reply_target(update: Mapping[str, Any]) -> Target:
    """The sender's language and the chat or callback query of an update (the first field
    with a ``from``, as ``webhook.sender_id`` finds the sender)."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        sender = value.get("from")
        if not isinstance(sender, dict):
            continue
        language = sender.get("language_code")
        language = language if isinstance(language, str) else None
        if key == "callback_query":
            query_id = value.get("id")
            return Target(language, callback_query_id=query_id if isinstance(query_id, str) else None)
        chat = value.get("chat")
        chat_id = chat.get("id") if isinstance(chat, dict) else None
        return Target(language, chat_id=chat_id if type(chat_id) is int else None)
    return Target()


class FloodGuard:
    """The limiter at the webhook: decides, answers, counts and logs."""

    def __init__(self, limiter: FloodLimiter, on_throttled: Callable[[], None] = lambda: None) -> None:
        self._limiter = limiter
        self._on_throttled = on_throttled

    @classmethod
    def from_settings(
        cls, settings: GatewaySettings, on_throttled: Callable[[], None] = lambda: None
    ) -> FloodGuard | None:
        """The guard ``settings`` ask for, or ``None`` when ``FLOOD_RATE_PER_SECOND`` is 0."""
        if settings.flood_rate_per_second == 0:
            return None
        limiter = FloodLimiter(
            settings.flood_rate_per_second, settings.flood_burst, settings.flood_notice_seconds
        )
        return cls(limiter, on_throttled)

    def check(self, user_id: int | None, body: bytes) -> dict[str, Any] | None:
        """``None``: publish the update.  Otherwise it was throttled: the webhook answer."""
        if user_id is None or self._limiter.admit(user_id):
            return None
        self._on_throttled()
        try:
            update = from_json(body)  # as parse_update read it, a JSON object
        except (ValueError, RecursionError):  # pragma: no cover - parse_update refused those
            update = {}
        target = reply_target(update if isinstance(update, dict) else {})
        texts = texts_for(target.language_code)
        if target.callback_query_id is not None:
            return {
                "method": "answerCallbackQuery",
                "callback_query_id": target.callback_query_id,
                "text": texts.flood_callback,
            }
        if target.chat_id is not None and self._limiter.notice_due(user_id):
            log.info(
                "flood: updates of a user skipped, told them so",
                extra={"user": user_hash(user_id), "update_id": update.get("update_id")},
            )
            return {"method": "sendMessage", "chat_id": target.chat_id, "text": texts.flood_message}
        return {"ok": True}

    def refund(self, user_id: int | None) -> None:
        if user_id is not None:
            self._limiter.refund(user_id)
