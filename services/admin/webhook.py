"""``set-webhook``, ``delete-webhook`` and ``webhook-info``: where Telegram sends the bot's updates.

The Bot API's URL carries the bot token (``/bot<token>/<method>``), so it is never printed as
it is: messages name it ``<TELEGRAM_API_URL>/bot***/<method>``, and every text that comes back
(an exception, Telegram's description) has the token and the webhook secret scrubbed out.  The
one secret ever printed is the one ``set-webhook --generate-secret`` makes: once, on purpose,
because the operator has to copy it into the gateway's ``WEBHOOK_SECRET``.
"""

from __future__ import annotations

import argparse
import json
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from services.admin.broker import redact_url
from services.admin.errors import EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE, AdminError
from services.admin.settings import TelegramAdminSettings
from services.common.telegram import BotApiError, BotClient, TimedOut, open_session
from services.common.telegram.answers import one_line
from services.gateway.settings import SECRET_PATTERN

# The update types the bot handles (the handler ignores every other kind).  setWebhook asks
# Telegram for exactly these, so edited messages, channel posts, chat member changes, ... never
# reach the gateway, the queues or the handlers at all.
ALLOWED_UPDATES: tuple[str, ...] = ("message", "callback_query", "inline_query")

# setWebhook's max_connections: Telegram accepts 1-100 and uses 40 when it is not given.
MIN_CONNECTIONS, MAX_CONNECTIONS, DEFAULT_CONNECTIONS = 1, 100, 40

# secrets.token_urlsafe(48) is 64 characters of A-Z a-z 0-9 _ - (384 random bits): Telegram's
# alphabet for secret_token, and inside the gateway's 32-256 characters.
GENERATED_SECRET_BYTES = 48

# What Telegram delivers when setWebhook was never given allowed_updates.
TELEGRAM_DEFAULT_UPDATES = "Telegram's default (all but chat_member and message reactions)"

# Bot API methods that change something: after a timeout they may have happened anyway.
_CHANGING = frozenset({"setWebhook", "deleteWebhook"})

# What Telegram's refusal most likely means, by status.
_HINTS = {401: " (check BOT_TOKEN)", 404: " (check BOT_TOKEN and TELEGRAM_API_URL)"}


@dataclass(frozen=True)
class Answer:
    """A successful Bot API answer: ``result`` and, for setWebhook and deleteWebhook, why."""

    result: Any
    description: str


class BotApiCaller:
    """One Bot API call per command, with errors an operator can read and no token in them."""

    def __init__(self, settings: TelegramAdminSettings, extra_secrets: Iterable[str] = ()) -> None:
        self._settings = settings
        self._token = settings.bot_token.get_secret_value()
        configured = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        self._secrets = [s for s in (self._token, configured, *extra_secrets) if s]

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def where(self, method: str) -> str:
        """The method's URL as it may be printed: the token is in the path, so it goes."""
        return f"{redact_url(self._settings.telegram_api_url, 'TELEGRAM_API_URL')}/bot***/{method}"

    async def call(self, method: str, params: dict[str, Any]) -> Answer:
        """Telegram's answer, tried once; anything else is an ``AdminError`` saying why."""
        timeout = self._settings.bot_api_timeout_seconds
        api = self._settings.telegram_api_url
        try:
            async with open_session(timeout, 1) as http:
                answer = await BotClient(http, api, self._token, max_attempts=1).answer(method, params)
        except TimedOut:
            maybe = ""
            if method in _CHANGING:
                maybe = " (it may have been done anyway: check with webhook-info)"
            raise AdminError(
                f"no answer from the Bot API at {self.where(method)} within {timeout:g}s{maybe}",
                EXIT_UNAVAILABLE,
            ) from None
        except BotApiError as exc:
            raise self._failure(exc) from None
        if not answer.from_bot_api:
            raise self._not_the_bot_api(method, answer.status)
        return Answer(answer.result, self.scrub(answer.description))

    def _failure(self, error: BotApiError) -> AdminError:
        method = error.method
        if error.status is None:  # refused, DNS, TLS, a bad URL, ...
            why = self.scrub(error.network_error)
            return AdminError(
                f"cannot reach the Bot API at {self.where(method)}: {why}", EXIT_UNAVAILABLE
            )
        if not error.from_bot_api:
            return self._not_the_bot_api(method, error.status)
        description = self.scrub(error.description) or f"HTTP {error.status}"
        return AdminError(f"Telegram refused {method}: {description}{_HINTS.get(error.status, '')}")

    def _not_the_bot_api(self, method: str, status: int) -> AdminError:
        # A proxy's error page, or TELEGRAM_API_URL pointing at something else.
        return AdminError(
            f"{self.where(method)} answered HTTP {status} without a Bot API answer "
            "(is TELEGRAM_API_URL right?)",
            EXIT_UNAVAILABLE,
        )


