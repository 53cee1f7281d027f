"""The handler's side of the Bot API: its replies sent, its users' files fetched, its metrics.

The client itself, and what each answer means, is ``services.common.telegram``.  A reply
Telegram refuses (the user blocked the bot, a message that can no longer be edited) is
logged and dropped; an outage, a bad token included, is raised for the update to wait out.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry

from services.common.telegram import BotApiError, BotClient, FileUnavailable, TelegramFiles
from services.handler.conversation.identity import BotIdentity
from services.handler.conversation.replies import Reply, SendFile
from services.handler.metrics import HandlerMetrics


class BotApi(BotClient):
    """The Bot API client, counted in the handler's metrics, sending the conversation's replies."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        token: str,
        *,
        max_attempts: int = 5,
        max_backoff: float = 10.0,
        metrics: HandlerMetrics | None = None,
    ) -> None:
        counted = _Counted(metrics or HandlerMetrics(CollectorRegistry()))
        super().__init__(
            session, base_url, token,
            max_attempts=max_attempts, max_backoff=max_backoff, observer=counted,
        )  # fmt: skip

    async def send(self, reply: Reply) -> Any | None:
        """The method's result, or ``None`` if Telegram refused the reply."""
        if isinstance(reply, SendFile):
            method, form, file = reply.to_upload()
            return await self.call(method, form, file)
        return await self.call(*reply.to_call())

    async def identity(self) -> BotIdentity:
        """Who the bot is, from ``getMe``; raises what the call's answer means (or
        ``ValueError`` for an answer without a username)."""
        me = (await self.answer("getMe", {})).result
        username = me.get("username") if isinstance(me, dict) else None
        if not isinstance(username, str) or not username:
            raise ValueError("getMe answered without the bot's username")
        return BotIdentity(username)


class _Counted:
    """Bot API attempts and failures in the handler's metrics."""

    def __init__(self, metrics: HandlerMetrics) -> None:
        self._metrics = metrics

    def attempted(self, method: str) -> None:
        self._metrics.bot_api_calls.labels(method).inc()

    def failed(self, error: BotApiError) -> None:
        status = "network" if error.status is None else str(error.status)
        self._metrics.bot_api_errors.labels(error.method, status).inc()
        if error.reason == "rate_limited":
            self._metrics.bot_api_rate_limited.labels(error.method).inc()


class UserFiles:
    """The files users send, as the conversation asks for them (its ``FileSource``): a file
    Telegram will not give, or one over ``max_bytes``, is ``None``."""

    def __init__(self, bot: BotClient) -> None:
        self._files = TelegramFiles(bot)

    async def download(self, file_id: str, max_bytes: int) -> bytes | None:
        try:
            return await self._files.download(file_id, max_bytes)
        except FileUnavailable:
            return None
