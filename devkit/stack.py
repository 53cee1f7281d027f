"""Bring up the whole development stack on this machine: ``python -m devkit.stack``.

PostgreSQL and RabbitMQ are the ones ``DATABASE_URL`` and ``AMQP_URL`` name where they answer;
where nothing answers on this machine, the stack starts private instances of its own under
``.run/servers`` (installing the packages first if missing) and stops them when it stops,
their data kept for the next start (``--fresh`` deletes it first); see
``devkit.local_servers``.  The database is created if missing.

Without ``BOT_TOKEN`` in the environment the stack makes up a token and a webhook secret,
starts the fake Telegram, the session service, ``HANDLER_REPLICAS`` handler replicas, the OCR
service (ticket photos; it needs tesseract, see ``scripts/system-deps``) and the gateway, waits
until they answer, and opens the terminal chat (``devkit.chat``).  With ``BOT_TOKEN`` set it
talks to the real Telegram instead, needs ``WEBHOOK_SECRET``, and runs headless until Ctrl-C.

Each process writes to ``.run/logs/<name>.log`` under the repository root (``--run-dir``
puts ``logs/`` and ``servers/`` elsewhere).  Ctrl-C, the end of
the chat or SIGTERM stop every process: SIGTERM first, SIGKILL after 15 seconds.

Environment (defaults): ``AMQP_URL`` (amqp://guest:guest@127.0.0.1:5672/), ``DATABASE_URL``
(postgresql://postgres@127.0.0.1:5432/pokertracker), ``GATEWAY_PORT`` (8080),
``FAKE_TELEGRAM_PORT`` (8081), ``HANDLER_REPLICAS`` (2); ``AMQP_NAMESPACE``, ``LOG_LEVEL``,
``GATEWAY_HOST`` and ``TELEGRAM_API_URL`` are passed on to the services.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import re
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
import httpx

from devkit import chat
from devkit.createdb import ensure_database
from devkit.local_servers import LocalServers, Request, ServersError
from services.common.logs import redact_url

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = REPO_ROOT / ".run"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/pokertracker"
WEBHOOK_PATH = "/telegram/webhook"
STOP_TIMEOUT_SECONDS = 15.0
TAIL_LINES = 25
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{32,}$")
# Never handed to a process that does not need it.
SENSITIVE_ENV = ("BOT_TOKEN", "WEBHOOK_SECRET", "FAKE_TELEGRAM_TOKEN")
WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")


class StackError(Exception):
    """Why the stack cannot start or must stop, as one line for the operator."""


class Terminated(BaseException):
    """SIGTERM arrived while the stack was starting or stopping."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


def say(message: str) -> None:
    print(f"stack: {message}", flush=True)


# --------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True)
class StackConfig:
    """Everything the stack needs; the token and the secret never appear in its repr."""

    amqp_url: str = field(repr=False)
    database_url: str = field(repr=False)
    gateway_port: int
    fake_port: int
    replicas: int
    bot_token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    use_fake: bool
    with_chat: bool
    chat_options: chat.ChatOptions
    startup_timeout: float = 60.0
    gateway_host: str = "127.0.0.1"  # where this machine reaches the gateway
    run_dir: Path = RUN_DIR  # logs/ and the private servers' servers/
    fresh: bool = False  # delete the private servers' data before they start
    database_url_set: bool = False  # DATABASE_URL came from the environment
    amqp_url_set: bool = False

    @property
    def servers_request(self) -> Request:
        return Request(self.database_url, self.amqp_url, self.database_url_set, self.amqp_url_set)

    @property
    def secrets(self) -> list[str]:
        return [self.bot_token, self.webhook_secret]

    @property
    def gateway_url(self) -> str:
        return f"http://{self.gateway_host}:{self.gateway_port}"

    @property
    def fake_url(self) -> str:
        return f"http://127.0.0.1:{self.fake_port}"


def generate_bot_token() -> str:
    """A random token shaped like Telegram's: ``<10 digits>:<35 characters>``."""
    alphabet = string.ascii_letters + string.digits + "_-"
    bot_id = secrets.randbelow(9 * 10**9) + 10**9
    middle = "".join(secrets.choice(alphabet) for _ in range(33))
    # Alphanumeric at both ends so log scrubbers matching \b...\b catch the whole token.
    return f"{bot_id}:AA{middle[:-1]}{secrets.choice(string.ascii_letters + string.digits)}"


def generate_webhook_secret() -> str:
    """48 random characters of ``A-Za-z0-9_-``."""
    return secrets.token_urlsafe(36)


def _env_int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise StackError(f"{name} must be an integer from {low} to {high}")
    return int(raw)


def _local_host(bind_host: str) -> str:
    """The address this machine uses to reach a service bound to ``bind_host``."""
    return "127.0.0.1" if bind_host in WILDCARD_HOSTS else bind_host


