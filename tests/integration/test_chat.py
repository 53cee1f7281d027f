"""The terminal chat (``python -m devkit.chat``) as a player runs it, against a real fake Telegram:
the photos and documents the bot sends are saved and their path is shown where they appear,
inline queries (``@bot stats``, the Share button) show the cards the bot answers, and the
stack's hint for a second chat works exactly as printed."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import os
import secrets
import shlex
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devkit.chat.cli import build_parser
from devkit.fake_telegram import FakeTelegramConfig, create_app
from devkit.processes import REPO_ROOT
from devkit.stack.cli import announce, parse_args
from devkit.stack.config import build_config
from tests.conftest import free_port, random_user_id
from tests.integration.conftest import serving

pytestmark = pytest.mark.integration

TOKEN = f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(26)}"
CSV = "date,venue,buy-in,prize\n2024-05-01,Покерок,10.00,25.50\n".encode()


def png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


@dataclass
class Bot:
    """The bot's side: Bot API calls to the fake, uploads as multipart like the handler sends them."""

    http: httpx.AsyncClient

    async def call(self, method: str, files: dict | None = None, **params: object) -> dict:
        if files:
            response = await self.http.post(f"/bot{TOKEN}/{method}", data=params, files=files)
        else:
            response = await self.http.post(f"/bot{TOKEN}/{method}", json=params)
        body = response.json()
        assert body["ok"], body
        result: dict = body["result"]
        return result


@contextlib.asynccontextmanager
async def fake_telegram(port: int | None = None, webhook: str | None = None) -> AsyncIterator[tuple[str, Bot]]:
    app = create_app(FakeTelegramConfig(token=TOKEN, webhook_url=webhook))
    async with serving(app, port or free_port()) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield url, Bot(http)


