"""The terminal side of the chat: printing without mangling the prompt, reading lines."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import queue
import sys
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import TextIO

from devkit.chat.render import PROMPT


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
                self.loop.call_soon_threadsafe(resolve_line, future, line)
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


def resolve_line(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():
        future.set_result(line)


def import_readline() -> ModuleType | None:
    try:
        return importlib.import_module("readline")
    except ImportError:
        return None


@contextlib.contextmanager
def terminal_restored(interactive: bool) -> Iterator[None]:
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