def build_config(env: Mapping[str, str], args: argparse.Namespace) -> StackConfig:
    """Read the environment and the options; raise StackError naming what is wrong."""
    gateway_port = _env_int(env, "GATEWAY_PORT", 8080, 1, 65535)
    fake_port = _env_int(env, "FAKE_TELEGRAM_PORT", 8081, 1, 65535)
    replicas = args.replicas or _env_int(env, "HANDLER_REPLICAS", 2, 1, 64)
    bot_token = env.get("BOT_TOKEN", "").strip()
    use_fake = not bot_token
    if use_fake:
        bot_token, secret = generate_bot_token(), generate_webhook_secret()
        if gateway_port == fake_port:
            raise StackError("GATEWAY_PORT and FAKE_TELEGRAM_PORT must differ")
    else:
        secret = env.get("WEBHOOK_SECRET", "")
        if not SECRET_RE.match(secret):
            raise StackError(
                "BOT_TOKEN is set, so WEBHOOK_SECRET must be set too "
                "(at least 32 characters of A-Z a-z 0-9 _ -)"
            )
    options = chat.ChatOptions(
        telegram_url=f"http://127.0.0.1:{fake_port}",
        user_id=args.user_id,
        language_code=args.lang,
        first_name=args.name,
    )
    return StackConfig(
        amqp_url=env.get("AMQP_URL") or DEFAULT_AMQP_URL,
        database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        gateway_port=gateway_port,
        fake_port=fake_port,
        replicas=replicas,
        bot_token=bot_token,
        webhook_secret=secret,
        use_fake=use_fake,
        with_chat=use_fake and not args.no_chat,
        chat_options=options,
        startup_timeout=args.startup_timeout,
        gateway_host=_local_host(env.get("GATEWAY_HOST", "").strip()),
        run_dir=args.run_dir.absolute(),
        fresh=args.fresh,
        database_url_set=bool(env.get("DATABASE_URL")),
        amqp_url_set=bool(env.get("AMQP_URL")),
    )


# --------------------------------------------------------------------------------------------
# Checks before anything starts


def redact(text: str, hidden: list[str]) -> str:
    for secret in hidden:
        if secret:
            text = text.replace(secret, "***")
    return text


def ensure_port_free(port: int, what: str) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            pass
    except OSError:
        return
    raise StackError(f"port {port} ({what}) is already in use; is another stack still running?")


