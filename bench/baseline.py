"""The predecessor's architecture, rebuilt with our own conversation code, in one process.

``python -m bench.baseline``: one Starlette app under uvicorn (like the gateway) that, for each
webhook, before it answers: loads the session from PostgreSQL (``SessionStore.get``, the
session service's own SQL, called directly), runs the update through
``dispatcher.converse`` with ``PgTracker`` in one transaction, sends the replies to the Bot
API (``BotApi``, the handler's client), saves the session (``SessionStore.update``, the same
compare-and-set with the update id), and answers 200.  No RabbitMQ, no session service.

Environment: ``DATABASE_URL``, ``BOT_TOKEN``, ``TELEGRAM_API_URL``, ``WEBHOOK_SECRET``,
``BASELINE_PORT`` (8090), ``DB_POOL_SIZE`` (10), ``LOG_LEVEL`` (WARNING).
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import uvicorn
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common import db
from services.common.logs import setup_logging
from services.handler import bookkeeping
from services.handler.bot_api import BotApi, TelegramFiles, open_session
from services.handler.conversation.dispatcher import converse
from services.handler.conversation.replies import RequestOcr
from services.handler.conversation.state import ConversationState
from services.handler.telegram import Update, to_incoming
from services.handler.tracker.postgres import PgTracker
from services.session.store import SCHEMAS as SESSION_SCHEMAS
from services.session.store import SessionStore, init_connection
from shared.session_api import SessionConflict, UpdateSession

log = logging.getLogger("bench.baseline")
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def create_app(database_url: str, bot_url: str, token: str, secret: str, pool_size: int) -> Starlette:
    state: dict[str, object] = {}

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"ok": False}, status_code=403)
        body = await request.body()
        try:
            update = Update.model_validate_json(body)
        except ValidationError:
            return JSONResponse({"ok": False}, status_code=400)
        incoming = to_incoming(update)
        if incoming is None:
            return JSONResponse({"ok": True})
        store: SessionStore = state["store"]  # type: ignore[assignment]
        tracker_pool = state["tracker_pool"]
        bot: BotApi = state["bot"]  # type: ignore[assignment]
        files: TelegramFiles = state["files"]  # type: ignore[assignment]
        for _ in range(5):  # a lost compare-and-set runs the update again, as the handler does
            snapshot = await store.get(incoming.user_id, update.update_id)
            if snapshot.applied:
                return JSONResponse({"ok": True})
            conversation = ConversationState.from_session(snapshot.data)
            async with tracker_pool.acquire() as conn, conn.transaction():  # type: ignore[attr-defined]
                outcome = await converse(
                    incoming, conversation, PgTracker(conn), files, datetime.now(UTC).date()
                )
            for reply in outcome.replies:
                if not isinstance(reply, RequestOcr):  # no OCR in the baseline
                    await bot.send(reply)
            saved = await store.update(UpdateSession(
                user_id=incoming.user_id, expected_version=snapshot.version,
                data=outcome.state.to_session(), update_id=update.update_id,
            ))  # fmt: skip
            if not isinstance(saved, SessionConflict):
                break
        return JSONResponse({"ok": True})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        session_pool = await db.open_pool(
            database_url, max_size=pool_size, schemas=SESSION_SCHEMAS, init=init_connection
        )
        tracker_pool = await db.open_pool(
            database_url, max_size=pool_size, schemas=bookkeeping.SCHEMAS
        )
        http = open_session(10.0, 128)
        bot = BotApi(http, bot_url, token)
        state.update(
            store=SessionStore(session_pool, timedelta(days=1)),
            tracker_pool=tracker_pool,
            bot=bot,
            files=TelegramFiles(bot, http, bot_url, token),
        )
        try:
            yield
        finally:
            await http.close()
            await tracker_pool.close()
            await session_pool.close()

    return Starlette(
        routes=[
            Route("/telegram/webhook", webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    env = os.environ
    setup_logging("baseline", env.get("LOG_LEVEL", "WARNING"), secrets=[env["BOT_TOKEN"], env["WEBHOOK_SECRET"]])
    app = create_app(
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
