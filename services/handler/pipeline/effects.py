"""Sending a step's effects: Bot API calls, and OCR jobs for ticket photos."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from services.handler.bot_api import BotApi
from services.handler.conversation.replies import AnswerCallback, Effect, RequestOcr
from shared.ocr_api import OcrJob


class OcrPort(Protocol):
    async def submit(self, job: OcrJob) -> None: ...


class Effects:
    def __init__(self, bot: BotApi, ocr: OcrPort) -> None:
        self._bot = bot
        self._ocr = ocr

    async def send(self, replies: Sequence[Effect]) -> None:
        """Send the step's replies in order; a button's answer goes out together with the
        first message, not before it (the player's client stops spinning either way)."""
        rest = list(replies)
        if len(rest) > 1 and isinstance(rest[0], AnswerCallback):
            answer, first, *rest = rest
            assert isinstance(answer, AnswerCallback)
            results = await asyncio.gather(
                self._bot.send(answer), self.send_one(first), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    raise result
        for reply in rest:
            await self.send_one(reply)

    async def send_one(self, reply: Effect) -> None:
        if isinstance(reply, RequestOcr):
            await self._ocr.submit(reply.job)
        else:
            await self._bot.send(reply)
