"""The Bot API client's retry policy, uploads and downloads against the fake Telegram over real
HTTP, which answers the failures each test scripts (devkit/fake_telegram/faults.py)."""

from __future__ import annotations

import base64
import contextlib
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image

from devkit.fake_telegram import FakeTelegram, FakeTelegramConfig, Fault, create_app
from services.common.telegram import BadToken, open_session
from services.handler.bot_api import BotApi, UserFiles
from services.handler.conversation.identity import BotIdentity
from services.handler.conversation.replies import Button, SendDocument, SendPhoto
from services.handler.errors import DependencyUnavailable
from tests.conftest import free_port
from tests.integration.conftest import serving

pytestmark = pytest.mark.integration

TOKEN = "123456:" + "A" * 35


@contextlib.asynccontextmanager
async def fake_api() -> AsyncIterator[tuple[str, FakeTelegram]]:
    """A fresh fake Telegram over HTTP, answering TOKEN only (a fault answers a right token only)."""
    app = create_app(FakeTelegramConfig(token=TOKEN))
    async with serving(app, free_port()) as url:
        yield url, app.state.fake


async def call_through(*faults: Fault, timeout: float = 10.0, **kw: Any) -> tuple[object, list[dict]]:
    """sendMessage through a BotApi, the fake answering ``faults`` first, then normally: the
    result (or the DependencyUnavailable raised) and every sendMessage attempt the fake saw."""
    async with fake_api() as (url, fake), open_session(timeout, 4) as http:
        fake.faults.script("sendMessage", *faults)
        api = BotApi(http, url, TOKEN, **kw)
        try:
            result: object = await api.call("sendMessage", {"chat_id": 1, "text": "hi"})
        except DependencyUnavailable as exc:
            result = exc
    return result, [call for call in fake.calls if call["method"] == "sendMessage"]


def sent(result: object) -> bool:
    """The fake's normal sendMessage answer: the message it sent."""
    return isinstance(result, dict) and result.get("text") == "hi" and isinstance(result.get("message_id"), int)


async def test_429_waits_retry_after_then_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    result, calls = await call_through(Fault(status=429, retry_after=1))
    assert sent(result) and len(calls) == 2
    assert calls[0]["fault"] and "fault" not in calls[1]
    assert calls[0]["params"] == calls[1]["params"] == {"chat_id": 1, "text": "hi"}
    assert any(getattr(r, "retry_after", None) == 1.0 for r in caplog.records)


async def test_5xx_is_retried_with_backoff() -> None:
    result, calls = await call_through(Fault(status=502, body={}), Fault(status=500, body={"ok": False}))
    assert sent(result) and len(calls) == 3


async def test_other_4xx_is_not_retried() -> None:
    result, calls = await call_through(Fault(status=403, description="Forbidden: bot was blocked by the user"))
    assert result is None and len(calls) == 1


async def test_persistent_failure_gives_up_after_max_attempts() -> None:
    result, calls = await call_through(Fault(status=500, times=10), max_attempts=3, max_backoff=0.5)
    assert isinstance(result, DependencyUnavailable) and len(calls) == 3


async def test_a_body_that_is_not_a_json_object_counts_as_empty() -> None:
    # A proxy's HTML error page is retried like any 5xx; a 200 with a non-object has no result.
    result, calls = await call_through(Fault(status=502, raw=b"<html>Bad Gateway</html>"),
                                       Fault(status=200, raw=b"[1, 2]"))  # fmt: skip
    assert result is None and len(calls) == 2
    result, calls = await call_through(Fault(status=429, raw=b"\xff not json", times=2),
                                       max_attempts=2, max_backoff=0.1)  # fmt: skip
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
    async with fake_api() as (url, fake), open_session(0.3, 4) as http:
        fake.faults.script("sendMessage", Fault(delay=5, times=2))  # answered, but too late
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


TRUE_SIZE = -1


async def download_through(
    content: bytes, max_bytes: int, file_size: int | None = TRUE_SIZE, download: Fault | None = None,
    max_attempts: int = 1,
) -> bytes | DependencyUnavailable | None:  # fmt: skip
    """UserFiles.download of ``content``, a file the fake holds.  ``file_size``: what getFile
    says instead of the truth (None: it says nothing); ``download``: the fault its download
    answers first."""
    async with fake_api() as (url, fake), open_session(10.0, 4) as http:
        stored = fake.store_document(content, "file_1.jpg", "image/jpeg")
        if file_size != TRUE_SIZE:
            said = {**stored.as_file(), "file_size": file_size}
            if file_size is None:
                del said["file_size"]
            fake.faults.script("getFile", Fault(status=200, body={"ok": True, "result": said}))
        if download is not None:
            fake.faults.script(f"file/{stored.file_path}", download)
        files = UserFiles(BotApi(http, url, TOKEN, max_attempts=max_attempts))
        try:
            return await files.download(stored.file_id, max_bytes)
        except DependencyUnavailable as exc:
            return exc


async def test_download_streams_the_file_within_the_cap() -> None:
    content = bytes(range(256)) * 20
    assert await download_through(content, 10_000) == content


async def test_download_refuses_a_file_over_the_cap_before_and_while_streaming() -> None:
    content = b"x" * 5000
    assert await download_through(content, 4000) is None
    # getFile does not say the size (or lies): the stream is cut once it passes the cap.
    assert await download_through(content, 4000, file_size=None) is None
    assert await download_through(content, 4000, file_size=10) is None


async def test_download_errors() -> None:
    content = b"x" * 10
    assert await download_through(content, 4000, download=Fault(status=404, raw=b"not found")) is None
    failed = await download_through(content, 4000, download=Fault(status=503, raw=b"busy"))
    assert isinstance(failed, DependencyUnavailable) and "503" in str(failed)


async def test_download_network_failure_is_a_dependency_failure_without_the_url() -> None:
    # getFile answers; the download promises 1000 bytes and breaks off on the network after 3.
    failed = await download_through(b"x" * 1000, 4000, download=Fault(cut_after=3), max_attempts=5)
    assert isinstance(failed, DependencyUnavailable)
    assert "AAAAAAAAAA" not in str(failed) and failed.__cause__ is None


async def test_identity_is_getme_username_once_telegram_answers() -> None:
    async with fake_api() as (url, fake), open_session(10.0, 4) as http:
        fake.faults.script("getMe", Fault(status=502))
        identity = await BotApi(http, url, TOKEN, max_backoff=0.1).identity()
        assert [c["method"] for c in fake.calls].count("getMe") == 2
    assert identity == BotIdentity("pokertracker_dev_bot")  # the fake's username


async def test_identity_with_a_token_telegram_refuses_is_a_bad_token() -> None:
    async with fake_api() as (url, _), open_session(10.0, 4) as http:
        with pytest.raises(BadToken):
            await BotApi(http, url, "1:" + "B" * 35).identity()


async def test_the_menu_and_its_removal_are_accepted_as_reply_markup() -> None:
    from services.handler.conversation.keyboards import main_menu
    from services.handler.conversation.replies import RemoveKeyboard, SendMessage
    from services.handler.texts.ru import RU

    async with fake_api() as (url, _), open_session(10.0, 4) as http:
        api = BotApi(http, url, TOKEN)
        for markup in (main_menu(RU), RemoveKeyboard()):
            sent_message = await api.send(SendMessage(1, "меню", reply_keyboard=markup))
            assert isinstance(sent_message, dict) and sent_message["text"] == "меню"
