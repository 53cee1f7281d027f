"""The process: aiogram's ``Bot``, ``Dispatcher`` with ``RedisStorage`` and webhook handler on
aiohttp, the PostgreSQL pool; ``python -m bench.aiogram_peer`` runs ``main`` (see the package)."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import ClientError, web

from bench.aiogram_peer.conversation import router
from services.common import db
from services.common.logs import setup_logging
from services.handler import bookkeeping

log = logging.getLogger("bench.aiogram_peer")
WEBHOOK_PATH = "/telegram/webhook"
STATE_TTL = 86_400  # seconds: a day, as the baseline's sessions
READY = web.AppKey("ready", bool)


class JsonBodySession(AiohttpSession):
    """aiogram's session, posting methods without a file as JSON (the Bot API takes both;
    JSON is what our ``BotApi`` sends).  Everything else, responses included, is aiogram's."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        files: dict[str, Any] = {}
        payload = self.prepare_value(method.model_dump(warnings=False), bot=bot, files=files, _dumps_json=False)
        if files:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url, data=self.json_dumps(payload), headers={"Content-Type": "application/json"},
                timeout=self.timeout if timeout is None else timeout,  # type: ignore[arg-type]
            ) as resp:  # fmt: skip
                raw = await resp.text()
        except (TimeoutError, ClientError) as exc:  # the type only: a URL holds the token
            raise TelegramNetworkError(method=method, message=type(exc).__name__) from None
        response = self.check_response(bot=bot, method=method, status_code=resp.status, content=raw)
        return cast(TelegramType, response.result)


class SecretCheckedHandler(SimpleRequestHandler):
    """aiogram's handler, answering a wrong or missing secret with 403 as our gateway does."""

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), (self.secret_token or "").encode()):
            return web.Response(status=403, text="Forbidden")
        return await super().handle(request)


def create_app(env: Mapping[str, str]) -> web.Application:
    redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"aiogram_peer:{os.getpid()}-{secrets.token_hex(4)}"
    storage = RedisStorage.from_url(
        redis_url, key_builder=DefaultKeyBuilder(prefix=prefix), state_ttl=STATE_TTL, data_ttl=STATE_TTL
    )
    api = TelegramAPIServer.from_base(env["TELEGRAM_API_URL"])
    bot = Bot(env["BOT_TOKEN"], session=JsonBodySession(api=api))
    dp = Dispatcher(storage=storage)
    dp.include_router(router)
    app = web.Application()
    app[READY] = False

    async def resources(app: web.Application) -> AsyncIterator[None]:
        pool = await db.open_pool(
            env["DATABASE_URL"], max_size=int(env.get("DB_POOL_SIZE", "10")), schemas=bookkeeping.SCHEMAS
        )
        try:
            await storage.redis.ping()  # type: ignore[misc]  # redis-py types it sync or async
            await bot.session.create_session()  # type: ignore[attr-defined]
            dp["pool"] = pool
            app[READY] = True
            log.info("aiogram peer ready", extra={"redis_prefix": prefix})
            yield
        finally:
            app[READY] = False
            deleted = 0
            try:  # the FSM keys of this run (conversations left open), and nothing else
                batch = [key async for key in storage.redis.scan_iter(match=f"{prefix}:*", count=1000)]
                for i in range(0, len(batch), 500):
                    deleted += await storage.redis.unlink(*batch[i : i + 500])
            finally:
                await storage.close()
                await pool.close()
                log.info("aiogram peer stopped", extra={"redis_keys_deleted": deleted})

    async def healthz(request: web.Request) -> web.Response:
        ready = request.app[READY]
        return web.json_response({"status": "ready" if ready else "starting"}, status=200 if ready else 503)

    app.cleanup_ctx.append(resources)
    app.router.add_get("/healthz", healthz)
    handler = SecretCheckedHandler(dp, bot, handle_in_background=False, secret_token=env["WEBHOOK_SECRET"])
    handler.register(app, path=WEBHOOK_PATH)
    setup_application(app, dp, bot=bot)
    return app


def main() -> None:
    env = os.environ
    setup_logging("aiogram_peer", env.get("LOG_LEVEL", "INFO"), secrets=[env["BOT_TOKEN"], env["WEBHOOK_SECRET"]])
    # SIGTERM and SIGINT end run_app cleanly: the site stops, then the bot session, the
    # Redis storage and the pool are closed (cleanup_ctx), and the process exits 0.
    web.run_app(create_app(env), host="127.0.0.1", port=int(env.get("PEER_PORT", "8091")), access_log=None, print=None)

