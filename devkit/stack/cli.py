"""``python -m devkit.stack``: provide the servers, start the services, serve the chat (or
nothing) until it ends, Ctrl-C or SIGTERM, and stop everything."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path

from devkit import chat
from devkit.chat.cli import second_chat_command
from devkit.local_servers import LocalServers, ServersError
from devkit.processes import REPO_ROOT
from devkit.stack.config import RUN_DIR, WEBHOOK_PATH, StackConfig, StackError, build_config
from devkit.stack.console import say
from devkit.stack.preflight import preflight
from devkit.stack.services import Stack, Terminated, supervise
from services.common.logs import redact_url


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


def announce(config: StackConfig) -> None:
    say(f"ready: gateway {config.gateway_url}{WEBHOOK_PATH}, {config.replicas} handler "
        f"replica(s), RabbitMQ {redact_url(config.amqp_url)}, "
        f"PostgreSQL {redact_url(config.database_url)}")  # fmt: skip
    if config.use_fake:
        say(f"fake Telegram at {config.fake_url}; chat as another user from a second "
            f"terminal: {second_chat_command(config.chat_options, REPO_ROOT)}")  # fmt: skip
    else:
        say("using the real Telegram Bot API. Telegram must reach the gateway over HTTPS: put "
            f"a TLS proxy or tunnel in front of port {config.gateway_port}, then register the "
            f"webhook once: setWebhook with url=https://<public host>{WEBHOOK_PATH} and "
            "secret_token=$WEBHOOK_SECRET. Nothing here registers it.")  # fmt: skip


async def serve(stack: Stack) -> int:
    """Run the chat (or nothing) until it ends, SIGTERM, or a fatal exit; return the status.

    Ctrl-C cancels this coroutine (``asyncio.run`` turns SIGINT into a cancellation).
    """
    loop = asyncio.get_running_loop()
    terminated = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, terminated.set)
    supervisor = asyncio.create_task(supervise(stack))
    tasks: set[asyncio.Task[object]] = {supervisor, asyncio.create_task(terminated.wait())}
    if stack.config.with_chat:
        tasks.add(asyncio.create_task(chat.run_chat(stack.config.chat_options)))
    else:
        say("running; press Ctrl-C to stop")
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        loop.remove_signal_handler(signal.SIGTERM)
    return 1 if supervisor in done else 0


def run_stack(config: StackConfig) -> int:
    """Provide the servers, start everything, serve, stop everything (the private servers
    last); return the exit status."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        with LocalServers(config.run_dir / "servers", config.servers_request, say=say,
                          fresh=config.fresh) as found:  # fmt: skip
            return _run_services(replace(config, database_url=found.database_url,
                                         amqp_url=found.amqp_url))  # fmt: skip
    except ServersError as err:
        say(str(err))
        return 1
    except (KeyboardInterrupt, Terminated):  # while the private servers started
        print(flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_services(config: StackConfig) -> int:
    stack = Stack(config)
    try:
        preflight(config)
        started = time.monotonic()
        stack.start()
        stack.wait_ready()
        say(f"all up in {time.monotonic() - started:.1f} s")
        announce(config)
        return asyncio.run(serve(stack))
    except StackError as err:
        say(str(err))
        return 1
    except (KeyboardInterrupt, Terminated):
        print(flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, _raise_terminated)  # asyncio leaves SIG_DFL behind
        stack.stop()


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devkit.stack",
        description="Run the development stack (fake Telegram unless BOT_TOKEN is set).",
    )
    parser.add_argument("--no-chat", action="store_true",
                        help="run headless until Ctrl-C (chat from another terminal)")  # fmt: skip
    parser.add_argument("--replicas", type=_positive_int, default=None,
                        help="handler replicas (default HANDLER_REPLICAS or 2)")  # fmt: skip
    parser.add_argument("--user-id", type=_positive_int, default=1001, help="chat user id")
    parser.add_argument("--lang", default="en", help="chat user's language_code (en, ru)")
    parser.add_argument("--name", default="Alice", help="chat user's first name")
    parser.add_argument("--startup-timeout", type=float, default=60.0, metavar="SECONDS",
                        help="how long to wait for the services to answer")  # fmt: skip
    parser.add_argument("--fresh", action="store_true",
                        help="delete the private PostgreSQL's and RabbitMQ's data first")  # fmt: skip
    parser.add_argument("--run-dir", type=Path, default=RUN_DIR, metavar="DIR",
                        help="where logs/ and the private servers' servers/ go (default .run)")  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        config = build_config(os.environ, args)
    except StackError as err:
        print(f"stack: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    raise SystemExit(run_stack(config))
