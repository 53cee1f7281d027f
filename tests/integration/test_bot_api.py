"""The Bot API client's retry policy against a real, misbehaving HTTP server."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.handler.bot_api import BotApi
from services.handler.errors import DependencyUnavailable
from tests.conftest import free_port
from tests.integration.conftest import serving

pytestmark = pytest.mark.integration

TOKEN = "123456:" + "A" * 35


def scripted_server(script: list[tuple[int, dict]]) -> tuple[Starlette, list[dict]]:
    """Answers each call with the next (status, body) of ``script``; records the calls."""
    calls: list[dict] = []

    async def method(request: Request) -> JSONResponse:
        calls.append({"path": request.url.path, "json": await request.json()})
        status, body = script[min(len(calls), len(script)) - 1]
        return JSONResponse(body, status_code=status)

    return Starlette(routes=[Route("/bot{token}/{method}", method, methods=["POST"])]), calls


OK = (200, {"ok": True, "result": {"message_id": 1}})


async def call_through(script: list[tuple[int, dict]], **kw) -> tuple[object, list[dict]]:
    app, calls = scripted_server(script)
    async with serving(app, free_port()) as url, httpx.AsyncClient() as http:
        api = BotApi(http, url, TOKEN, **kw)
        try:
            result: object = await api.call("sendMessage", {"chat_id": 1, "text": "hi"})
        except DependencyUnavailable as exc:
            result = exc
    return result, calls


async def test_429_waits_retry_after_then_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    result, calls = await call_through(
        [(429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 1}}), OK]
    )
    assert result == {"message_id": 1} and len(calls) == 2
    assert calls[0]["path"] == f"/bot{TOKEN}/sendMessage"
    assert any(getattr(r, "retry_after", None) == 1.0 for r in caplog.records)


async def test_5xx_is_retried_with_backoff() -> None:
    result, calls = await call_through([(502, {}), (500, {"ok": False}), OK])
    assert result == {"message_id": 1} and len(calls) == 3


async def test_other_4xx_is_not_retried() -> None:
    result, calls = await call_through([(403, {"ok": False, "description": "Forbidden: bot was blocked by the user"})])
    assert result is None and len(calls) == 1


async def test_persistent_failure_gives_up_after_max_attempts() -> None:
    result, calls = await call_through([(500, {})], max_attempts=3, max_backoff=0.5)
    assert isinstance(result, DependencyUnavailable) and len(calls) == 3


async def test_unreachable_api_is_a_dependency_failure_and_the_token_is_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with httpx.AsyncClient() as http:
        api = BotApi(http, f"http://127.0.0.1:{free_port()}", TOKEN, max_attempts=2, max_backoff=0.1)
        with pytest.raises(DependencyUnavailable):
            await api.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert TOKEN not in caplog.text and "AAAAAAAAAA" not in caplog.text
