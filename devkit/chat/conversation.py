"""One simulated user's conversation with the bot through the fake Telegram."""

from __future__ import annotations

import asyncio
import base64
import mimetypes
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

from devkit.chat.options import ChatOptions, JsonDict
from devkit.chat.received import fetch_sent_file, save_file, sent_file_kind, shown_path
from devkit.chat.render import (
    INDENT,
    PROMPT,
    Button,
    keyboard_buttons,
    render_alert,
    render_inline_answer,
    render_message,
)
from devkit.chat.terminal import LineReader, Screen, import_readline, terminal_restored

QUIET_SECONDS = 0.4  # scripted input: the bot is done once it is silent this long

BANNER = """\
Chatting as {name} (user {user_id}, language {lang}) through {url}
  type a message and press Enter to send it; commands like /start go to the bot
  #N     press button N of the latest message with buttons (#  shows them again)
  !photo PATH   send an image as a photo (a ticket for OCR);  !file PATH  send a file (a CSV)
  @bot stats    an inline query, as typed in any chat (a 📤 Share button types one too)
  photos and files the bot sends are saved in {received}
  /quit  leave (Ctrl-D works too)"""


@dataclass
class ChatState:
    """What the chat has seen so far."""

    after_seq: int = 0
    after_alert: int = 0
    after_inline: int = 0
    inline_queries: dict[str, str] = field(default_factory=dict)  # inline_query id -> the query
    keyboards: dict[int, list[Button]] = field(default_factory=dict)  # message_id -> buttons
    activity: asyncio.Event = field(default_factory=asyncio.Event)

    def remember(self, entry: JsonDict) -> None:
        self.after_seq = max(self.after_seq, entry["seq"])
        buttons = keyboard_buttons(entry.get("reply_markup"))
        if buttons:
            self.keyboards[entry["message_id"]] = buttons
        else:
            self.keyboards.pop(entry["message_id"], None)

    def latest_keyboard(self) -> tuple[int, list[Button]] | None:
        if not self.keyboards:
            return None
        message_id = max(self.keyboards)
        return message_id, self.keyboards[message_id]