class ChatProcess:
    """A chat in a process of its own, its input piped, its output read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def expect(self, text: str, timeout: float = 20.0) -> str:
        """Read output until a line containing ``text``; return that line."""
        assert self.process.stdout is not None

        async def until_found() -> str:
            while True:
                raw = await self.process.stdout.readline()  # type: ignore[union-attr]
                if not raw:
                    raise AssertionError(f"the chat ended before {text!r}; it printed {self.lines}")
                self.lines.append(raw.decode().rstrip("\n"))
                if text in self.lines[-1]:
                    return self.lines[-1]

        try:
            return await asyncio.wait_for(until_found(), timeout)
        except TimeoutError:
            raise AssertionError(f"no {text!r} within {timeout}s; the chat printed {self.lines}") from None

    async def quit(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write(b"/quit\n")
        self.process.stdin.close()
        await asyncio.wait_for(self.process.communicate(), 20)
        assert self.process.returncode is not None
        return self.process.returncode


@contextlib.asynccontextmanager
async def chat_process(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> AsyncIterator[ChatProcess]:
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    try:
        yield ChatProcess(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def chat_env(*, with_this_code: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FAKE_TELEGRAM_URL", "PYTHONPATH")}
    if with_this_code:
        env["PYTHONPATH"] = str(REPO_ROOT)
    return env


def chat_argv(url: str, user_id: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "devkit.chat", "--telegram", url, "--user-id", str(user_id), *options]


async def test_the_bots_photos_and_documents_are_saved_and_their_path_shown(tmp_path: Path) -> None:
    uid = random_user_id()
    graph, csv_again = png("green"), CSV + b"2024-05-02,GGPoker,5.00,0\n"
    async with fake_telegram() as (url, bot), \
            chat_process(chat_argv(url, uid), tmp_path, chat_env(with_this_code=True)) as chat:  # fmt: skip
        await chat.expect("photos and files the bot sends are saved in .run/received")

        photo = await bot.call("sendPhoto", chat_id=uid, caption="Your results",
                               files={"photo": ("pokertracker-graph.png", graph, "image/png")})  # fmt: skip
        saved = await chat.expect("saved to")
        assert chat.lines[-2].startswith("bot> [photo,") and chat.lines[-2].endswith("Your results")
        assert saved.split() == ["saved", "to", ".run/received/pokertracker-graph.png"]

        await bot.call("sendDocument", chat_id=uid, caption="2 sessions",
                       files={"document": ("pokertracker-2024-05-01.csv", CSV, "text/csv")})  # fmt: skip
        assert (await chat.expect("saved to")).split()[-1] == ".run/received/pokertracker-2024-05-01.csv"
        await bot.call("sendDocument", chat_id=uid,
                       files={"document": ("pokertracker-2024-05-01.csv", csv_again, "text/csv")})  # fmt: skip
        assert (await chat.expect("saved to")).split()[-1] == ".run/received/pokertracker-2024-05-01-2.csv"

        # Sent again by file_id: the file Telegram holds (the photo as it re-encoded it).
        resent = await bot.call("sendPhoto", chat_id=uid, photo=photo["photo"][-1]["file_id"])
        held = (await bot.http.get(f"/_files/{photo['photo'][-1]['file_id']}")).json()
        assert (await chat.expect("saved to")).split()[-1] == f".run/received/photo-{resent['message_id']}.jpg"

        # New buttons on a photo message show it again, but it is not saved again.
        await bot.call("editMessageReplyMarkup", chat_id=uid, message_id=photo["message_id"],
                       reply_markup={"inline_keyboard": [[{"text": "EUR", "callback_data": "g:EUR"}]]})  # fmt: skip
        await bot.call("sendMessage", chat_id=uid, text="That is all")
        await chat.expect("bot> That is all")
        assert await chat.quit() == 0

    received = tmp_path / ".run" / "received"
    assert sorted(p.name for p in received.iterdir()) == [
        f"photo-{resent['message_id']}.jpg", "pokertracker-2024-05-01-2.csv",
        "pokertracker-2024-05-01.csv", "pokertracker-graph.png",
    ]  # fmt: skip
    assert (received / "pokertracker-graph.png").read_bytes() == graph  # as the bot drew it
    assert (received / "pokertracker-2024-05-01.csv").read_bytes() == CSV
    assert (received / "pokertracker-2024-05-01-2.csv").read_bytes() == csv_again
    assert (received / f"photo-{resent['message_id']}.jpg").read_bytes() == base64.b64decode(held["data_base64"])
    assert sum("saved to" in line for line in chat.lines) == 4


async def test_inline_queries_typed_or_from_a_share_button_show_the_bots_cards(tmp_path: Path) -> None:
    uid, updates = random_user_id(), asyncio.Queue[dict]()

    async def hook(request: Request) -> Response:
        await updates.put(await request.json())
        return Response()

    card = {"type": "article", "id": "all", "title": "📊 My stats: all time", "description": "Played 3",
            "input_message_content": {"message_text": "📊 My poker tournaments, all time\n🎲 Played: 3"}}  # fmt: skip
    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    env = chat_env(with_this_code=True)
    async with serving(receiver, free_port()) as hook_url, fake_telegram(webhook=f"{hook_url}/hook") as (url, bot), \
            chat_process(chat_argv(url, uid, "--lang", "ru"), tmp_path, env) as chat:  # fmt: skip
        await chat.expect("@bot stats")  # the banner says how
        assert chat.process.stdin is not None
        chat.process.stdin.write(b"@pokertracker_dev_bot stats\n")
        inline = (await asyncio.wait_for(updates.get(), 20))["inline_query"]
        assert (inline["query"], inline["from"]["id"], inline["from"]["language_code"]) == ("stats", uid, "ru")
        assert inline["chat_type"] == "sender"
        await bot.call("answerInlineQuery", inline_query_id=inline["id"], results=[card], cache_time=10)
        assert "[inline «@bot stats»] 1 card(s)" in await chat.expect("[inline")
        assert (await chat.expect("(1)")).strip() == "(1) 📊 My stats: all time — Played 3"
        assert (await chat.expect("Played: 3")).strip() == "🎲 Played: 3"

        share = {"inline_keyboard": [[{"text": "📤 Share", "switch_inline_query": "result 7"}]]}
        await bot.call("sendMessage", chat_id=uid, text="Result saved", reply_markup=share)
        await chat.expect("[1] 📤 Share")
        chat.process.stdin.write(b"#1\n")
        inline = (await asyncio.wait_for(updates.get(), 20))["inline_query"]
        assert inline["query"] == "result 7"
        await bot.call("answerInlineQuery", inline_query_id=inline["id"], results=[])
        assert (await chat.expect("[inline")).endswith("[inline «@bot result 7»] no cards")
        assert updates.empty()  # nothing was sent to the chat as a message
        assert await chat.quit() == 0


async def test_received_dir_chooses_the_folder_and_a_file_name_cannot_leave_it(tmp_path: Path) -> None:
    uid, elsewhere, cwd = random_user_id(), tmp_path / "downloads", tmp_path / "cwd"
    cwd.mkdir()
    async with fake_telegram() as (url, bot):
        argv = chat_argv(url, uid, "--received-dir", str(elsewhere))
        async with chat_process(argv, cwd, chat_env(with_this_code=True)) as chat:
            await chat.expect(f"saved in {elsewhere}")
            await bot.call("sendDocument", chat_id=uid,
                           files={"document": ("../../escape me.csv", CSV, "text/csv")})  # fmt: skip
            assert (await chat.expect("saved to")).split()[-1] == str(elsewhere / "escape_me.csv")
            assert await chat.quit() == 0
    assert [p.name for p in elsewhere.iterdir()] == ["escape_me.csv"]
    assert (elsewhere / "escape_me.csv").read_bytes() == CSV
    assert list(cwd.iterdir()) == []


async def test_the_stacks_hint_for_a_second_chat_works_as_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    config = build_config({"FAKE_TELEGRAM_PORT": str(port)}, parse_args(["--run-dir", str(tmp_path / "run")]))
    announce(config)
    hint = next(line for line in capsys.readouterr().out.splitlines() if "second terminal" in line)
    command = hint.split("second terminal: ", 1)[1]

    words = shlex.split(command)
    assert words[:2] == ["cd", str(REPO_ROOT)] and words[2] == "&&" and words[4:6] == ["-m", "devkit.chat"]
    options = build_parser().parse_args(words[6:])
    assert options.telegram == config.fake_url == f"http://127.0.0.1:{port}"
    assert options.user_id != config.chat_options.user_id

    async with fake_telegram(port) as (_, bot), \
            chat_process(["bash", "-c", command], tmp_path, chat_env(with_this_code=False)) as chat:  # fmt: skip
        await chat.expect(f"(user {options.user_id}, language en) through http://127.0.0.1:{port}")
        await bot.call("sendDocument", chat_id=options.user_id,
                       files={"document": ("pokertracker-2024-05-01.csv", CSV, "text/csv")})  # fmt: skip
        await chat.expect("saved to")
        assert await chat.quit() == 0
    # Next to the files of the stack's own chat.
    assert (config.chat_options.received_dir / "pokertracker-2024-05-01.csv").read_bytes() == CSV

