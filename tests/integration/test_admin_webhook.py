"""``pokertracker-admin set-webhook / delete-webhook / webhook-info / set-commands`` run as an
operator would: a process, against the fake Telegram over real HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from devkit.fake_telegram import FakeTelegram, FakeTelegramConfig, Fault, create_app
from services.admin.webhook import ALLOWED_UPDATES
from services.gateway.settings import SECRET_PATTERN
from services.handler.texts.en import EN
from services.handler.texts.ru import RU
from tests.admin_cli import Result, environ_without, run_admin
from tests.conftest import free_port
from tests.integration.conftest import serving

pytestmark = pytest.mark.integration

TOKEN = "5550001234:AAHt0kenThatMustNeverBePrinted-xyz_12345"
WRONG_TOKEN = "5550009999:AAHwrongTokenThatMustNeverBePrinted_0987"
SECRET = "configured-Webhook_Secret-0123456789abcdef"
HOOK = "https://bot.example.com/telegram/webhook"
# Every variable the commands read: the tests set them, nothing leaks in from the caller.
ENV_NAMES = {"BOT_TOKEN", "TELEGRAM_API_URL", "WEBHOOK_SECRET", "BOT_API_TIMEOUT_SECONDS", "LOG_LEVEL"}


@dataclass(frozen=True)
class Telegram:
    url: str
    fake: FakeTelegram

    def calls(self, method: str) -> list[dict]:
        return [c for c in self.fake.calls if c["method"].lower() == method.lower()]

    async def admin(self, *args: str, **env: str | None) -> Result:
        """Run the command line; ``env`` overrides (None unsets) BOT_TOKEN, TELEGRAM_API_URL, ..."""
        settings: dict[str, str | None] = {
            "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": self.url, "WEBHOOK_SECRET": SECRET, **env
        }  # fmt: skip
        environ = environ_without(ENV_NAMES)
        environ.update({k: v for k, v in settings.items() if v is not None})
        result = await run_admin(*args, env=environ)
        # Whatever the command and however it ends: no token, right or wrong, in any output.
        for token in (TOKEN, WRONG_TOKEN):
            assert token not in result.out + result.err, result
            assert token.split(":")[1] not in result.out + result.err, result
        return result


@pytest.fixture
async def telegram() -> AsyncIterator[Telegram]:
    app = create_app(FakeTelegramConfig(token=TOKEN))
    async with serving(app, free_port()) as url:
        yield Telegram(url, app.state.fake)


async def test_set_webhook_sets_url_secret_updates_and_connections(telegram: Telegram) -> None:
    hook = "http://127.0.0.1:8080/telegram/webhook"
    result = await telegram.admin(
        "set-webhook", hook, "--allow-http", "--max-connections", "7", "--drop-pending-updates"
    )
    assert result.code == 0, result
    webhook = telegram.fake.webhook
    assert (webhook.url, webhook.secret) == (hook, SECRET)
    assert webhook.allowed_updates == ["message", "callback_query", "inline_query"] == list(ALLOWED_UPDATES)
    assert webhook.max_connections == 7
    [call] = telegram.calls("setWebhook")
    assert call["ok"] and call["params"]["drop_pending_updates"] is True
    assert f"webhook set: {hook}" in result.out
    assert "allowed updates: message, callback_query, inline_query" in result.out
    assert "max connections: 7" in result.out and "pending updates: dropped" in result.out
    assert SECRET not in result.out + result.err  # the configured secret is never printed
    assert result.err == ""

    info = await telegram.admin("webhook-info", "--json")
    assert info.code == 0, info
    assert json.loads(info.out) == {
        "url": hook,
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "last_error_date": None,
        "last_error_message": None,
        "max_connections": 7,
        "allowed_updates": ["message", "callback_query", "inline_query"],
        "ip_address": None,
    }


async def test_defaults_are_telegrams_and_pending_updates_are_kept(telegram: Telegram) -> None:
    result = await telegram.admin("set-webhook", HOOK)
    assert result.code == 0, result
    assert telegram.fake.webhook.url == HOOK and telegram.fake.webhook.max_connections == 40
    [call] = telegram.calls("setWebhook")
    assert call["params"]["max_connections"] == 40
    assert "drop_pending_updates" not in call["params"]
    assert "pending updates" not in result.out


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://bot.example.com/telegram/webhook", "https:// URLs only"),
        ("ftp://bot.example.com/hook", "not a webhook URL"),
        ("bot.example.com/telegram/webhook", "not a webhook URL"),
        ("https:///telegram/webhook", "not a webhook URL"),
    ],
)
async def test_a_url_telegram_cannot_deliver_to_is_refused(
    telegram: Telegram, url: str, why: str
) -> None:
    result = await telegram.admin("set-webhook", url)
    assert result.code == 2, result
    [line] = result.err.splitlines()
    assert why in line and line.startswith("pokertracker-admin: ")
    assert result.out == "" and telegram.fake.calls == []


async def test_generate_secret_sets_a_strong_one_and_prints_it_once(telegram: Telegram) -> None:
    # No WEBHOOK_SECRET at all: generating one is how a first set-up gets it.
    result = await telegram.admin("set-webhook", HOOK, "--generate-secret", WEBHOOK_SECRET=None)
    assert result.code == 0, result
    [line] = [line for line in result.out.splitlines() if line.startswith("WEBHOOK_SECRET=")]
    secret = line.removeprefix("WEBHOOK_SECRET=")
    assert SECRET_PATTERN.fullmatch(secret) and len(secret) >= 48
    assert telegram.fake.webhook.secret == secret
    assert telegram.calls("setWebhook")[0]["params"]["secret_token"] == secret
    assert result.out.count(secret) == 1 and secret not in result.err
    assert "put it into the gateway's WEBHOOK_SECRET" in result.out

    # A configured secret, weak or not, is replaced, and every run makes a new one.
    again = await telegram.admin("set-webhook", HOOK, "--generate-secret", WEBHOOK_SECRET="weak")
    assert again.code == 0, again
    assert telegram.fake.webhook.secret not in (secret, "weak")
    assert f"WEBHOOK_SECRET={telegram.fake.webhook.secret}" in again.out


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("too-short-0123456789", "WEBHOOK_SECRET is invalid"),
        ("has spaces and a $ sign, 0123456789abcdef", "WEBHOOK_SECRET is invalid"),
        (None, "WEBHOOK_SECRET is required"),
        ("", "WEBHOOK_SECRET is required"),
    ],
)
async def test_a_weak_or_missing_webhook_secret_is_refused(
    telegram: Telegram, secret: str | None, why: str
) -> None:
    result = await telegram.admin("set-webhook", HOOK, WEBHOOK_SECRET=secret)
    assert result.code == 2, result
    [line] = result.err.splitlines()
    assert why in line and "--generate-secret" in line
    if secret:
        assert secret not in result.out + result.err
    assert telegram.fake.calls == []


@pytest.mark.parametrize("value", ["0", "101", "many"])
async def test_max_connections_outside_telegrams_range_is_a_usage_error(
    telegram: Telegram, value: str
) -> None:
    result = await telegram.admin("set-webhook", HOOK, "--max-connections", value)
    assert result.code == 2, result
    assert "--max-connections" in result.err and telegram.fake.calls == []


async def test_webhook_info_shows_url_pending_updates_and_the_last_error(telegram: Telegram) -> None:
    assert (await telegram.admin("set-webhook", HOOK)).code == 0
    # What the fake reports while three deliveries are under way and the last one failed.
    telegram.fake.webhook.pending = 3
    telegram.fake.webhook.last_error_date = 1_700_000_000
    telegram.fake.webhook.last_error_message = "Wrong response from the webhook: 503 Service Unavailable"

    # A local time zone far from UTC: the date shown must still be UTC.
    result = await telegram.admin("webhook-info", TZ="XYZ-5:30")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert f"url:              {HOOK}" in lines
    assert "pending updates:  3" in lines
    assert (
        "last error:       2023-11-14T22:13:20Z  Wrong response from the webhook: 503 Service Unavailable"
        in lines
    )
    assert "max connections:  40" in lines
    assert "allowed updates:  message, callback_query, inline_query" in lines
    assert not any("note:" in line for line in lines)  # the updates are the bot's
    assert result.err == ""

    as_json = json.loads((await telegram.admin("webhook-info", "--json", TZ="XYZ-5:30")).out)
    assert as_json["pending_update_count"] == 3
    assert as_json["last_error_date"] == "2023-11-14T22:13:20Z"
    assert as_json["last_error_message"].endswith("503 Service Unavailable")


async def test_webhook_info_notes_updates_the_bot_does_not_handle(telegram: Telegram) -> None:
    telegram.fake.webhook.url = HOOK  # set by hand, without allowed_updates: Telegram's default
    result = await telegram.admin("webhook-info")
    assert result.code == 0, result
    assert "allowed updates:  Telegram's default" in result.out
    assert "note: the bot handles only message, callback_query, inline_query" in result.out


async def test_delete_webhook_clears_it(telegram: Telegram) -> None:
    assert (await telegram.admin("set-webhook", HOOK)).code == 0
    result = await telegram.admin("delete-webhook", "--drop-pending-updates")
    assert result.code == 0, result
    assert telegram.fake.webhook.url is None and telegram.fake.webhook.secret is None
    [call] = telegram.calls("deleteWebhook")
    assert call["ok"] and call["params"] == {"drop_pending_updates": True}
    assert "webhook deleted: Webhook was deleted" in result.out
    assert "pending updates: dropped" in result.out

    info = await telegram.admin("webhook-info")
    assert info.code == 0, info
    assert info.out.splitlines()[0].startswith("url:              none")
    assert json.loads((await telegram.admin("webhook-info", "--json")).out)["url"] == ""

    again = await telegram.admin("delete-webhook")
    assert again.code == 0, again
    assert "Webhook is already deleted" in again.out
    assert telegram.calls("deleteWebhook")[-1]["params"] == {}


@pytest.mark.parametrize(
    ("args", "method"),
    [
        (("set-webhook", HOOK), "setWebhook"),
        (("delete-webhook",), "deleteWebhook"),
        (("webhook-info",), "getWebhookInfo"),
        (("set-commands",), "setMyCommands"),
    ],
)
async def test_a_wrong_token_is_telegrams_refusal_exit_1(
    telegram: Telegram, args: tuple[str, ...], method: str
) -> None:
    result = await telegram.admin(*args, BOT_TOKEN=WRONG_TOKEN)
    assert result.code == 1, result
    [line] = result.err.splitlines()
    assert line == f"pokertracker-admin: Telegram refused {method}: Unauthorized (check BOT_TOKEN)"
    assert result.out == ""
    assert telegram.fake.webhook.url is None and telegram.fake.commands.lists == {}


async def test_set_commands_gives_private_chats_the_menu_in_english_and_russian(telegram: Telegram) -> None:
    for _ in range(2):  # run again, the menu is the same
        result = await telegram.admin("set-commands")
        assert result.code == 0, result
        assert telegram.fake.commands.lists == {
            ("all_private_chats", ""): [{"command": c, "description": d} for c, d in EN.command_menu.items()],
            ("all_private_chats", "ru"): [{"command": c, "description": d} for c, d in RU.command_menu.items()],
        }  # and none for groups: the bot only points them to a private chat
    lines = result.out.splitlines()
    assert lines[0].startswith("command menu set for private chats, English (every other language): /register ")
    assert lines[1].startswith("command menu set for private chats, Russian: /register ") and len(lines) == 2
    assert result.err == ""


async def test_telegrams_bad_request_is_reported_with_its_description(telegram: Telegram) -> None:
    """What the real Telegram answers for a port it does not deliver to (the fake takes any)."""
    description = "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    telegram.fake.faults.script("setWebhook", Fault(status=400, description=description))
    result = await telegram.admin("set-webhook", "https://bot.example.com:8080/telegram/webhook")
    assert result.code == 1, result
    assert result.err == f"pokertracker-admin: Telegram refused setWebhook: {description}\n"
    assert result.out == ""
    [call] = telegram.calls("setWebhook")
    assert call["fault"] and not call["ok"] and telegram.fake.webhook.url is None


@pytest.mark.parametrize(
    "args", [("set-webhook", HOOK), ("delete-webhook",), ("webhook-info", "--json")]
)
async def test_unreachable_bot_api_exits_2_without_the_token(
    telegram: Telegram, args: tuple[str, ...]
) -> None:
    api = f"http://127.0.0.1:{free_port()}"
    result = await telegram.admin(*args, TELEGRAM_API_URL=api)
    assert result.code == 2, result
    [line] = result.err.splitlines()
    assert line.startswith(f"pokertracker-admin: cannot reach the Bot API at {api}/bot***/"), line
    assert result.out == ""


async def test_something_else_than_the_bot_api_exits_2(telegram: Telegram) -> None:
    result = await telegram.admin("webhook-info", TELEGRAM_API_URL=f"{telegram.url}/not-the-api")
    assert result.code == 2, result
    assert "without a Bot API answer" in result.err and "/bot***/getWebhookInfo" in result.err


async def test_no_answer_in_time_exits_2_and_says_it_may_have_been_done() -> None:
    app = create_app(FakeTelegramConfig(token=TOKEN, latency=5.0))
    async with serving(app, free_port()) as url:
        result = await Telegram(url, app.state.fake).admin(
            "set-webhook", HOOK, BOT_API_TIMEOUT_SECONDS="0.3"
        )
    assert result.code == 2, result
    assert "no answer from the Bot API" in result.err and "within 0.3s" in result.err
    assert "check with webhook-info" in result.err


async def test_debug_log_scrubs_the_token_and_the_secret(telegram: Telegram) -> None:
    result = await telegram.admin("set-webhook", HOOK, LOG_LEVEL="DEBUG")
    assert result.code == 0, result
    assert "HTTP Request" in result.err  # the client's debug line for the URL that holds the token
    assert SECRET not in result.out + result.err
