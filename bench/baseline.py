"""The predecessor's architecture, rebuilt with our own conversation code, in one process.

``python -m bench.baseline``: one plain ASGI app under uvicorn that, for each webhook, before it
answers: loads the session from PostgreSQL (``SessionStore.get``, the session service's own
SQL, called directly), runs the update through ``dispatcher.converse`` with ``PgTracker`` on
a ``UnitOfWork`` (the handler's: a transaction only once a step writes), sends the replies to
the Bot API (``BotApi``, the handler's client), saves the session (``SessionStore.update``,
the same compare-and-set with the update id), logs one line as the handler does, and answers
200.  No RabbitMQ, no session service.

Made as strong as it honestly can be, so that the comparison with our stack is fair: the
webhook is served by a plain ASGI callable (no Starlette routing, request or response
objects), as the gateway's is (``services/gateway/app.py``); it logs through
``services.common.logs.setup_logging`` at our services' level (INFO); its two pools are
sized as the handler's and the session service's (``DB_POOL_SIZE``, their default); it runs
under uvicorn as the gateway does (httptools, uvloop, no proxy headers); the load generator
gives it the same ``max_connections`` as every system.

Environment: ``DATABASE_URL``, ``BOT_TOKEN``, ``TELEGRAM_API_URL``, ``WEBHOOK_SECRET``,
``BASELINE_PORT`` (8090), ``DB_POOL_SIZE`` (10), ``LOG_LEVEL`` (INFO).
"""

from __future__ import annotations

import hmac
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import uvicorn
from pydantic import ValidationError

from services.common import db
from services.common.logs import setup_logging, user_hash
from services.common.telegram import open_session
from services.handler import bookkeeping
from services.handler.bot_api import BotApi, UserFiles
from services.handler.conversation.dispatcher import converse
from services.handler.conversation.replies import RequestOcr
from services.handler.conversation.state import ConversationState
from services.handler.telegram import Update, to_incoming
from services.handler.tracker.postgres import PgTracker
from services.handler.tracker.unit_of_work import UnitOfWork
from services.session.store import SCHEMAS as SESSION_SCHEMAS
from services.session.store import SessionStore, init_connection
from shared.session_api import SessionConflict, UpdateSession

log = logging.getLogger("bench.baseline")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = b"x-telegram-bot-api-secret-token"


def _answer(status: int, body: bytes) -> tuple[Message, Message]:
    """An HTTP answer as its two ASGI messages, built once."""
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body})  # fmt: skip


OK = _answer(200, b'{"ok":true}')
FORBIDDEN = _answer(403, b'{"ok":false}')
BAD_REQUEST = _answer(400, b'{"ok":false}')
NOT_FOUND = _answer(404, b'{"detail":"Not Found"}')
ALIVE = _answer(200, b'{"status":"alive"}')


async def _send(send: Send, answer: tuple[Message, Message]) -> None:
    await send(answer[0])
    await send(answer[1])


class Baseline:
    """The whole bot as one ASGI app: lifespan (pools, Bot API client), webhook, health."""

    def __init__(self, database_url: str, bot_url: str, token: str, secret: str, pool_size: int) -> None:
        self.database_url, self.bot_url, self.token = database_url, bot_url, token
        self.secret = secret.encode()
        self.pool_size = pool_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await self.lifespan(receive, send)
        if scope["type"] != "http":
            return
        if scope["path"] == WEBHOOK_PATH and scope["method"] == "POST":
            return await self.webhook(scope, receive, send)
        if scope["path"] == "/healthz" and scope["method"] == "GET":
            return await _send(send, ALIVE)
        await _send(send, NOT_FOUND)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.open()
                except Exception as exc:
                    log.exception("baseline start failed")
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def open(self) -> None:
        self.session_pool = await db.open_pool(
            self.database_url, max_size=self.pool_size, schemas=SESSION_SCHEMAS, init=init_connection
        )
        self.tracker_pool: asyncpg.Pool = await db.open_pool(
            self.database_url, max_size=self.pool_size, schemas=bookkeeping.SCHEMAS
        )
        self.http = open_session(10.0, 128)
        self.bot = BotApi(self.http, self.bot_url, self.token)
        self.store = SessionStore(self.session_pool, timedelta(days=1))
        self.files = UserFiles(self.bot)
        log.info("baseline ready", extra={"pool_size": self.pool_size})

    async def close(self) -> None:
        await self.http.close()
        await self.tracker_pool.close()
        await self.session_pool.close()

    async def webhook(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = next((v for k, v in scope["headers"] if k == SECRET_HEADER), None)
        if given is None or not hmac.compare_digest(given, self.secret):
            return await _send(send, FORBIDDEN)
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        try:
            update = Update.model_validate_json(b"".join(chunks))
        except ValidationError:
            return await _send(send, BAD_REQUEST)
        incoming = to_incoming(update)
        if incoming is not None:
            await self.process(update.update_id, incoming)
        await _send(send, OK)

    async def process(self, update_id: int, incoming: Any) -> None:
        started = time.monotonic()
        outcome_name = "processed"
        for _ in range(5):  # a lost compare-and-set runs the update again, as the handler does
            snapshot = await self.store.get(incoming.user_id, update_id)
            if snapshot.applied:
                outcome_name = "duplicate"
                break
            conversation = ConversationState.from_session(snapshot.data)
            async with UnitOfWork(self.tracker_pool) as work:
                outcome = await converse(incoming, conversation, PgTracker(work), self.files, datetime.now(UTC).date())
            for reply in outcome.replies:
                if not isinstance(reply, RequestOcr):  # no OCR in the baseline
                    await self.bot.send(reply)
            saved = await self.store.update(UpdateSession(
                user_id=incoming.user_id, expected_version=snapshot.version,
                data=outcome.state.to_session(), update_id=update_id,
            ))  # fmt: skip
            if not isinstance(saved, SessionConflict):
                break
        log.info("update processed", extra={
            "update_id": update_id, "user": user_hash(incoming.user_id), "kind": incoming.kind,
            "outcome": outcome_name, "ms": round((time.monotonic() - started) * 1000, 1)})  # fmt: skip


def main() -> None:
    env = os.environ
    setup_logging("baseline", env.get("LOG_LEVEL", "INFO"), secrets=[env["BOT_TOKEN"], env["WEBHOOK_SECRET"]])
    app = Baseline(
        env["DATABASE_URL"],
        env["TELEGRAM_API_URL"],
        env["BOT_TOKEN"],
        env["WEBHOOK_SECRET"],
        int(env.get("DB_POOL_SIZE", "10")),
    )
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=int(env.get("BASELINE_PORT", "8090")),
        log_config=None,
        access_log=False,
        http="httptools",  # as the gateway runs: the fast implementations, named
        loop="uvloop",
        proxy_headers=False,
        lifespan="on",
        timeout_keep_alive=75,
    )

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)
    uvicorn.Server(config).run()
    sys.exit(0)


if __name__ == "__main__":
    main()
