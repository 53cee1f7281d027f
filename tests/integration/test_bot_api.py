"""The Bot API client's retry policy, uploads and downloads against a real HTTP server."""

from __future__ import annotations

import asyncio
import base64
import io

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from devkit.fake_telegram import FakeTelegramConfig, create_app
from services.common.telegram import open_session
from services.handler.bot_api import BotApi, UserFiles
from services.handler.conversation.replies import Button, SendDocument, SendPhoto
from services.handler.errors import DependencyUnavailable
from tests.conftest import free_port
from tests.integration.conftest import serving

pytestmark = pytest.mark.integration

TOKEN = "123456:" + "A" * 35


def scripted_server(script: list[tuple[int, dict | bytes]]) -> tuple[Starlette, list[dict]]:
    """Answers each call with the next (status, body) of ``script`` (a dict as JSON, bytes
    as they are); records the calls."""
    calls: list[dict] = []

    async def method(request: Request) -> Response:
        calls.append({"path": request.url.path, "json": await request.json()})
        status, body = script[min(len(calls), len(script)) - 1]
        if isinstance(body, bytes):
            return Response(body, status_code=status, media_type="text/html")
        return JSONResponse(body, status_code=status)

    return Starlette(routes=[Route("/bot{token}/{method}", method, methods=["POST"])]), calls


OK = (200, {"ok": True, "result": {"message_id": 1}})


async def call_through(
    script: list[tuple[int, dict | bytes]], timeout: float = 10.0, **kw
) -> tuple[object, list[dict]]:
    app, calls = scripted_server(script)
    async with serving(app, free_port()) as url, open_session(timeout, 4) as http:
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
    assert calls[0]["json"] == {"chat_id": 1, "text": "hi"}
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


async def test_a_body_that_is_not_a_json_object_counts_as_empty() -> None:
    # A proxy's HTML error page is retried like any 5xx; a 200 with a non-object has no result.
    result, calls = await call_through([(502, b"<html>Bad Gateway</html>"), (200, b"[1, 2]")])
    assert result is None and len(calls) == 2
    result, calls = await call_through([(429, b"\xff not json")], max_attempts=2, max_backoff=0.1)
    assert isinstance(result, DependencyUnavailable) and len(calls) == 2


async def test_unreachable_api_is_a_dependency_failure_and_the_token_is_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with open_session(10.0, 4) as http:
        api = BotApi(http, f"http://127.0.0.1:{free_port()}", TOKEN, max_attempts=2, max_backoff=0.1)
        with pytest.raises(DependencyUnavailable) as raised:
            await api.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert TOKEN not in caplog.text and "AAAAAAAAAA" not in caplog.text
    assert "AAAAAAAAAA" not in str(raised.value) and raised.value.__cause__ is None
    assert any(getattr(r, "error", None) == "ClientConnectorError" for r in caplog.records)


async def test_the_timeout_bounds_the_whole_request(caplog: pytest.LogCaptureFixture) -> None:
    async def slow(request: Request) -> Response:
        await asyncio.sleep(5)
        return JSONResponse({"ok": True, "result": True})

    app = Starlette(routes=[Route("/bot{token}/{method}", slow, methods=["POST"])])
    async with serving(app, free_port()) as url, open_session(0.3, 4) as http:
        api = BotApi(http, url, TOKEN, max_attempts=2, max_backoff=0.1)
        with pytest.raises(DependencyUnavailable):
            await api.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert "AAAAAAAAAA" not in caplog.text
    assert [getattr(r, "error", None) for r in caplog.records if r.msg == "bot api unreachable"] == [
        "TimeoutError", "TimeoutError"]


