"""Checks on an incoming webhook request, as pure functions of its parts.

What is accepted is what the handlers can read: a JSON object in UTF-8 (read with the same
parser as the handlers', ``pydantic_core``: no BOM, no other encoding, no lone surrogate,
nesting within its limit) whose ``update_id`` is an integer in 0..2^63-1 and whose sender, if
it has one, has an integer id within 64 bits (the ``x-user-id`` header RabbitMQ can carry).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from pydantic_core import from_json

MAX_UPDATE_ID = 2**63 - 1
MIN_SENDER_ID, MAX_SENDER_ID = -(2**63), 2**63 - 1  # an AMQP header's signed 64-bit integer


@dataclass(frozen=True)
class Rejection:
    status: int
    reason: str


@dataclass(frozen=True)
class AcceptedUpdate:
    update_id: int
    user_id: int | None


def check_secret(header: str | None, secret: str) -> Rejection | None:
    if header is None:
        return Rejection(401, "missing secret token")
    # Any text compares (surrogatepass: even a lone surrogate), in constant time.
    if not hmac.compare_digest(header.encode("utf-8", "surrogatepass"), secret.encode()):
        return Rejection(403, "wrong secret token")
    return None


def parse_update(body: bytes) -> AcceptedUpdate | Rejection:
    try:
        data: Any = from_json(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond reason
        return Rejection(400, "body is not JSON")
    if not isinstance(data, dict):
        return Rejection(400, "body is not a JSON object")
    update_id = data.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        return Rejection(400, "update_id must be a non-negative integer")
    sender = _sender(data)
    if sender is not None and not _is_sender_id(sender.get("id")):
        # Telegram's ids are integers; anything else would be routed by update_id while the
        # handler reads it as a user (or, beyond 64 bits, could never be published at all).
        return Rejection(400, "from.id must be a 64-bit integer")
    return AcceptedUpdate(update_id, sender_id(data))


def _sender(update: dict[str, Any]) -> dict[str, Any] | None:
    """The ``from`` object of whatever the update carries (message, callback_query, ...)."""
    for key, value in update.items():
        if key != "update_id" and isinstance(value, dict):
            sender = value.get("from")
            if isinstance(sender, dict):
                return sender
    return None


def _is_sender_id(value: object) -> bool:
    return type(value) is int and MIN_SENDER_ID <= value <= MAX_SENDER_ID


def sender_id(update: dict[str, Any]) -> int | None:
    """The ``from.id`` of whatever the update carries (message, callback_query, ...), if it
    is a 64-bit integer; ``None`` for an update without a sender (channel posts, polls)."""
    sender = _sender(update)
    if sender is None:
        return None
    value = sender.get("id")
    return value if _is_sender_id(value) else None
