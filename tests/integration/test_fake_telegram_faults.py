"""The fake Telegram's scripted faults (devkit/fake_telegram/faults.py) over real HTTP: answered
in order, each used up once (or ``times``), then the normal behaviour; in the app and the lean
server, scripted in Python and over ``/_faults``.  (Beside test_fake_telegram.py, which is long
enough already.)"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from devkit.fake_telegram import FakeTelegram, FakeTelegramConfig, FakeTelegramServer, Fault, create_app
from tests.conftest import free_port
from tests.integration.conftest import serving

pytestmark = pytest.mark.integration


@dataclass
class Tg:
    http: httpx.AsyncClient
    fake: FakeTelegram
    token: str

    async def api(self, method: str, token: str | None = None, **params: Any) -> httpx.Response:
        return await self.http.post(f"/bot{token or self.token}/{method}", json=params)

    def statuses(self, method: str) -> list[tuple[bool, bool]]:
        """(answered by a fault, ok) of each recorded call of ``method``."""
        return [(call.get("fault", False), call["ok"]) for call in self.fake.calls if call["method"] == method]


@pytest.fixture
async def tg() -> AsyncIterator[Tg]:
    token = f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(26)}"
    app = create_app(FakeTelegramConfig(token=token))
    async with serving(app, free_port()) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield Tg(http, app.state.fake, token)


async def test_faults_answer_in_order_each_once_then_the_normal_behaviour(tg: Tg) -> None:
    tg.fake.faults.script("sendMessage", Fault(status=429, retry_after=2), Fault(status=500, times=2),
                          Fault(status=200, body={"ok": True, "result": {"message_id": 99}}))  # fmt: skip
    assert (await tg.api("getMe")).json()["ok"]  # another method: answered normally
    answers = [await tg.api("sendMessage", chat_id=1, text="hi") for _ in range(5)]
    assert [answer.status_code for answer in answers] == [429, 500, 500, 200, 200]
    assert answers[0].json() == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 2",
                                 "parameters": {"retry_after": 2}}  # fmt: skip
    assert answers[1].json() == {"ok": False, "error_code": 500, "description": "Internal Server Error"}
    assert answers[3].json() == {"ok": True, "result": {"message_id": 99}}
    assert answers[4].json()["result"]["text"] == "hi"  # the fake's own answer again
    # Every attempt is recorded, those a fault answered with "fault": true.
    assert tg.statuses("sendMessage") == [(True, False), (True, False), (True, False), (True, True), (False, True)]
    assert [call["params"] for call in tg.fake.calls if call["method"] == "sendMessage"] == [
        {"chat_id": 1, "text": "hi"}] * 5
    assert [entry["status"] for entry in tg.fake.faults.answered] == [429, 500, 500, 200]
    assert not tg.fake.faults and tg.fake.faults.pending() == []


async def test_methods_match_case_insensitively_and_a_wrong_token_takes_no_fault(tg: Tg) -> None:
    tg.fake.faults.script("SENDMESSAGE", Fault(status=500))
    assert (await tg.api("sendMessage", token="1:wrong", chat_id=1, text="x")).status_code == 401
    assert len(tg.fake.faults.pending()) == 1
    assert (await tg.api("sendmessage", chat_id=1, text="x")).status_code == 500
    assert (await tg.api("sendMessage", chat_id=1, text="x")).status_code == 200


async def test_a_raw_body_a_delay_and_an_answer_cut_short(tg: Tg) -> None:
    tg.fake.faults.script("getMe", Fault(status=502, raw=b"<html>Bad Gateway</html>"), Fault(delay=0.5),
                          Fault(cut_after=5))  # fmt: skip
    proxy = await tg.api("getMe")
    assert (proxy.status_code, proxy.text) == (502, "<html>Bad Gateway</html>")
    assert proxy.headers["content-type"].startswith("text/html")
    started = time.monotonic()
    late = await tg.api("getMe")
    assert time.monotonic() - started >= 0.5 and late.json()["ok"]  # the normal answer, late
    with pytest.raises(httpx.RemoteProtocolError):  # Content-Length promised, connection closed
        await tg.api("getMe")
    assert (await tg.api("getMe")).json()["result"]["is_bot"]


async def test_downloads_take_their_files_faults_first_then_any_files(tg: Tg) -> None:
    stored = tg.fake.store_document(b"0123456789" * 100, "notes.txt", "text/plain")
    url = f"/file/bot{tg.token}/{stored.file_path}"
    tg.fake.faults.script("file", Fault(status=503), Fault(cut_after=3))
    tg.fake.faults.script(f"file/{stored.file_path}", Fault(status=404, description="Not Found"))
    assert (await tg.http.get(f"/file/bot1:wrong/{stored.file_path}")).status_code == 401  # takes none
    assert (await tg.http.get(url)).status_code == 404
    assert (await tg.http.get(url)).status_code == 503
    with pytest.raises(httpx.RemoteProtocolError):
        await tg.http.get(url)
    assert (await tg.http.get(url)).content == stored.data
    assert [entry["target"] for entry in tg.fake.faults.answered] == [f"file/{stored.file_path}", "file", "file"]


async def test_faults_over_http(tg: Tg) -> None:
    script = {"target": "sendMessage", "faults": [
        {"status": 429, "retry_after": 1}, {"status": 502, "raw": "<b>down</b>", "times": 2}]}  # fmt: skip
    state = (await tg.http.post("/_faults", json=script)).json()
    assert [(p["target"], p["times_left"], p["fault"]["status"]) for p in state["pending"]] == [
        ("sendmessage", 1, 429), ("sendmessage", 2, 502)]
    assert state["pending"][1]["fault"]["raw_base64"] == "PGI+ZG93bjwvYj4="
    answers = [await tg.api("sendMessage", chat_id=1, text="x") for _ in range(2)]
    assert [(a.status_code, a.headers["content-type"].split(";")[0]) for a in answers] == [
        (429, "application/json"), (502, "text/html")]
    shown = (await tg.http.get("/_faults")).json()
    assert [p["times_left"] for p in shown["pending"]] == [1]
    assert [(a["target"], a["status"]) for a in shown["answered"]] == [("sendmessage", 429), ("sendmessage", 502)]
    assert (await tg.http.delete("/_faults")).json() == {"pending": [], "answered": []}
    assert (await tg.api("sendMessage", chat_id=1, text="x")).status_code == 200


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"target": "getMe", "faults": [{"stauts": 500}]}, "unknown fault field 'stauts'"),
        ({"target": "getMe", "faults": []}, "faults must be a non-empty list"),
        ({"target": "getMe", "faults": [{"status": 400, "body": {}, "raw": "x"}]}, "give one of body, raw"),
        ({"target": "getMe", "faults": [{"status": 200}, {"delay": 999}]}, "delay must be between 0 and 300"),
        ({"target": "getMe", "faults": [{"raw_base64": "!!", "status": 200}]}, "raw_base64 is not base64"),
        ({"faults": [{"status": 500}]}, "a fault's target must be"),
    ],
)
async def test_a_wrong_fault_is_refused_and_nothing_is_queued(tg: Tg, body: dict, error: str) -> None:
    answer = await tg.http.post("/_faults", json=body)
    assert answer.status_code == 400 and error in answer.json()["error"]
    assert tg.fake.faults.pending() == [] and (await tg.api("getMe")).status_code == 200


@pytest.mark.parametrize(
    "fields",
    [{}, {"status": 99}, {"status": True}, {"body": {}}, {"status": 200, "body": []},
     {"status": 429, "retry_after": 1, "body": {}}, {"status": 200, "content_type": "text/plain"},
     {"delay": -1}, {"cut_after": -1}, {"status": 500, "times": 0}],
)  # fmt: skip
def test_a_fault_that_cannot_be_answered_is_refused_when_scripted(fields: dict) -> None:
    with pytest.raises(ValueError):
        Fault(**fields)


@contextlib.asynccontextmanager
async def lean_server(token: str) -> AsyncIterator[tuple[FakeTelegramServer, httpx.AsyncClient]]:
    server = FakeTelegramServer(FakeTelegramConfig(token=token))
    url = await server.start()
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield server, http
    finally:
        await server.close()


async def test_the_lean_server_answers_faults_too() -> None:
    async with lean_server("123:lean") as (server, http):
        server.fake.faults.script("sendMessage", Fault(status=429, retry_after=1), Fault(cut_after=4))
        limited = await http.post("/bot123:lean/sendMessage", json={"chat_id": 1, "text": "x"})
        assert limited.status_code == 429 and limited.json()["parameters"] == {"retry_after": 1}
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/bot123:lean/sendMessage", json={"chat_id": 1, "text": "x"})
        normal = await http.post("/bot123:lean/sendMessage", json={"chat_id": 1, "text": "x"})
        assert normal.status_code == 200 and normal.json()["result"]["text"] == "x"
    assert server.fake.call_count == 3  # every call counted, the one a fault answered too
