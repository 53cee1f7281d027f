"""Chat with the bot from a terminal, through the fake Telegram.

``python -m devkit.chat --telegram http://127.0.0.1:8081 --user-id 1001 --lang en --name Alice``

The chat plays one simulated user: each line typed is sent as that user's message (the fake
posts it to the gateway's webhook), and the bot's messages are printed as they arrive, with
their inline keyboards as numbered buttons.  ``#N`` presses button N of the latest bot message
that has buttons, ``#`` shows those buttons again, ``/quit`` or end of input leaves.

When standard input is not a terminal (a pipe or a file) every input line is echoed, and the
chat waits for the bot to answer (``--settle`` seconds at most) before it reads the next line,
so scripted conversations work: ``printf '/start\\n#1\\n' | python -m devkit.chat``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib
import mimetypes
import os
import queue
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

import httpx

JsonDict = dict[str, Any]

DEFAULT_TELEGRAM_URL = "http://127.0.0.1:8081"
PROMPT = "you> "
BOT = "bot> "
INDENT = " " * len(BOT)
QUIET_SECONDS = 0.4  # scripted input: the bot is done once it is silent this long

BANNER = """\
Chatting as {name} (user {user_id}, language {lang}) through {url}
  type a message and press Enter to send it; commands like /start go to the bot
  #N     press button N of the latest message with buttons (#  shows them again)
  !photo PATH   send an image as a photo (a ticket for OCR);  !file PATH  send a file (a CSV)
  /quit  leave (Ctrl-D works too)"""


@dataclass(frozen=True)
class ChatOptions:
    """Who the chat plays and where the fake Telegram is."""

    telegram_url: str = DEFAULT_TELEGRAM_URL
    user_id: int = 1001
    language_code: str = "en"
    first_name: str = "Alice"
    username: str | None = None
    max_attempts: int = 3
    poll_seconds: float = 25.0
    settle_seconds: float | None = None  # None: 1.5 s on a terminal, 10 s for scripted input


@dataclass(frozen=True)
class Button:
    """One pressable button of a bot message."""

    label: str
    callback_data: str | None = None
    url: str | None = None
    reply_text: str | None = None  # reply-keyboard buttons send their text as a message


def keyboard_buttons(reply_markup: JsonDict | None) -> list[Button]:
    """The buttons of an inline keyboard or a reply keyboard, in reading order."""
    if not reply_markup:
        return []
    buttons: list[Button] = []
    for row in reply_markup.get("inline_keyboard") or []:
        for b in row:
            buttons.append(Button(b.get("text", "?"), b.get("callback_data"), b.get("url")))
    for row in reply_markup.get("keyboard") or []:
        for b in row:
            text = b if isinstance(b, str) else b.get("text", "?")
            buttons.append(Button(text, reply_text=text))
    return buttons


def keyboard_rows(reply_markup: JsonDict | None) -> list[list[str]]:
    """Button labels per row, numbered across the whole keyboard: ``[1] Sunday Million``."""
    if not reply_markup:
        return []
    rows = reply_markup.get("inline_keyboard") or reply_markup.get("keyboard") or []
    numbers = iter(range(1, 10_000))
    rendered: list[list[str]] = []
    for row in rows:
        labels = []
        for b in row:
            text = b if isinstance(b, str) else b.get("text", "?")
            suffix = f" -> {b['url']}" if isinstance(b, dict) and b.get("url") else ""
            labels.append(f"[{next(numbers)}] {text}{suffix}")
        rendered.append(labels)
    return rendered


def render_message(entry: JsonDict) -> list[str]:
    """Terminal lines for one bot message from ``GET /_users/{id}/messages``."""
    head = "(edited) " if entry.get("edited") else ""
    if document := entry.get("document"):
        head += f"[document {document.get('file_name')}, {document.get('file_size')} bytes] "
    if photo := entry.get("photo"):
        head += f"[photo, {photo.get('file_size')} bytes] "
    body = (head + (entry.get("text") or "")).rstrip().splitlines() or [""]
    lines = [BOT + body[0]] + [INDENT + line for line in body[1:]]
    lines += [INDENT + "   ".join(row) for row in keyboard_rows(entry.get("reply_markup"))]
    return lines


def render_alert(alert: JsonDict) -> list[str]:
    """Terminal lines for an answerCallbackQuery that carries a text (empty otherwise)."""
    if not alert.get("text"):
        return []
    kind = "alert" if alert.get("show_alert") else "notice"
    return [f"{BOT}[{kind}] {alert['text']}"]


class Screen:
    """Prints bot output without mangling the prompt the user is typing at."""

    def __init__(self, out: TextIO, interactive: bool, readline: ModuleType | None) -> None:
        self.out = out
        self.interactive = interactive
        self.readline = readline
        self.prompt_visible = False
        self.lock = threading.Lock()

    def show(self, lines: list[str]) -> None:
        if not lines:
            return
        with self.lock:
            if self.interactive and self.prompt_visible:
                typed = self.readline.get_line_buffer() if self.readline else ""
                self.out.write("\r\033[K" + "\n".join(lines) + "\n" + PROMPT + typed)
            else:
                self.out.write("\n".join(lines) + "\n")
            self.out.flush()

    def say(self, text: str) -> None:
        self.show([f"!! {text}"])


class LineReader:
    """Reads standard input in a daemon thread, one line per request.

    The prompt is shown only while the chat waits for a line, and nothing is left reading the
    terminal after the chat ends.  A terminal goes through ``input()`` (with line editing);
    pipes and files are read with ``os.read``, which holds no lock a daemon thread could keep.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, screen: Screen) -> None:
        self.loop = loop
        self.screen = screen
        self.requests: queue.SimpleQueue[asyncio.Future[str | None]] = queue.SimpleQueue()
        self.pending = b""
        thread = threading.Thread(target=self._serve, name="chat-stdin", daemon=True)
        thread.start()

    async def readline(self) -> str | None:
        """The next input line, or None at end of input."""
        future: asyncio.Future[str | None] = self.loop.create_future()
        self.requests.put(future)
        return await future

    def _serve(self) -> None:
        while True:
            future = self.requests.get()
            try:
                line = self._read_terminal() if self.screen.interactive else self._read_pipe()
            except (EOFError, OSError):
                line = None
            try:
                self.loop.call_soon_threadsafe(_resolve, future, line)
            except RuntimeError:  # the chat is over and its loop closed
                return
            if line is None:
                return

    def _read_terminal(self) -> str:
        """``input()`` with the screen locked until the prompt is really on the terminal."""
        screen = self.screen
        screen.lock.acquire()

        def prompt_shown() -> None:
            if not screen.prompt_visible:
                screen.prompt_visible = True
                screen.lock.release()

        if screen.readline is not None:
            screen.readline.set_pre_input_hook(prompt_shown)
        else:
            prompt_shown()
        try:
            return input(PROMPT)
        except EOFError:
            print(file=screen.out)
            raise
        finally:
            if screen.prompt_visible:
                with screen.lock:
                    screen.prompt_visible = False
            else:
                screen.lock.release()

    def _read_pipe(self) -> str | None:
        while b"\n" not in self.pending:
            chunk = os.read(sys.stdin.fileno(), 4096)
            if not chunk:
                if not self.pending:
                    return None
                line, self.pending = self.pending, b""
                return line.decode("utf-8", "replace")
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return line.decode("utf-8", "replace").rstrip("\r")


