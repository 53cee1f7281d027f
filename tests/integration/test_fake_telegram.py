"""The fake Telegram (devkit/fake_telegram/) over real HTTP, delivering to a real webhook receiver."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from uvicorn.logging import AccessFormatter

from devkit.fake_telegram import (
    FakeTelegram,
    FakeTelegramConfig,
    RedactingFilter,
    create_app,
)
from tests.conftest import eventually, free_port, random_user_id
from tests.integration.conftest import serving
from tests.telegram_client import TelegramUser

pytestmark = pytest.mark.integration


class Receiver:
    """A webhook: records every request; answers the next scripted (status, headers) first, then 200."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, str]]] = []
        self.app = Starlette(routes=[Route("/{path:path}", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        body, at = await request.json(), time.monotonic()
        self.requests.append({"at": at, "path": request.url.path, "json": body, "headers": request.headers})
        if self.script:
            status, headers = self.script.pop(0)
            return Response(status_code=status, headers=headers)
        return JSONResponse({})


@dataclass
class Tg:
    http: httpx.AsyncClient
    fake: FakeTelegram
    receiver: Receiver
    hook: str
    token: str
    secret: str

    async def api(self, method: str, **params: Any) -> httpx.Response:
        return await self.http.post(f"/bot{self.token}/{method}", json=params)

    async def user(self, user_id: int, what: str = "messages", **body: Any) -> dict[str, Any]:
        return (await self.http.post(f"/_users/{user_id}/{what}", json=body)).json()


def new_token() -> str:
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(26)}"


@contextlib.asynccontextmanager
async def fake_telegram(token: str, secret: str) -> AsyncIterator[Tg]:
    receiver = Receiver()
    async with serving(receiver.app, free_port()) as receiver_url:
        hook = f"{receiver_url}/hook"
        app = create_app(FakeTelegramConfig(token=token, webhook_url=hook, webhook_secret=secret))
        async with serving(app, free_port()) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield Tg(http, app.state.fake, receiver, hook, token, secret)


@pytest.fixture
async def tg() -> AsyncIterator[Tg]:
    async with fake_telegram(new_token(), secrets.token_urlsafe(32)) as env:
        yield env


@pytest.fixture(scope="module")
async def shared_tg() -> AsyncIterator[Tg]:
    """One fake for cases that change nothing in it."""
    async with fake_telegram(new_token(), secrets.token_urlsafe(32)) as env:
        yield env


BAD_DATA = {"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]}  # 66 bytes


@pytest.mark.parametrize(
    ("token", "method", "params", "status", "description"),
    [
        ("1:wrong", "getMe", {}, 401, "Unauthorized"),
        (None, "getUpdatez", {}, 404, "Not Found"),
        (None, "sendMessage", {"text": "hi"}, 400, "Bad Request: chat_id is empty"),
        (None, "sendMessage", {"chat_id": 1}, 400, "Bad Request: message text is empty"),
        (None, "sendMessage", {"chat_id": 1, "text": "a" * 4097}, 400, "Bad Request: message is too long"),
        (None, "sendMessage", {"chat_id": 1, "text": "k", "reply_markup": BAD_DATA}, 400,
         "Bad Request: BUTTON_DATA_INVALID"),
        (None, "sendMessage", {"chat_id": 1, "text": "1.2", "parse_mode": "MarkdownV2"}, 400,
         "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'"),
        (None, "answerCallbackQuery", {}, 400, 'Bad Request: parameter "callback_query_id" is required'),
        (None, "answerInlineQuery", {"results": []}, 400, 'Bad Request: parameter "inline_query_id" is required'),
        (None, "answerInlineQuery", {"inline_query_id": "1", "results": [
            {"type": "article", "id": "i" * 65, "title": "t", "input_message_content": {"message_text": "x"}}]},
         400, "Bad Request: RESULT_ID_INVALID"),
        (None, "answerInlineQuery", {"inline_query_id": "1", "results": [
            {"type": "article", "id": "a", "title": "t", "input_message_content": {"message_text": ""}}]},
         400, "Bad Request: MESSAGE_TEXT_INVALID"),
        (None, "setMyCommands", {"commands": [{"command": "Stats", "description": "x"}]}, 400,
         "Bad Request: BOT_COMMAND_INVALID"),
        (None, "setMyCommands", {"commands": [{"command": "stats", "description": " "}]}, 400,
         "Bad Request: command description must be non-empty"),
        (None, "setMyCommands", {"commands": [{"command": "stats", "description": "d" * 257}]}, 400,
         "Bad Request: command description is too long"),
        (None, "setMyCommands", {"commands": [], "scope": {"type": "chat"}}, 400,
         "Bad Request: can't parse BotCommandScope"),
        (None, "setMyCommands", {"commands": [], "language_code": "rus"}, 400, "Bad Request: LANG_CODE_INVALID"),
    ],
)  # fmt: skip
async def test_errors_are_telegram_shaped(
    shared_tg: Tg, token: str | None, method: str, params: dict, status: int, description: str
) -> None:
    response = await shared_tg.http.post(f"/bot{token or shared_tg.token}/{method}", json=params)
    assert response.status_code == status
    assert response.json() == {"ok": False, "error_code": status, "description": description}


async def test_answers_are_telegram_shaped_up_to_the_limits(tg: Tg) -> None:
    me = (await tg.api("getMe")).json()
    assert me["ok"] and me["result"]["is_bot"] and me["result"]["id"] == int(tg.token.split(":")[0])
    uid, keyboard = random_user_id(), {"inline_keyboard": [[{"text": "T", "callback_data": "d" * 64}]]}
    sent = (await tg.api("sendMessage", chat_id=uid, text="a" * 4096, reply_markup=keyboard)).json()["result"]
    assert sent["chat"] == {"id": uid, "type": "private"} and sent["from"]["is_bot"]
    assert sent["text"] == "a" * 4096 and sent["reply_markup"] == keyboard
    form = {"chat_id": uid, "text": "<b>Hi</b> &amp; bye", "parse_mode": "HTML", "reply_markup": json.dumps(keyboard)}
    second = (await tg.http.post(f"/bot{tg.token}/sendMessage", data=form)).json()["result"]  # form-encoded
    assert second["message_id"] == sent["message_id"] + 1
    assert second["text"] == "Hi & bye" and second["reply_markup"] == keyboard


async def test_calls_are_recorded_and_filtered(tg: Tg) -> None:
    a, b = random_user_id(), random_user_id()
    await tg.api("sendMessage", chat_id=a, text="to a")
    await tg.api("sendMessage", chat_id=b, text="to b")
    await tg.http.post("/bot1:wrong/getMe")
    calls = (await tg.http.get("/_calls")).json()["calls"]
    assert [(c["method"], c["ok"]) for c in calls] == [("sendMessage", True), ("sendMessage", True), ("getMe", False)]
    only_a = (await tg.http.get("/_calls", params={"method": "sendMessage", "chat_id": a})).json()["calls"]
    assert [c["params"] for c in only_a] == [{"chat_id": a, "text": "to a"}]
    after_first = (await tg.http.get("/_calls", params={"after": calls[0]["seq"]})).json()["calls"]
    assert after_first == calls[1:]
    await tg.http.post("/_reset")
    assert (await tg.http.get("/_calls")).json() == {"calls": []}
    await tg.api("getMe")
    assert (await tg.http.get("/_calls")).json()["calls"][0]["seq"] > calls[-1]["seq"]


async def test_user_message_reaches_the_webhook_as_an_update(tg: Tg) -> None:
    uid = random_user_id()
    answer = await tg.user(uid, text="/start hi", language_code="ru", first_name="Alice", username="alice")
    assert answer["status"] == 200 and answer["attempts"] == 1
    [delivery] = tg.receiver.requests
    assert delivery["path"] == "/hook" and delivery["headers"]["content-type"] == "application/json"
    assert delivery["headers"]["x-telegram-bot-api-secret-token"] == tg.secret
    assert delivery["json"]["update_id"] == answer["update_id"]
    message = delivery["json"]["message"]
    assert abs(message.pop("date") - time.time()) < 60
    assert message == {
        "message_id": answer["message_id"],
        "from": {"id": uid, "is_bot": False, "first_name": "Alice", "language_code": "ru", "username": "alice"},
        "chat": {"id": uid, "type": "private", "first_name": "Alice"},
        "text": "/start hi",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    plain = await tg.user(uid, text="plain")
    assert plain["update_id"] == answer["update_id"] + 1
    assert "entities" not in tg.receiver.requests[-1]["json"]["message"]


async def test_button_press_reaches_the_webhook_and_is_answered_once(tg: Tg) -> None:
    uid, keyboard = random_user_id(), {"inline_keyboard": [[{"text": "T1", "callback_data": "t:1"}]]}
    sent = (await tg.api("sendMessage", chat_id=uid, text="Pick", reply_markup=keyboard)).json()["result"]
    answer = await tg.user(uid, "callback", message_id=sent["message_id"], data="t:1")
    assert answer["status"] == 200
    [delivery] = tg.receiver.requests
    assert delivery["headers"]["x-telegram-bot-api-secret-token"] == tg.secret
    assert delivery["json"]["update_id"] == answer["update_id"]
    query = delivery["json"]["callback_query"]
    assert query["id"] == answer["callback_query_id"] and query["data"] == "t:1" and query["message"] == sent
    assert query["from"] == {"id": uid, "is_bot": False, "first_name": f"User{uid}", "language_code": "en"}
    first = await tg.api("answerCallbackQuery", callback_query_id=query["id"], text="Saved", show_alert=True)
    assert first.json() == {"ok": True, "result": True}
    twice = (await tg.api("answerCallbackQuery", callback_query_id=query["id"])).json()
    assert twice["error_code"] == 400 and twice["description"].startswith("Bad Request: query is too old")
    [alert] = (await tg.http.get(f"/_users/{uid}/alerts")).json()["alerts"]
    assert alert["text"] == "Saved" and alert["show_alert"] is True


async def test_failed_deliveries_are_retried_honouring_retry_after(tg: Tg) -> None:
    tg.receiver.script = [(503, {}), (429, {"Retry-After": "2"})]
    answer = await tg.user(random_user_id(), text="hi")
    assert answer["status"] == 200 and answer["attempts"] == 3 and "error" not in answer
    deliveries = tg.receiver.requests
    assert len(deliveries) == 3 and len({json.dumps(d["json"]) for d in deliveries}) == 1  # the same update
    backoff, retry_after = (b["at"] - a["at"] for a, b in pairwise(deliveries))
    assert 0.45 <= backoff < 1.5  # the first retry waits 0.5 s
    assert retry_after >= 1.9  # Retry-After: 2, not the doubled 1 s back-off
    tg.receiver.script = [(503, {})]
    failed = await tg.user(random_user_id(), text="hi", max_attempts=1)
    assert (failed["status"], failed["attempts"]) == (503, 1)
    assert failed["error"] == "Wrong response from the webhook: 503 Service Unavailable"
    info = (await tg.api("getWebhookInfo")).json()["result"]
    assert info["last_error_message"] == failed["error"] and isinstance(info["last_error_date"], int)


async def test_set_webhook_and_webhook_info(tg: Tg) -> None:
    info = (await tg.api("getWebhookInfo")).json()
    assert info == {"ok": True, "result": {"url": tg.hook, "has_custom_certificate": False,
                                           "pending_update_count": 0, "max_connections": 40}}  # fmt: skip
    other, secret = tg.hook.replace("/hook", "/other"), secrets.token_urlsafe(16)
    set_ = await tg.api("setWebhook", url=other, secret_token=secret, max_connections=5, allowed_updates=["message"])
    assert set_.json() == {"ok": True, "result": True, "description": "Webhook was set"}
    info = (await tg.api("getWebhookInfo")).json()["result"]
    assert (info["url"], info["max_connections"], info["allowed_updates"]) == (other, 5, ["message"])
    assert (await tg.user(random_user_id(), text="hi"))["status"] == 200
    [delivery] = tg.receiver.requests
    assert delivery["path"] == "/other" and delivery["headers"]["x-telegram-bot-api-secret-token"] == secret
    skipped = await tg.user(random_user_id(), "callback", message_id=1, data="x")
    assert skipped["attempts"] == 0 and len(tg.receiver.requests) == 1
    deleted = await tg.api("deleteWebhook")
    assert deleted.json() == {"ok": True, "result": True, "description": "Webhook was deleted"}
    assert (await tg.api("getWebhookInfo")).json()["result"]["url"] == ""
    refused = await tg.http.post(f"/_users/{random_user_id()}/messages", json={"text": "hi"})
    assert refused.status_code == 409 and "error" in refused.json() and len(tg.receiver.requests) == 1


async def test_bot_messages_long_poll_wakes_on_new_message(tg: Tg, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[float] = []  # the fake shares this event loop: note when a long-poll has begun waiting
    real_wait_for = tg.fake.wait_for

    async def wait_for(collect: Any, wait: float, gone: Any = None) -> Any:
        started.append(wait)
        return await real_wait_for(collect, wait, gone)

    async def waiting() -> list[float]:
        return started

    monkeypatch.setattr(tg.fake, "wait_for", wait_for)
    uid = random_user_id()
    first = (await tg.api("sendMessage", chat_id=uid, text="1")).json()["result"]
    feed = f"/_users/{uid}/messages"
    poll = asyncio.create_task(tg.http.get(feed, params={"after": first["message_id"], "wait": 60}))
    await eventually(waiting)
    await tg.api("sendMessage", chat_id=uid, text="2")
    [second] = (await asyncio.wait_for(poll, 5)).json()["messages"]
    assert (second["text"], second["edited"], second["message_id"]) == ("2", False, first["message_id"] + 1)
    await tg.api("editMessageText", chat_id=uid, message_id=first["message_id"], text="1b")
    unchanged = await tg.api("editMessageText", chat_id=uid, message_id=first["message_id"], text="1b")
    assert unchanged.status_code == 400 and "message is not modified" in unchanged.json()["description"]
    edits = (await tg.http.get(feed, params={"after_seq": second["seq"]})).json()["messages"]
    assert [(m["message_id"], m["text"], m["edited"]) for m in edits] == [(first["message_id"], "1b", True)]


async def test_token_and_secret_stay_out_of_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    token, secret = new_token(), secrets.token_urlsafe(32)
    caplog.set_level(logging.DEBUG, logger="uvicorn")
    caplog.set_level(logging.DEBUG, logger="devkit.fake_telegram")
    # The access log of the serving uvicorn shows Bot API paths; the fake's command line redacts it so.
    access_log = logging.getLogger("uvicorn.access")
    redactor = RedactingFilter([token, token.partition(":")[2], secret])
    access_log.addFilter(redactor)
    try:
        async with fake_telegram(token, secret) as tg:
            await tg.api("getMe")
            await tg.http.post(f"/bot{token}/sendMessage", data={"chat_id": "5", "text": "hi"})
            tg.receiver.script = [(503, {})]
            await tg.user(random_user_id(), text="hi", max_attempts=1)
            await tg.api("setWebhook", url=tg.hook, secret_token=secret)
            await tg.user(random_user_id(), text="hi")
    finally:
        access_log.removeFilter(redactor)
    assert any(r.name == "devkit.fake_telegram" for r in caplog.records) and "/bot***/getMe" in caplog.text
    for leaked in (token, token.partition(":")[2], secret):
        assert leaked not in caplog.text


def test_redacted_access_log_lines_still_format() -> None:
    token = f"1:{secrets.token_urlsafe(26)}"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:1", "POST", f"/bot{token}/getMe", "1.1", 200), None)  # fmt: skip
    RedactingFilter([token]).filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert "/bot***/getMe" in line and token not in line


@pytest.mark.parametrize(("header", "seconds"), [("2", 2.0), ("nan", None), ("inf", None), ("-3", 0.0), ("x", None)])
def test_retry_after_from_a_webhook_is_bounded(header: str, seconds: float | None) -> None:
    from devkit.fake_telegram.webhook import _parse_retry_after

    assert _parse_retry_after(header) == seconds


# ---------------------------------------------------------------------------- files


def png(size: tuple[int, int] = (1600, 900), colour: str = "navy") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


async def download(tg: Tg, file_id: str, token: str | None = None) -> httpx.Response:
    """getFile, then the download, as a bot does."""
    info = (await tg.api("getFile", file_id=file_id)).json()
    assert info["ok"], info
    return await tg.http.get(f"/file/bot{token or tg.token}/{info['result']['file_path']}")


async def test_a_user_photo_arrives_in_two_sizes_and_can_be_downloaded(tg: Tg) -> None:
    from PIL import Image

    uid = random_user_id()
    answer = await tg.user(uid, "photo", photo=b64(png()), caption="my ticket", language_code="ru")
    assert answer["status"] == 200
    [delivery] = tg.receiver.requests
    message = delivery["json"]["message"]
    assert delivery["json"]["update_id"] == answer["update_id"] and message["message_id"] == answer["message_id"]
    assert message["from"]["id"] == uid and message["caption"] == "my ticket" and "text" not in message
    thumbnail, full = message["photo"]
    assert (thumbnail["width"], thumbnail["height"]) == (90, 51)  # Telegram's "s" size
    assert (full["width"], full["height"]) == (1280, 720)  # at most 1280 px, largest last
    assert answer["file_id"] == full["file_id"] and answer["file_ids"] == [thumbnail["file_id"], full["file_id"]]
    assert len({thumbnail["file_unique_id"], full["file_unique_id"]}) == 2
    info = (await tg.api("getFile", file_id=full["file_id"])).json()["result"]
    assert info == {"file_id": full["file_id"], "file_unique_id": full["file_unique_id"],
                    "file_size": full["file_size"], "file_path": info["file_path"]}  # fmt: skip
    assert info["file_path"].startswith("photos/") and info["file_path"].endswith(".jpg")
    fetched = await tg.http.get(f"/file/bot{tg.token}/{info['file_path']}")
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/jpeg"
    assert len(fetched.content) == full["file_size"]
    image = Image.open(io.BytesIO(fetched.content))
    assert (image.format, image.size) == ("JPEG", (1280, 720))
    held = (await tg.http.get(f"/_files/{full['file_id']}")).json()
    assert held["downloads"] == 1 and base64.b64decode(held["data_base64"]) == fetched.content


async def test_a_user_document_is_kept_unchanged(tg: Tg) -> None:
    uid, content = random_user_id(), b"date,name\r\n2025-03-01,Main\r\n"
    answer = await tg.user(uid, "document", document=b64(content), file_name="mine.csv")
    message = tg.receiver.requests[-1]["json"]["message"]
    assert message["document"] == {
        "file_id": answer["file_id"], "file_unique_id": message["document"]["file_unique_id"],
        "file_name": "mine.csv", "mime_type": "text/csv", "file_size": len(content),
    }  # fmt: skip
    fetched = await download(tg, answer["file_id"])
    assert fetched.content == content and fetched.headers["content-type"].startswith("text/csv")
    fake_jpeg = await tg.user(uid, "document", document=b64(b"not a jpeg"), file_name="t.jpg",
                              mime_type="image/jpeg", caption="ticket")  # fmt: skip
    message = tg.receiver.requests[-1]["json"]["message"]
    assert message["document"]["mime_type"] == "image/jpeg" and message["caption"] == "ticket"
    assert (await download(tg, fake_jpeg["file_id"])).content == b"not a jpeg"


async def test_file_errors_are_telegram_shaped(tg: Tg, monkeypatch: pytest.MonkeyPatch) -> None:
    unknown = await tg.api("getFile", file_id="AgACAgIAAx-nothing")
    assert unknown.status_code == 400
    assert unknown.json() == {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
    assert (await tg.api("getFile")).json()["description"] == 'Bad Request: parameter "file_id" is required'
    answer = await tg.user(random_user_id(), "document", document=b64(b"x" * 100), file_name="big.bin")
    path = (await tg.api("getFile", file_id=answer["file_id"])).json()["result"]["file_path"]
    wrong_token = await tg.http.get(f"/file/bot1:wrong/{path}")
    assert wrong_token.status_code == 401 and wrong_token.json()["description"] == "Unauthorized"
    missing = await tg.http.get(f"/file/bot{tg.token}/documents/file_999999.bin")
    assert missing.status_code == 404 and missing.json()["description"] == "Not Found"
    monkeypatch.setattr("devkit.fake_telegram.files.MAX_DOWNLOAD_BYTES", 99)
    too_big = (await tg.api("getFile", file_id=answer["file_id"])).json()
    assert too_big["description"] == "Bad Request: file is too big"
    assert (await tg.http.get("/_files/nothing")).status_code == 404


async def test_user_file_misuse_is_refused(tg: Tg) -> None:
    uid = random_user_id()
    not_image = await tg.http.post(f"/_users/{uid}/photo", json={"photo": b64(b"%PDF-1.4")})
    assert not_image.status_code == 400 and "image" in not_image.json()["error"]
    not_base64 = await tg.http.post(f"/_users/{uid}/document", json={"document": "!!", "file_name": "x"})
    assert not_base64.status_code == 400 and "base64" in not_base64.json()["error"]
    assert tg.receiver.requests == []


async def test_uploads_by_the_bot_are_recorded_and_get_file_ids(tg: Tg) -> None:
    uid, csv_bytes, chart = random_user_id(), b"id,name\r\n1,Main\r\n", png((800, 600), "white")
    form = {"chat_id": str(uid), "caption": "Your tournaments", "reply_markup": json.dumps(
        {"inline_keyboard": [[{"text": "Again", "callback_data": "again"}]]})}
    sent = (await tg.http.post(f"/bot{tg.token}/sendDocument", data=form,
                               files={"document": ("export.csv", csv_bytes, "text/csv")})).json()  # fmt: skip
    assert sent["ok"], sent
    document = sent["result"]["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == (
        "export.csv", "text/csv", len(csv_bytes)
    )
    assert sent["result"]["caption"] == "Your tournaments" and sent["result"]["reply_markup"]["inline_keyboard"]
    photo = (await tg.http.post(f"/bot{tg.token}/sendPhoto", data={"chat_id": str(uid)},
                                files={"photo": ("graph.png", chart, "image/png")})).json()["result"]  # fmt: skip
    assert [(p["width"], p["height"]) for p in photo["photo"]] == [(90, 68), (800, 600)]
    # The call records the upload as it was sent; the user can send the file back.
    user = TelegramUser(tg.http, uid)
    uploads = await user.uploads()
    assert [(u.method, u.filename, u.content_type, u.content) for u in uploads] == [
        ("sendDocument", "export.csv", "text/csv", csv_bytes), ("sendPhoto", "graph.png", "image/png", chart)]
    assert uploads[0].params["caption"] == "Your tournaments"
    assert await user.file(document["file_id"]) == csv_bytes
    assert (await download(tg, photo["photo"][-1]["file_id"])).headers["content-type"] == "image/jpeg"
    back = await user.send_document(await user.file(document["file_id"]), "export.csv", "text/csv")
    assert back.file_id != document["file_id"]
    assert tg.receiver.requests[-1]["json"]["message"]["document"]["file_name"] == "export.csv"
    # Sent again by file_id, as bots do; a file_id the fake never issued is refused.
    again = (await tg.api("sendDocument", chat_id=uid, document=document["file_id"])).json()["result"]
    assert again["document"]["file_id"] == document["file_id"]
    resent = (await tg.api("sendPhoto", chat_id=uid, photo=photo["photo"][0]["file_id"])).json()["result"]
    assert resent["photo"] == photo["photo"]
    wrong = (await tg.api("sendDocument", chat_id=uid, document="nope")).json()
    assert wrong["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    broken = (await tg.http.post(f"/bot{tg.token}/sendPhoto", data={"chat_id": str(uid)},
                                 files={"photo": ("x.png", b"garbage", "image/png")})).json()  # fmt: skip
    assert broken["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    feed = (await tg.http.get(f"/_users/{uid}/messages")).json()["messages"]
    assert feed[0]["document"] == {"file_id": document["file_id"], "file_name": "export.csv",
                                   "mime_type": "text/csv", "file_size": len(csv_bytes)}  # fmt: skip
    assert feed[1]["photo"]["file_id"] == photo["photo"][-1]["file_id"] and feed[1]["photo"]["width"] == 800


async def test_the_test_client_sends_photos_and_documents(tg: Tg) -> None:
    user = TelegramUser(tg.http, random_user_id(), "ru")
    sent = await user.send_photo(png((400, 300)), caption="билет")
    message = tg.receiver.requests[-1]["json"]["message"]
    assert (sent.update_id, sent.message_id) == (tg.receiver.requests[-1]["json"]["update_id"], message["message_id"])
    assert sent.file_id == message["photo"][-1]["file_id"] and message["from"]["language_code"] == "ru"
    doc = await user.send_document(b"%PDF-1.4", "ticket.pdf")
    assert tg.receiver.requests[-1]["json"]["message"]["document"]["mime_type"] == "application/pdf"
    assert await user.file(doc.file_id or "") == b"%PDF-1.4"
