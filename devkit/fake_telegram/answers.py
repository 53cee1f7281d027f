"""What a Bot API call answers besides a plain result: an error, or a result with a description;
and the error of the fake's own ``/_...`` routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]


class BotApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    def payload(self) -> JsonDict:
        return {"ok": False, "error_code": self.status, "description": self.description}


def bad_request(detail: str) -> BotApiError:
    return BotApiError(f"Bad Request: {detail}")


class RequestError(Exception):
    """A bad request to one of the fake's own ``/_...`` routes."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Described:
    """A Bot API result that comes with a ``description`` (setWebhook, deleteWebhook)."""

    result: Any
    description: str