class Chat:
    """One simulated user talking to the bot through the fake Telegram."""

    def __init__(self, options: ChatOptions, client: httpx.AsyncClient, screen: Screen) -> None:
        self.options = options
        self.client = client
        self.screen = screen
        self.state = ChatState()
        self.user_path = f"/_users/{options.user_id}"
        self.unreachable = False  # say so once per outage, not once per retry

    # ---- background polling ---------------------------------------------------------------

    async def skip_history(self) -> None:
        """Start after everything already in the chat, so old messages are not replayed."""
        messages = (await self._get_json(f"{self.user_path}/messages", {}))["messages"]
        alerts = (await self._get_json(f"{self.user_path}/alerts", {}))["alerts"]
        answers = (await self._get_json(f"{self.user_path}/inline", {}))["answers"]
        self.state.after_seq = max((m["seq"] for m in messages), default=0)
        self.state.after_alert = max((a["seq"] for a in alerts), default=0)
        self.state.after_inline = max((a["seq"] for a in answers), default=0)

    async def poll_messages(self) -> None:
        while True:
            params = {"after_seq": self.state.after_seq, "wait": self.options.poll_seconds}
            data = await self._poll(f"{self.user_path}/messages", params)
            for entry in data.get("messages", []):
                self.state.remember(entry)
                self.screen.show(render_message(entry) + await self.save_sent_file(entry))
                self.state.activity.set()

    async def save_sent_file(self, entry: JsonDict) -> list[str]:
        """Save the photo or document a bot message brings; the line saying where it is."""
        kind = sent_file_kind(entry)
        if kind is None:
            return []
        try:
            sent = await fetch_sent_file(self.client, self.options.user_id, entry, kind)
            path = save_file(self.options.received_dir, sent)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            return [f"!! could not fetch the {kind} from the fake Telegram ({type(exc).__name__})"]
        except OSError as exc:
            return [f"!! could not save the {kind} in {self.options.received_dir}: {exc.strerror}"]
        return [f"{INDENT}saved to {shown_path(path)}"]

    async def poll_alerts(self) -> None:
        await self._follow("alerts", "alerts", self.state.after_alert, render_alert)

    async def poll_inline(self) -> None:
        def show(answer: JsonDict) -> list[str]:
            query = self.state.inline_queries.pop(answer["inline_query_id"], "")
            return render_inline_answer(query, answer)

        await self._follow("inline", "answers", self.state.after_inline, show)

    async def _follow(self, route: str, key: str, after: int, show: Callable[[JsonDict], list[str]]) -> None:
        """Long-poll ``/_users/{id}/<route>`` for entries (under ``key``) recorded after ``after``
        and show each as it comes."""
        while True:
            data = await self._poll(f"{self.user_path}/{route}", {"after": after, "wait": self.options.poll_seconds})
            for entry in data.get(key, []):
                after = max(after, entry["seq"])
                self.screen.show(show(entry))
                self.state.activity.set()

    async def _poll(self, path: str, params: JsonDict) -> JsonDict:
        """One long poll; on trouble, say so once per outage and back off a second."""
        try:
            data = await self._get_json(path, params)
        except (httpx.HTTPError, ValueError) as exc:
            if not self.unreachable:
                self.unreachable = True
                self.screen.say(f"lost the fake Telegram ({type(exc).__name__}); retrying")
            await asyncio.sleep(1.0)
            return {}
        if self.unreachable:
            self.unreachable = False
            self.screen.say("the fake Telegram is back")
        return data

    async def _get_json(self, path: str, params: JsonDict) -> JsonDict:
        response = await self.client.get(path, params=params)
        response.raise_for_status()
        data: JsonDict = response.json()
        return data

    # ---- user actions ---------------------------------------------------------------------

    def _user_fields(self) -> JsonDict:
        fields: JsonDict = {
            "language_code": self.options.language_code,
            "first_name": self.options.first_name,
            "max_attempts": self.options.max_attempts,
        }
        if self.options.username:
            fields["username"] = self.options.username
        return fields

    async def send_text(self, text: str) -> bool:
        """Send ``text`` as the user's message; True if the gateway accepted it."""
        body = {"text": text, **self._user_fields()}
        return await self._deliver(f"{self.user_path}/messages", body, "message") is not None

    async def inline_query(self, query: str) -> bool:
        """Type ``@bot <query>`` as Telegram sends it while the user types: an inline query,
        whose cards the bot answers (shown by ``poll_inline``); nothing goes to the chat."""
        body = {"query": query, **self._user_fields()}
        outcome = await self._deliver(f"{self.user_path}/inline", body, "inline query")
        if outcome is None:
            return False
        self.state.inline_queries[outcome["inline_query_id"]] = query
        return True

    async def send_file(self, command: str) -> bool:
        """Handle ``!photo PATH`` and ``!file PATH``: send a file from disk as the user."""
        kind, _, raw_path = command.partition(" ")
        path = Path(raw_path.strip()).expanduser()
        if kind not in ("photo", "file") or not raw_path.strip():
            self.screen.say("use !photo PATH or !file PATH")
            return False
        try:
            content = path.read_bytes()
        except OSError as exc:
            self.screen.say(f"cannot read {path}: {exc.strerror}")
            return False
        data = base64.b64encode(content).decode("ascii")
        if kind == "photo":
            body = {"photo": data, **self._user_fields()}
            return await self._deliver(f"{self.user_path}/photo", body, "photo") is not None
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        body = {"document": data, "file_name": path.name, "mime_type": mime, **self._user_fields()}
        return await self._deliver(f"{self.user_path}/document", body, "file") is not None

    async def press(self, spec: str) -> bool:
        """Handle ``#N`` (press button N) or ``#`` (show the buttons again).

        True if something was delivered to the bot, so an answer may follow.
        """
        latest = self.state.latest_keyboard()
        if latest is None:
            self.screen.say("no bot message with buttons yet")
            return False
        message_id, buttons = latest
        spec = spec.strip()
        if not spec:
            self.screen.show([INDENT + f"[{i}] {b.label}" for i, b in enumerate(buttons, 1)])
            return False
        if not spec.isdigit() or not 1 <= int(spec) <= len(buttons):
            self.screen.say(f"there is no button {spec}; choose 1..{len(buttons)}")
            return False
        button = buttons[int(spec) - 1]
        if button.url:
            self.screen.show([f"{INDENT}(link button: {button.url})"])
            return False
        if button.reply_text is not None:
            return await self.send_text(button.reply_text)
        if button.inline_query is not None:
            return await self.inline_query(button.inline_query)
        if button.callback_data is not None:
            body = {"message_id": message_id, "data": button.callback_data, **self._user_fields()}
            return await self._deliver(f"{self.user_path}/callback", body, "button press") is not None
        self.screen.say(f"button [{spec}] is of a kind the chat cannot press")
        return False

    async def _deliver(self, path: str, body: JsonDict, what: str) -> JsonDict | None:
        """The fake's outcome of delivering the user's update; None (and why, on screen) if the
        gateway did not take it."""
        try:
            response = await self.client.post(path, json=body)
        except httpx.HTTPError as exc:
            self.screen.say(f"the fake Telegram is not reachable ({type(exc).__name__})")
            return None
        try:
            data: JsonDict = response.json()
        except ValueError:
            data = {}
        if response.status_code != 200:
            reason = data.get("error", f"HTTP {response.status_code}")
            self.screen.say(f"the fake Telegram refused the {what}: {reason}")
            return None
        if data.get("status") != 200:
            self.screen.say(_describe_refusal(what, data))
            return None
        return data