def _resolve(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():
        future.set_result(line)


@dataclass
class ChatState:
    """What the chat has seen so far."""

    after_seq: int = 0
    after_alert: int = 0
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
        self.state.after_seq = max((m["seq"] for m in messages), default=0)
        self.state.after_alert = max((a["seq"] for a in alerts), default=0)

    async def poll_messages(self) -> None:
        while True:
            params = {"after_seq": self.state.after_seq, "wait": self.options.poll_seconds}
            data = await self._poll(f"{self.user_path}/messages", params)
            for entry in data.get("messages", []):
                self.state.remember(entry)
                self.screen.show(render_message(entry))
                self.state.activity.set()

    async def poll_alerts(self) -> None:
        while True:
            params = {"after": self.state.after_alert, "wait": self.options.poll_seconds}
            data = await self._poll(f"{self.user_path}/alerts", params)
            for alert in data.get("alerts", []):
                self.state.after_alert = max(self.state.after_alert, alert["seq"])
                self.screen.show(render_alert(alert))
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
        return await self._deliver(f"{self.user_path}/messages", body, "message")

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
            return await self._deliver(f"{self.user_path}/photo", {"photo": data, **self._user_fields()}, "photo")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        body = {"document": data, "file_name": path.name, "mime_type": mime, **self._user_fields()}
        return await self._deliver(f"{self.user_path}/document", body, "file")

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
        if button.callback_data is not None:
            body = {"message_id": message_id, "data": button.callback_data, **self._user_fields()}
            return await self._deliver(f"{self.user_path}/callback", body, "button press")
        self.screen.say(f"button [{spec}] is of a kind the chat cannot press")
        return False

    async def _deliver(self, path: str, body: JsonDict, what: str) -> bool:
        try:
            response = await self.client.post(path, json=body)
        except httpx.HTTPError as exc:
            self.screen.say(f"the fake Telegram is not reachable ({type(exc).__name__})")
            return False
        try:
            data: JsonDict = response.json()
        except ValueError:
            data = {}
        if response.status_code != 200:
            reason = data.get("error", f"HTTP {response.status_code}")
            self.screen.say(f"the fake Telegram refused the {what}: {reason}")
            return False
        if data.get("status") != 200:
            self.screen.say(_describe_refusal(what, data))
            return False
        return True


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
        else:
            delivered = await chat.send_text(line)
        if delivered:
            await _settle(chat.state.activity, settle)


def _import_readline() -> ModuleType | None:
    try:
        return importlib.import_module("readline")
    except ImportError:
        return None


@contextlib.contextmanager
def _terminal_restored(interactive: bool) -> Iterator[None]:
    """Put the terminal back as it was, whatever line editing did to it."""
    if not interactive:
        yield
        return
    import termios

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


async def run_chat(options: ChatOptions, out: TextIO | None = None) -> int:
    """Run the chat until ``/quit`` or end of input; return an exit status."""
    out = out or sys.stdout
    interactive = sys.stdin.isatty() and out.isatty()
    settle = options.settle_seconds
    if settle is None:
        settle = 1.5 if interactive else 10.0
    screen = Screen(out, interactive, _import_readline() if interactive else None)
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
                                  lang=options.language_code, url=options.telegram_url
                                  ).splitlines())  # fmt: skip
        pollers = [asyncio.create_task(chat.poll_messages()),
                   asyncio.create_task(chat.poll_alerts())]  # fmt: skip
        try:
            with _terminal_restored(interactive):
                await _converse(chat, LineReader(asyncio.get_running_loop(), screen), settle)
        finally:
            for task in pollers:
                task.cancel()
            await asyncio.gather(*pollers, return_exceptions=True)
    return 0


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devkit.chat", description="Chat with the bot through the fake Telegram."
    )
    parser.add_argument(
        "--telegram",
        default=os.environ.get("FAKE_TELEGRAM_URL", DEFAULT_TELEGRAM_URL),
        help="base URL of the fake Telegram (env FAKE_TELEGRAM_URL; default %(default)s)",
    )
    parser.add_argument("--user-id", type=_positive_int, default=1001)
    parser.add_argument("--lang", default="en", help="language_code of the user, e.g. en or ru")
    parser.add_argument("--name", default=None, help="first name (default Alice for 1001)")
    parser.add_argument("--username", default=None, help="Telegram @username (optional)")
    parser.add_argument(
        "--max-attempts", type=_positive_int, default=3,
        help="webhook delivery attempts per message (default %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--settle", type=float, default=None,
        help="seconds to wait for the bot's answer before prompting again (default: 1.5 on a "
        "terminal, 10 when input is piped)",
    )  # fmt: skip
    return parser


def options_from_args(args: argparse.Namespace) -> ChatOptions:
    name = args.name or ("Alice" if args.user_id == 1001 else f"User{args.user_id}")
    return ChatOptions(
        telegram_url=args.telegram.rstrip("/"),
        user_id=args.user_id,
        language_code=args.lang,
        first_name=name,
        username=args.username,
        max_attempts=args.max_attempts,
        settle_seconds=args.settle,
    )


def run(options: ChatOptions) -> int:
    """Run the chat to completion; Ctrl-C ends it normally."""
    try:
        return asyncio.run(run_chat(options))
    except KeyboardInterrupt:
        print()
        return 0


def main(argv: list[str] | None = None) -> None:
    raise SystemExit(run(options_from_args(build_parser().parse_args(argv))))


if __name__ == "__main__":
    main()
