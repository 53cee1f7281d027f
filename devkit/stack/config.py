"""The stack's configuration: the environment and the options read once, checked, with a
made-up bot token and webhook secret when the fake Telegram stands in for the real one."""

from __future__ import annotations

import argparse
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devkit.chat import ChatOptions
from devkit.local_servers import Request
from devkit.processes import REPO_ROOT

RUN_DIR = REPO_ROOT / ".run"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/pokertracker"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{32,}$")
WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")


class StackError(Exception):
    """Why the stack cannot start or must stop, as one line for the operator."""


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
    chat_options: ChatOptions
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
    options = ChatOptions(
        telegram_url=f"http://127.0.0.1:{fake_port}",
        user_id=args.user_id,
        language_code=args.lang,
        first_name=args.name,
        received_dir=args.run_dir.absolute() / "received",
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