# ---- set-webhook ----------------------------------------------------------------------------


def _max_connections(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not MIN_CONNECTIONS <= value <= MAX_CONNECTIONS:
        raise argparse.ArgumentTypeError(
            f"must be {MIN_CONNECTIONS}-{MAX_CONNECTIONS} (Telegram's limits), not {value}"
        )
    return value


def set_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "url", metavar="URL", help="where Telegram posts updates: the gateway's /telegram/webhook"
    )
    parser.add_argument(
        "--max-connections",
        type=_max_connections,
        default=DEFAULT_CONNECTIONS,
        metavar="N",
        help=f"most deliveries Telegram makes at once, {MIN_CONNECTIONS}-{MAX_CONNECTIONS} "
        f"(default {DEFAULT_CONNECTIONS})",
    )
    parser.add_argument(
        "--drop-pending-updates",
        action="store_true",
        help="forget the updates Telegram holds for the bot instead of delivering them",
    )
    parser.add_argument(
        "--generate-secret",
        action="store_true",
        help="make a new secret_token instead of WEBHOOK_SECRET and print it once, "
        "for the gateway's WEBHOOK_SECRET",
    )
    parser.add_argument(
        "--allow-http",
        action="store_true",
        help="accept an http:// URL (the fake Telegram, local tests; Telegram refuses it)",
    )


