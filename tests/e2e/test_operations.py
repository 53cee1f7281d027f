"""What an operator sees of a running stack: metrics on every service, logs without secrets."""

from __future__ import annotations

import re

import httpx
import pytest
from yarl import URL

from tests.conftest import eventually, free_port, random_user_id
from tests.e2e.conftest import Stack
from tests.telegram_client import TelegramUser, buttons

pytestmark = pytest.mark.e2e


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 if absent)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        match = re.fullmatch(rf"{re.escape(name)}(\{{(?P<labels>[^}}]*)\}})? (?P<value>\S+)", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match["labels"] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match["value"])
    return total


async def test_metrics_on_every_service_and_no_secret_in_any_log(
    stack: Stack, database_url: str
) -> None:
    # PostgreSQL here trusts local connections, so any password works and must never be logged.
    db_password = "db-pass-" + str(random_user_id())
    stack.env["DATABASE_URL"] = str(URL(database_url).with_password(db_password))
    ports = {name: free_port() for name in ("session", "handler-1", "gateway")}
    stack.start("session", "services.session",
                env={"METRICS_PORT": str(ports["session"]), "SESSION_ACTIVE_REFRESH_SECONDS": "0.2"})
    stack.wait_started("session")
    stack.start("handler-1", "services.handler",
                env={"METRICS_PORT": str(ports["handler-1"]), "INSTANCE_NAME": "handler-1"})
    stack.wait_started("handler-1")
    stack.start("gateway", "services.gateway", env={"METRICS_PORT": str(ports["gateway"])})
    stack.wait_http("gateway", f"{stack.gateway_url}/readyz")
    stack.start_telegram()

    async with httpx.AsyncClient(base_url=stack.telegram_url, timeout=60) as http:
        user = TelegramUser(http, random_user_id())
        assert "Tournament registered" in await user.say("/register Metrics Cup | 01.02.2025 | 10 | Club")
        await user.send("/result")
        listing = await user.reply()
        [(_, data)] = buttons(listing)
        await user.press(listing["message_id"], data)
        assert "Send your result" in (await user.reply())["text"]
        assert "Result saved" in await user.say("2 | 40")
        assert "/register" in await user.say("/help")  # idle before and after: nothing to write
        # Refused at the door: a wrong secret.
        refused = await http.post(f"{stack.gateway_url}/telegram/webhook", json={"update_id": 1},
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "x" * 40})
        assert refused.status_code == 403

    async def scrape(name: str) -> str:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(f"http://127.0.0.1:{ports[name]}/metrics")).text

    gateway = await scrape("gateway")
    assert sample(gateway, "pokertracker_gateway_updates_accepted_total") == 5
    assert sample(gateway, "pokertracker_gateway_updates_rejected_total", reason="wrong_secret") == 1

    async def handler_counted() -> str | None:  # the last ack may land just after the reply
        text = await scrape("handler-1")
        return text if sample(text, "pokertracker_handler_updates_processed_total") >= 5 else None

    handler = await eventually(handler_counted, timeout=10)
    assert sample(handler, "pokertracker_handler_updates_processed_total", kind="command", outcome="applied") == 3
    assert sample(handler, "pokertracker_handler_updates_processed_total", kind="callback", outcome="applied") == 1
    assert sample(handler, "pokertracker_handler_updates_processed_total", kind="text", outcome="applied") == 1
    assert sample(handler, "pokertracker_handler_update_latency_seconds_count") == 5
    assert sample(handler, "pokertracker_handler_session_rpc_seconds_count", operation="get") == 5
    assert sample(handler, "pokertracker_handler_bot_api_calls_total", method="sendMessage") >= 5
    assert sample(handler, "pokertracker_handler_bot_api_calls_total", method="answerCallbackQuery") == 1
    assert sample(handler, "pokertracker_handler_partitions_owned") == 64
    async def session_counted() -> str | None:  # active sessions are recounted every 0.2 s
        text = await scrape("session")
        return text if sample(text, "pokertracker_session_active") >= 1 else None

    session = await eventually(session_counted, timeout=10)
    assert sample(session, "pokertracker_session_request_seconds_count", operation="update") == 5
    # /help at idle leaves the session as it was: not written.  (/register on one line writes
    # a new player's session once: the copy of their settings it now keeps.)
    assert sample(session, "pokertracker_session_writes_skipped_total") == 1
    # Exported, and back to 0 once every request is answered.
    assert "\npokertracker_session_requests_in_hand 0.0\n" in session

    for name in ["handler-1", "gateway", "session"]:
        assert stack.terminate(name) == 0, stack.logs(name)[-2000:]
    for name in stack.procs:
        text = stack.logs(name)
        assert stack.token not in text and stack.token.split(":")[1] not in text, name
        assert stack.secret not in text, name
        assert db_password not in text, name
    assert "update processed" in stack.logs("handler-1")  # the logs were there to search
