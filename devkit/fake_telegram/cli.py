"""``python -m devkit.fake_telegram``: serve the fake with uvicorn, secrets kept out of the logs."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys

import uvicorn

from devkit.fake_telegram.config import FakeTelegramConfig
from devkit.fake_telegram.routes import create_app

log = logging.getLogger("devkit.fake_telegram")


class RedactingFilter(logging.Filter):
    """Hides secrets and Bot API paths in log records (uvicorn's access log shows paths)."""

    _BOT_PATH_RE = re.compile(r"/bot[^/\s\"]+/")

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        text = self._BOT_PATH_RE.sub("/bot***/", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        # Redact inside the arguments rather than dropping them: formatters such as
        # uvicorn's access log unpack record.args themselves.
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self.redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devkit.fake_telegram",
        description="A fake Telegram Bot API server that also simulates users (development only).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--token", help="bot token to accept (better: env FAKE_TELEGRAM_TOKEN, kept out of ps)"
    )
    parser.add_argument(
        "--webhook-url",
        help="where to deliver updates until setWebhook (env FAKE_TELEGRAM_WEBHOOK_URL)",
    )
    parser.add_argument(
        "--webhook-secret", help="secret header value for deliveries (better: env WEBHOOK_SECRET)"
    )
    parser.add_argument("--bot-username", default="pokertracker_dev_bot")
    parser.add_argument(
        "--lenient-formatting",
        action="store_true",
        help="accept text that Telegram would reject for its parse_mode",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="hold every Bot API answer this long"
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    parser.add_argument("--access-log", action="store_true", help="log every request (noisy)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve the fake Telegram with uvicorn until interrupted."""
    args = _parse_args(argv)
    token = args.token or os.environ.get("FAKE_TELEGRAM_TOKEN", "")
    if not token:
        print("fake_telegram: a bot token is required: --token or env FAKE_TELEGRAM_TOKEN",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(2)
    secret = args.webhook_secret or os.environ.get("WEBHOOK_SECRET") or None
    config = FakeTelegramConfig(
        token=token,
        webhook_url=args.webhook_url or os.environ.get("FAKE_TELEGRAM_WEBHOOK_URL") or None,
        webhook_secret=secret,
        bot_username=args.bot_username,
        strict_formatting=not args.lenient_formatting,
        latency=max(args.latency_ms, 0.0) / 1000,
    )
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    server_config = uvicorn.Config(
        create_app(config),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.access_log,
        timeout_graceful_shutdown=5,
        # Longer than any client's idle expiry (httpx: 5 s), so a client never reuses a
        # connection the server is closing at that very moment (a ReadError).
        timeout_keep_alive=75,
    )
    redactor = RedactingFilter([token, token.partition(":")[2], secret or ""])
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", log.name):
        logging.getLogger(name).addFilter(redactor)
    uvicorn.Server(server_config).run()