def _describe_refusal(what: str, outcome: JsonDict) -> str:
    if outcome.get("skipped"):
        return f"the {what} was not delivered: {outcome['skipped']}"
    status = outcome.get("status")
    answer = f"HTTP {status}" if status is not None else outcome.get("error", "no answer")
    return (
        f"the gateway did not accept the {what} ({answer} after "
        f"{outcome.get('attempts')} attempt(s)); is the gateway running?"
    )


async def _settle(activity: asyncio.Event, first_wait: float) -> None:
    """Wait until the bot answered and went quiet, or ``first_wait`` passed without output."""
    timeout = first_wait
    while timeout > 0:
        try:
            await asyncio.wait_for(activity.wait(), timeout)
        except TimeoutError:
            return
        activity.clear()
        timeout = QUIET_SECONDS


async def _converse(chat: Chat, reader: LineReader, settle: float) -> None:
    while True:
        line = await reader.readline()
        if line is None or line.strip() == "/quit":
            return
        if not line.strip():
            continue
        if not chat.screen.interactive:
            chat.screen.show([PROMPT + line])
        chat.state.activity.clear()
        if line.startswith("#"):
            delivered = await chat.press(line[1:])
        elif line.startswith("!"):
            delivered = await chat.send_file(line[1:].strip())
        elif line.startswith("@") and len(line) > 1 and not line[1].isspace():
            delivered = await chat.inline_query(line.partition(" ")[2].strip())
        else:
            delivered = await chat.send_text(line)
        if delivered:
            await _settle(chat.state.activity, settle)


async def run_chat(options: ChatOptions, out: TextIO | None = None) -> int:
    """Run the chat until ``/quit`` or end of input; return an exit status."""
    out = out or sys.stdout
    interactive = sys.stdin.isatty() and out.isatty()
    settle = options.settle_seconds
    if settle is None:
        settle = 1.5 if interactive else 10.0
    screen = Screen(out, interactive, import_readline() if interactive else None)
    timeout = httpx.Timeout(10.0, read=options.poll_seconds + 75.0)
    async with httpx.AsyncClient(base_url=options.telegram_url, timeout=timeout) as client:
        chat = Chat(options, client, screen)
        try:
            await chat.skip_history()
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            print(f"chat: the fake Telegram at {options.telegram_url} does not answer "
                  f"({type(exc).__name__}); is it running?", file=sys.stderr)  # fmt: skip
            return 1
        screen.show(BANNER.format(name=options.first_name, user_id=options.user_id,
                                  lang=options.language_code, url=options.telegram_url,
                                  received=shown_path(options.received_dir)).splitlines())  # fmt: skip
        pollers = [asyncio.create_task(chat.poll_messages()),
                   asyncio.create_task(chat.poll_alerts()),
                   asyncio.create_task(chat.poll_inline())]  # fmt: skip
        try:
            with terminal_restored(interactive):
                await _converse(chat, LineReader(asyncio.get_running_loop(), screen), settle)
        finally:
            for task in pollers:
                task.cancel()
            await asyncio.gather(*pollers, return_exceptions=True)
    return 0