def ensure_rabbitmq_reachable(amqp_url: str) -> None:
    parts = urlsplit(amqp_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    try:
        with socket.create_connection((host, port), timeout=3.0):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StackError(f"RabbitMQ is not reachable at {host}:{port} ({reason})") from None


def preflight(config: StackConfig) -> None:
    """Fail early, with one clear line, on what would make the services crash at start."""
    ensure_port_free(config.gateway_port, "GATEWAY_PORT")
    if config.use_fake:
        ensure_port_free(config.fake_port, "FAKE_TELEGRAM_PORT")
    ensure_rabbitmq_reachable(config.amqp_url)
    try:
        created = asyncio.run(ensure_database(config.database_url))
    except (OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise StackError(
            f"PostgreSQL is not usable at {redact_url(config.database_url)} "
            f"({type(exc).__name__}: {exc})"
        ) from None
    if created:
        say(f"created database {unquote(urlsplit(config.database_url).path.lstrip('/'))}")


# --------------------------------------------------------------------------------------------
# Child processes


def _die_with_parent_hook() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child if the stack itself dies (even SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


@dataclass
class Child:
    """One service process of the stack and its log file."""

    name: str
    module: str
    env: dict[str, str] = field(repr=False)
    args: list[str] = field(default_factory=list)
    essential: bool = True  # the stack cannot go on without it
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = Path()
    log_start: int = 0

    def start(self, log_dir: Path) -> None:
        self.log_path = log_dir / f"{self.name}.log"
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== devkit.stack: {self.name} starting at {stamp} =====\n".encode())
            log.flush()
            self.log_start = log.tell()
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module, *self.args],
                cwd=REPO_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the stack only; it stops the rest
                preexec_fn=_die_with_parent_hook(),
            )

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: signal.Signals) -> None:
        if self.running:
            assert self.process is not None
            self.process.send_signal(signum)

    def tail(self, hidden: list[str], lines: int = TAIL_LINES) -> list[str]:
        """The last lines this process wrote during this run, secrets hidden."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_start)
                text = log.read().decode("utf-8", "replace")
        except OSError:
            return []
        return [redact(line, hidden) for line in text.splitlines()[-lines:]]


def _child_env(config: StackConfig, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SENSITIVE_ENV}
    env.update(AMQP_URL=config.amqp_url, DATABASE_URL=config.database_url, PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def plan_children(config: StackConfig) -> list[Child]:
    """The processes to start, in start order."""
    children: list[Child] = []
    handler_env: dict[str, str] = {"BOT_TOKEN": config.bot_token}
    if config.use_fake:
        webhook_url = f"{config.gateway_url}{WEBHOOK_PATH}"
        fake_args = ["--host", "127.0.0.1", "--port", str(config.fake_port),
                     "--webhook-url", webhook_url]  # fmt: skip
        children.append(Child("fake-telegram", "devkit.fake_telegram", _child_env(
            config, FAKE_TELEGRAM_TOKEN=config.bot_token, WEBHOOK_SECRET=config.webhook_secret,
        ), fake_args))  # fmt: skip
        handler_env["TELEGRAM_API_URL"] = config.fake_url
    children.append(Child("session", "services.session", _child_env(config)))
    for number in range(1, config.replicas + 1):
        env = _child_env(config, **handler_env, INSTANCE_NAME=f"handler-{number}")
        children.append(Child(f"handler-{number}", "services.handler", env, essential=False))
    # Reads ticket photos through the same Bot API as the handlers (BOT_TOKEN, TELEGRAM_API_URL).
    children.append(Child("ocr", "services.ocr", _child_env(config, **handler_env)))
    children.append(Child("gateway", "services.gateway", _child_env(
        config, WEBHOOK_SECRET=config.webhook_secret, GATEWAY_PORT=str(config.gateway_port),
    )))  # fmt: skip
    return children


class Stack:
    """Starts, watches and stops the child processes."""

    def __init__(self, config: StackConfig, log_dir: Path | None = None) -> None:
        self.config = config
        self.log_dir = log_dir or config.run_dir / "logs"
        self.children = plan_children(config)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        say(f"logs go to {self.log_dir} (tail -f {self.log_dir}/*.log)")
        for child in self.children:
            child.start(self.log_dir)
            assert child.process is not None
            say(f"started {child.name} (pid {child.process.pid})")

    def print_tail(self, child: Child) -> None:
        lines = child.tail(self.config.secrets)
        say(f"last lines of {child.log_path}:" if lines else f"{child.log_path} is empty")
        for line in lines:
            print(f"    {line}", flush=True)

    def fail_if_any_exited(self) -> None:
        for child in self.children:
            if child.returncode is not None:
                self.print_tail(child)
                raise StackError(f"{child.name} {describe_exit(child.returncode)} during start-up")

    def can_go_on(self) -> bool:
        essential_up = all(c.running for c in self.children if c.essential)
        return essential_up and any(c.running for c in self.children if not c.essential)

    def wait_ready(self) -> None:
        """Poll the health endpoints until all answer 200, a child dies or time is up."""
        checks = {"gateway": f"{self.config.gateway_url}/readyz"}
        if self.config.use_fake:
            checks["fake-telegram"] = f"{self.config.fake_url}/healthz"
        say("waiting for " + " and ".join(f"GET {url}" for url in checks.values()))
        deadline = time.monotonic() + self.config.startup_timeout
        with httpx.Client(timeout=2.0) as client:
            while True:
                self.fail_if_any_exited()
                for name, url in list(checks.items()):
                    if _answers_200(client, url):
                        del checks[name]
                if not checks:
                    return
                if time.monotonic() >= deadline:
                    for name in checks:
                        self.print_tail(self.child(name))
                    waited = f"{self.config.startup_timeout:.0f} s"
                    raise StackError(f"{' and '.join(checks)} not ready after {waited}")
                time.sleep(0.25)

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def stop(self) -> None:
        """SIGTERM every child, wait up to 15 s, then SIGKILL; a second Ctrl-C kills at once."""
        alive = [c for c in self.children if c.running]
        if not alive:
            return
        say(f"stopping {len(alive)} processes "
            f"(SIGTERM, SIGKILL after {STOP_TIMEOUT_SECONDS:.0f} s)")  # fmt: skip
        for child in alive:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        try:
            while time.monotonic() < deadline:
                if not [c for c in alive if c.running]:  # polls (and reaps) every child
                    break
                time.sleep(0.1)
        except (KeyboardInterrupt, Terminated):
            say("interrupted again: killing")
        for child in alive:
            if child.running:
                say(f"{child.name} did not stop in time: SIGKILL")
                child.signal(signal.SIGKILL)
            if child.process is not None:
                child.process.wait()
        say("stopped")


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


def _answers_200(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url).status_code == 200
    except httpx.HTTPError:
        return False


async def supervise(stack: Stack) -> None:
    """Report children that exit after start-up; return once the stack cannot go on."""
    reported: set[str] = set()
    while True:
        await asyncio.sleep(0.5)
        for child in stack.children:
            if child.returncode is None or child.name in reported:
                continue
            reported.add(child.name)
            print(flush=True)
            say(f"{child.name} {describe_exit(child.returncode)}")
            stack.print_tail(child)
        if reported and not stack.can_go_on():
            say("the stack cannot go on without it")
            return


# --------------------------------------------------------------------------------------------
# Running


def announce(config: StackConfig) -> None:
    say(f"ready: gateway {config.gateway_url}{WEBHOOK_PATH}, {config.replicas} handler "
        f"replica(s), RabbitMQ {redact_url(config.amqp_url)}, "
        f"PostgreSQL {redact_url(config.database_url)}")  # fmt: skip
    if config.use_fake:
        say(f"fake Telegram at {config.fake_url}; chat as another user from a second "
            f"terminal: python -m devkit.chat --telegram {config.fake_url} --user-id 1002 "
            "--name Bob")  # fmt: skip
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
    tasks = {supervisor, asyncio.create_task(terminated.wait())}
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


if __name__ == "__main__":
    main()