async def test_files_are_uploaded_as_multipart_with_telegram_field_names() -> None:
    telegram = create_app(FakeTelegramConfig(token=TOKEN))
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(picture, format="PNG")
    png = picture.getvalue()
    async with serving(telegram, free_port()) as url, open_session(10.0, 4) as http:
        api = BotApi(http, url, TOKEN, max_attempts=1)
        photo = SendPhoto(42, png, "pokertracker-graph-EUR.png", "image/png", "Profit ✓",
                          ((Button("Again", "graph:again"),),))
        assert isinstance(await api.send(photo), dict)
        document = SendDocument(42, b"a;b\r\n1;2\r\n", "pokertracker-2025-01-02.csv", "text/csv")
        assert isinstance(await api.send(document), dict)
    sent = [c for c in telegram.state.fake.calls if c["method"] in ("sendPhoto", "sendDocument")]
    assert [c["method"] for c in sent] == ["sendPhoto", "sendDocument"]
    photo_params, document_params = sent[0]["params"], sent[1]["params"]
    assert str(photo_params["chat_id"]) == "42" and photo_params["caption"] == "Profit ✓"
    assert "graph:again" in str(photo_params["reply_markup"])
    assert photo_params["photo"]["filename"] == "pokertracker-graph-EUR.png"
    assert photo_params["photo"]["content_type"] == "image/png"
    assert base64.b64decode(photo_params["photo"]["data_base64"]) == png
    assert document_params["document"]["filename"] == "pokertracker-2025-01-02.csv"
    assert document_params["document"]["content_type"] == "text/csv"
    assert base64.b64decode(document_params["document"]["data_base64"]) == b"a;b\r\n1;2\r\n"


def file_server(file_size: int | None, status: int, content: bytes) -> Starlette:
    """getFile answers ``file_size``; the file URL answers ``status`` and ``content`` in chunks."""

    async def get_file(request: Request) -> JSONResponse:
        result: dict = {"file_id": "f", "file_path": "photos/file_1.jpg"}
        if file_size is not None:
            result["file_size"] = file_size
        return JSONResponse({"ok": True, "result": result})

    async def chunks():  # type: ignore[no-untyped-def]
        for i in range(0, len(content), 1000):
            yield content[i:i + 1000]

    async def download(request: Request) -> Response:
        assert request.path_params["path"] == "photos/file_1.jpg"
        return StreamingResponse(chunks(), status_code=status, media_type="image/jpeg")

    return Starlette(routes=[
        Route("/bot{token}/getFile", get_file, methods=["POST"]),
        Route("/file/bot{token}/{path:path}", download, methods=["GET"]),
    ])


async def download_through(app: Starlette, max_bytes: int) -> bytes | DependencyUnavailable | None:
    async with serving(app, free_port()) as url, open_session(10.0, 4) as http:
        files = UserFiles(BotApi(http, url, TOKEN, max_attempts=1))
        try:
            return await files.download("f", max_bytes)
        except DependencyUnavailable as exc:
            return exc


async def test_download_streams_the_file_within_the_cap() -> None:
    content = bytes(range(256)) * 20
    assert await download_through(file_server(len(content), 200, content), 10_000) == content


async def test_download_refuses_a_file_over_the_cap_before_and_while_streaming() -> None:
    content = b"x" * 5000
    assert await download_through(file_server(5000, 200, content), 4000) is None
    # getFile does not say the size (or lies): the stream is cut once it passes the cap.
    assert await download_through(file_server(None, 200, content), 4000) is None
    assert await download_through(file_server(10, 200, content), 4000) is None


async def test_download_errors() -> None:
    assert await download_through(file_server(10, 404, b"not found"), 4000) is None
    failed = await download_through(file_server(10, 503, b"busy"), 4000)
    assert isinstance(failed, DependencyUnavailable) and "503" in str(failed)


async def test_download_network_failure_is_a_dependency_failure_without_the_url() -> None:
    async def get_file(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "result": {"file_id": "f", "file_path": "a.jpg"}})

    async def cut_short(request: Request) -> Response:
        # Promises more than it sends: the connection closes in the middle of the body.
        return Response(b"abc", headers={"content-length": "1000"}, media_type="image/jpeg")

    app = Starlette(routes=[
        Route("/bot{token}/getFile", get_file, methods=["POST"]),
        Route("/file/bot{token}/{path:path}", cut_short, methods=["GET"]),
    ])
    async with serving(app, free_port()) as url, open_session(10.0, 4) as http:
        # getFile answers; the download breaks off on the network.
        files = UserFiles(BotApi(http, url, TOKEN))
        with pytest.raises(DependencyUnavailable) as raised:
            await files.download("f", 4000)
    assert "AAAAAAAAAA" not in str(raised.value) and raised.value.__cause__ is None
