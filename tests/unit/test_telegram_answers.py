"""One meaning per Bot API answer, and no token in any text the client makes."""

from __future__ import annotations

import json

import aiohttp
import pytest

from services.common.errors import DependencyUnavailable
from services.common.telegram import (
    BadToken,
    BotApiError,
    BotClient,
    RateLimited,
    Refused,
    Transient,
    Unavailable,
)
from services.common.telegram.answers import interpret

TOKEN = "123456:AAsecretPartOfTheToken"


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_a_2xx_is_its_result_and_description() -> None:
    answer = interpret("setWebhook", 200, body(ok=True, result=True, description="Webhook was set"))
    assert (answer.result, answer.description, answer.status, answer.from_bot_api) == (
        True, "Webhook was set", 200, True)
    # Not a Bot API answer (a proxy's page): done, but without a result, and said so.
    answer = interpret("sendMessage", 200, b"<html>ok</html>")
    assert (answer.result, answer.from_bot_api) == (None, False)


@pytest.mark.parametrize(
    ("status", "error", "reason"),
    [
        (429, RateLimited, "rate_limited"),
        (500, Transient, "server_error"),
        (502, Transient, "server_error"),
        (401, BadToken, "unauthorized"),
        (404, BadToken, "unauthorized"),
        (400, Refused, "refused"),
        (403, Refused, "refused"),
        (409, Refused, "refused"),
    ],
)
def test_each_error_status_has_one_meaning(status: int, error: type[BotApiError], reason: str) -> None:
    with pytest.raises(error) as raised:
        interpret("sendMessage", status, body(ok=False, error_code=status, description="why"))
    assert raised.value.reason == reason and raised.value.status == status
    assert raised.value.description == "why"
    # Outages (a bad token among them) are waited out by the services; refusals are not.
    waited = isinstance(raised.value, DependencyUnavailable)
    assert waited == isinstance(raised.value, Unavailable) == (error is not Refused)


def test_429_carries_retry_after_when_telegram_gives_it() -> None:
    with pytest.raises(RateLimited) as raised:
        interpret("sendMessage", 429, body(ok=False, parameters={"retry_after": 7}))
    assert raised.value.retry_after == 7.0
    with pytest.raises(RateLimited) as raised:
        interpret("sendMessage", 429, b"\xff not json")
    assert raised.value.retry_after is None


def test_an_error_text_names_method_status_and_reason() -> None:
    with pytest.raises(Refused) as raised:
        interpret("sendMessage", 403, body(ok=False, description="Forbidden: bot was blocked by the user"))
    assert str(raised.value) == "sendMessage 403: refused (Forbidden: bot was blocked by the user)"
    assert raised.value.from_bot_api


async def test_the_client_redacts_the_token_whole_encoded_and_its_secret_half() -> None:
    async with aiohttp.ClientSession() as session:
        client = BotClient(session, "https://api.telegram.org/", TOKEN)
        secret = TOKEN.partition(":")[2]
        text = f"https://x/bot{TOKEN}/m https://x/bot{TOKEN.replace(':', '%3A')}/m {secret}"
        assert client.redact(text) == "https://x/bot***/m https://x/bot***/m ***"
        assert client.shown_url("getMe") == "https://api.telegram.org/bot***/getMe"
        assert TOKEN in client.file_url("photos/a.jpg")  # the real URL, never shown
    with pytest.raises(Refused) as raised:
        interpret("getMe", 400, body(ok=False, description=f"bad token {TOKEN}"), client.redact)
    assert TOKEN not in str(raised.value) and secret not in str(raised.value)
