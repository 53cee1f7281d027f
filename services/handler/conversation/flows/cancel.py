"""/cancel: leave whatever step the user is in."""

from __future__ import annotations

from services.handler.conversation.context import Context
from services.handler.conversation.state import IDLE, Step


async def cancel(ctx: Context) -> None:
    if ctx.state.step is Step.IDLE:
        ctx.say(ctx.texts.nothing_to_cancel)
    else:
        ctx.say(ctx.texts.cancelled)
    ctx.state = IDLE