def checked_url(url: str, *, allow_http: bool) -> str:
    """``url`` if Telegram can deliver to it; https:// only, as Telegram requires."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:  # e.g. a bad IPv6 address or port
        scheme, host = "", None
    shown = redact_url(url, "URL")
    if scheme == "http" and not allow_http:
        raise AdminError(
            f"refusing {shown}: Telegram delivers to https:// URLs only "
            "(--allow-http is for the fake Telegram and local tests)",
            EXIT_USAGE,
        )
    if scheme not in ("https", "http") or not host:
        raise AdminError(f"not a webhook URL: {shown!r} (expected https://HOST/PATH)", EXIT_USAGE)
    return url


def webhook_secret(settings: TelegramAdminSettings, *, generate: bool) -> str:
    """The secret_token to set: a new one, or WEBHOOK_SECRET if it is as strong as the gateway
    requires (the gateway would refuse to start with a weaker one)."""
    if generate:
        secret = secrets.token_urlsafe(GENERATED_SECRET_BYTES)
        assert SECRET_PATTERN.fullmatch(secret)
        return secret
    value = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not value:
        raise AdminError(
            "WEBHOOK_SECRET is required but not set: set the gateway's secret, "
            "or use --generate-secret for a new one",
            EXIT_USAGE,
        )
    if not SECRET_PATTERN.fullmatch(value):
        raise AdminError(
            "WEBHOOK_SECRET is invalid (must be 32-256 characters of A-Z a-z 0-9 _ -, as the "
            "gateway requires): fix it, or use --generate-secret for a new one",
            EXIT_USAGE,
        )
    return value


async def set_command(settings: TelegramAdminSettings, args: argparse.Namespace) -> int:
    url = checked_url(args.url, allow_http=args.allow_http)
    secret = webhook_secret(settings, generate=args.generate_secret)
    params: dict[str, Any] = {
        "url": url,
        "secret_token": secret,
        "allowed_updates": list(ALLOWED_UPDATES),
        "max_connections": args.max_connections,
    }
    if args.drop_pending_updates:
        params["drop_pending_updates"] = True
    answer = await BotApiCaller(settings, [secret]).call("setWebhook", params)
    print(f"webhook set: {redact_url(url, 'URL')}")
    print(f"  allowed updates: {', '.join(ALLOWED_UPDATES)}")
    print(f"  max connections: {args.max_connections}")
    if args.drop_pending_updates:
        print("  pending updates: dropped")
    if answer.description:
        print(f"  Telegram: {answer.description}")
    if args.generate_secret:
        # The only secret this command line ever prints, once: nothing else knows it yet.
        print(
            "new secret_token (shown only this once): put it into the gateway's WEBHOOK_SECRET "
            "and restart the gateway; until then it refuses Telegram's updates (403) and "
            "Telegram keeps retrying them"
        )
        print(f"WEBHOOK_SECRET={secret}")
    return EXIT_OK


# ---- delete-webhook -------------------------------------------------------------------------


def delete_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--drop-pending-updates",
        action="store_true",
        help="also forget the updates Telegram holds for the bot",
    )


async def delete_command(settings: TelegramAdminSettings, args: argparse.Namespace) -> int:
    params = {"drop_pending_updates": True} if args.drop_pending_updates else {}
    answer = await BotApiCaller(settings).call("deleteWebhook", params)
    print(f"webhook deleted: {answer.description or 'done'}")
    if args.drop_pending_updates:
        print("  pending updates: dropped")
    print("  the bot gets no updates until set-webhook runs again")
    return EXIT_OK


# ---- webhook-info ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookInfo:
    """Telegram's WebhookInfo, its field names kept; the error date as UTC ISO 8601."""

    url: str
    has_custom_certificate: bool
    pending_update_count: int
    last_error_date: str | None
    last_error_message: str | None
    max_connections: int | None
    allowed_updates: list[str] | None
    ip_address: str | None

    @classmethod
    def from_result(cls, result: Any) -> WebhookInfo:
        if not isinstance(result, dict):
            raise AdminError("getWebhookInfo answered something that is not a WebhookInfo")
        error_date = _integer(result.get("last_error_date"))
        allowed = result.get("allowed_updates")
        return cls(
            url=one_line(result.get("url")),
            has_custom_certificate=result.get("has_custom_certificate") is True,
            pending_update_count=_integer(result.get("pending_update_count")) or 0,
            last_error_date=(
                None
                if error_date is None
                else datetime.fromtimestamp(error_date, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            ),
            last_error_message=(
                one_line(result["last_error_message"]) if result.get("last_error_message") else None
            ),
            max_connections=_integer(result.get("max_connections")),
            allowed_updates=(
                [one_line(a) for a in allowed] if isinstance(allowed, list) else None
            ),
            ip_address=one_line(result["ip_address"]) if result.get("ip_address") else None,
        )


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def info_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object (Telegram's field names)")


async def info_command(settings: TelegramAdminSettings, args: argparse.Namespace) -> int:
    answer = await BotApiCaller(settings).call("getWebhookInfo", {})
    info = WebhookInfo.from_result(answer.result)
    if args.json:
        print(json.dumps(asdict(info)))
    else:
        print("\n".join(render_info(info)))
    return EXIT_OK


def render_info(info: WebhookInfo) -> list[str]:
    if not info.url:
        lines = ["url:              none (no webhook: Telegram keeps updates for getUpdates)"]
    else:
        lines = [f"url:              {redact_url(info.url, 'url')}"]
    lines.append(f"pending updates:  {info.pending_update_count}")
    if info.last_error_date or info.last_error_message:
        when, what = info.last_error_date or "?", info.last_error_message or ""
        lines.append(f"last error:       {when}  {what}".rstrip())
    else:
        lines.append("last error:       none")
    if info.url:
        lines.append(f"max connections:  {info.max_connections or DEFAULT_CONNECTIONS}")
        allowed = info.allowed_updates
        lines.append(f"allowed updates:  {', '.join(allowed) if allowed else TELEGRAM_DEFAULT_UPDATES}")
        if set(allowed or ()) != set(ALLOWED_UPDATES):
            handled = ", ".join(ALLOWED_UPDATES)
            lines.append(f"  note: the bot handles only {handled}; set-webhook asks for exactly these")
        lines.append(f"ip address:       {info.ip_address or '-'}")
    return lines
