"""``python -m devkit.chat``: the options, and running the chat until it ends."""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
from pathlib import Path

from devkit.chat.conversation import run_chat
from devkit.chat.options import DEFAULT_RECEIVED_DIR, DEFAULT_TELEGRAM_URL, ChatOptions


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
    parser.add_argument(
        "--received-dir", type=Path, default=DEFAULT_RECEIVED_DIR, metavar="DIR",
        help="where the photos and documents the bot sends are saved (default %(default)s, "
        "relative to the current directory)",
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
        received_dir=args.received_dir,
    )


def second_chat_command(options: ChatOptions, project_root: Path, python: str | None = None) -> str:
    """The shell command that opens a chat as another user next to the one ``options`` play:
    the same fake Telegram and received folder, user id one higher.  It changes to
    ``project_root`` first, so it works as printed from any terminal; ``python`` (default this
    interpreter) is shown relative to the project when it lies inside it."""
    root = project_root.absolute()
    executable = Path(python or sys.executable).absolute()
    try:
        shown = str(executable.relative_to(root))
        shown = shown if "/" in shown else f"./{shown}"
    except ValueError:
        shown = str(executable)
    argv = [shown, "-m", "devkit.chat", "--telegram", options.telegram_url,
            "--user-id", str(options.user_id + 1), "--lang", options.language_code, "--name", "Bob"]  # fmt: skip
    received = (root / options.received_dir).resolve()
    if received != (root / DEFAULT_RECEIVED_DIR).resolve():
        argv += ["--received-dir", str(received)]
    return f"cd {shlex.quote(str(root))} && {shlex.join(argv)}"


def run(options: ChatOptions) -> int:
    """Run the chat to completion; Ctrl-C ends it normally."""
    try:
        return asyncio.run(run_chat(options))
    except KeyboardInterrupt:
        print()
        return 0


def main(argv: list[str] | None = None) -> None:
    raise SystemExit(run(options_from_args(build_parser().parse_args(argv))))
