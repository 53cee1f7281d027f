"""The webhook: set and read through the Bot API (setWebhook, deleteWebhook, getWebhookInfo),
and Updates posted to it the way Telegram does (secret header, at most ``max_connections`` at
once, retries with backoff or after the webhook's Retry-After), every attempt recorded."""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from devkit.fake_telegram.answers import Described, JsonDict, RequestError, bad_request
from devkit.fake_telegram.params import INTEGER_RE

DELIVERY_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_ATTEMPTS = 8
FIRST_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
DEFAULT_MAX_CONNECTIONS = 40
SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass
class Webhook:
    """The webhook as set by the bot (or the command line) and how delivering to it goes."""

    url: str | None = None
    secret: str | None = field(default=None, repr=False)
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    pending: int = 0

    def info(self) -> JsonDict:
        result: JsonDict = {
            "url": self.url or "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending,
        }
        if self.url:
            result["max_connections"] = self.max_connections
        if self.allowed_updates is not None:
            result["allowed_updates"] = self.allowed_updates
        if self.last_error_date is not None:
            result["last_error_date"] = self.last_error_date
            result["last_error_message"] = self.last_error_message
        return result


def _now() -> int:
    return int(time.time())


def _update_type(update: Mapping[str, Any]) -> str | None:
    return next((key for key in update if key != "update_id"), None)


def _parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
        if not math.isfinite(seconds):  # "nan" / "inf" would make the wait endless
            return None
        return min(max(seconds, 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return None


def _describe_delivery_error(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "Connection refused"
    if isinstance(exc, httpx.TimeoutException):
        return "Read timeout expired"
    return f"Connection failed: {type(exc).__name__}"


class WebhookDelivery:
    """The webhook's settings, the Bot API methods that change them, and delivery to it."""

    def __init__(self, url: str | None, secret: str | None) -> None:
        self.webhook = Webhook(url=url, secret=secret)
        self.attempts: list[JsonDict] = []  # every delivery attempt and its answer
        self._client: httpx.AsyncClient | None = None
        self._slots: asyncio.Semaphore | None = None

    async def start(self) -> None:
        """Open the shared HTTP client for deliveries."""
        self._client_or_open()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _client_or_open(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_SECONDS)
        return self._client

    # ---- Bot API --------------------------------------------------------------------------

    def set_webhook(self, params: JsonDict) -> Described:
        url = params.get("url")
        if url is None:
            raise bad_request('parameter "url" is required')
        if url == "":
            return self.delete_webhook(params)
        if urlsplit(str(url)).scheme not in ("http", "https") or not urlsplit(str(url)).netloc:
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = params.get("secret_token") or None
        if secret is not None and not SECRET_TOKEN_RE.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        max_connections = params.get("max_connections", DEFAULT_MAX_CONNECTIONS)
        if not INTEGER_RE.match(str(max_connections)) or not 1 <= int(max_connections) <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        webhook = self.webhook
        allowed = params.get("allowed_updates", webhook.allowed_updates)
        if allowed is not None and not (
            isinstance(allowed, list) and all(isinstance(a, str) for a in allowed)
        ):
            raise bad_request("can't parse allowed_updates JSON object")
        webhook.url, webhook.secret = str(url), secret
        webhook.allowed_updates = allowed or None
        if int(max_connections) != webhook.max_connections:
            webhook.max_connections = int(max_connections)
            self._slots = None
        webhook.last_error_date = webhook.last_error_message = None
        return Described(True, "Webhook was set")

    def delete_webhook(self, params: JsonDict) -> Described:
        webhook = self.webhook
        if not webhook.url:
            return Described(True, "Webhook is already deleted")
        webhook.url = webhook.secret = None
        webhook.last_error_date = webhook.last_error_message = None
        return Described(True, "Webhook was deleted")

    def get_webhook_info(self, params: JsonDict) -> JsonDict:
        return self.webhook.info()

    # ---- delivery -------------------------------------------------------------------------

    def _delivery_slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.webhook.max_connections)
        return self._slots

    async def deliver(self, update: JsonDict, max_attempts: int) -> JsonDict:
        """Post ``update`` to the webhook, retrying like Telegram; describe the outcome."""
        webhook = self.webhook
        if not webhook.url:
            raise RequestError("no webhook is set (setWebhook or --webhook-url)", 409)
        kind = _update_type(update)
        allowed = webhook.allowed_updates
        if allowed and kind not in allowed:
            return {"update_id": update.get("update_id"), "status": None, "attempts": 0,
                    "skipped": f"{kind} is not in allowed_updates"}  # fmt: skip
        webhook.pending += 1
        try:
            async with self._delivery_slots():
                return await self._deliver_with_retries(update, max_attempts)
        finally:
            webhook.pending -= 1

    async def _deliver_with_retries(self, update: JsonDict, max_attempts: int) -> JsonDict:
        webhook = self.webhook
        delay = FIRST_RETRY_DELAY
        outcome: JsonDict = {"update_id": update.get("update_id"), "status": None, "attempts": 0}
        for attempt in range(1, max_attempts + 1):
            if not webhook.url:
                outcome["error"] = "webhook was deleted"
                break
            status, error, retry_after = await self._post_update(update)
            self.attempts.append({"update_id": update.get("update_id"), "at": time.time(), "status": status})
            outcome.update(status=status, attempts=attempt)
            if status is not None and 200 <= status < 300:
                outcome.pop("error", None)
                webhook.last_error_date = webhook.last_error_message = None
                break
            outcome["error"] = error
            webhook.last_error_date, webhook.last_error_message = _now(), error
            if attempt < max_attempts:
                await asyncio.sleep(delay if retry_after is None else retry_after)
                delay = min(delay * 2, MAX_RETRY_DELAY)
        return outcome

    async def _post_update(self, update: JsonDict) -> tuple[int | None, str, float | None]:
        """One delivery attempt: (HTTP status or None, error description, Retry-After)."""
        url, secret = self.webhook.url, self.webhook.secret
        assert url is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        try:
            response = await self._client_or_open().post(url, json=update, headers=headers)
        except httpx.HTTPError as exc:
            return None, _describe_delivery_error(exc), None
        error = f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
        return response.status_code, error, _parse_retry_after(response.headers.get("retry-after"))
