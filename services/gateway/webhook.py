"""Checks on an incoming webhook request, as pure functions of its parts."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any

MAX_UPDATE_ID = 2**63 - 1


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
    if not hmac.compare_digest(header.encode("utf-8", "surrogateescape"), secret.encode()):
        return Rejection(403, "wrong secret token")
    return None


def parse_update(body: bytes) -> AcceptedUpdate | Rejection:
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond reason
        return Rejection(400, "body is not JSON")
    if not isinstance(data, dict):
        return Rejection(400, "body is not a JSON object")
    update_id = data.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        return Rejection(400, "update_id must be a non-negative integer")
    return AcceptedUpdate(update_id, sender_id(data))


def sender_id(update: dict[str, Any]) -> int | None:
    """The ``from.id`` of whatever the update carries (message, callback_query, ...)."""
    for key, value in update.items():
        if key != "update_id" and isinstance(value, dict):
            sender = value.get("from")
            if isinstance(sender, dict) and type(sender.get("id")) is int:
                return sender["id"]
    return None
