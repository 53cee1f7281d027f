"""/venue shows the current venue; /setvenue <name> sets it (``-`` clears it).

The current venue is offered when registering step by step and overrides the venue read off a
ticket photo.
"""

from __future__ import annotations

from services.handler.conversation.context import Context
from services.handler.conversation.state import IDLE, ConversationState, Step
from services.handler.domain.parsing import ErrorCode, ParseError, parse_name

CLEAR = {"-", "—", "off", "none", "нет"}


async def show(ctx: Context) -> None:
    venue = await ctx.tracker.venue(ctx.user_id)
    ctx.say(ctx.texts.venue_none if venue is None else ctx.texts.venue_current.format(venue=venue))


async def set_venue(ctx: Context) -> None:
    if not ctx.incoming.args:
        ctx.state = ConversationState(step=Step.SET_VENUE)
        ctx.say(ctx.texts.setvenue_prompt)
        return
    await _set(ctx, ctx.incoming.args)


async def on_name(ctx: Context) -> None:
    await _set(ctx, ctx.incoming.text)


async def _set(ctx: Context, text: str) -> None:
    if text.strip().lower() in CLEAR:
        await ctx.tracker.set_venue(ctx.player, None)
        ctx.state = IDLE
        ctx.say(ctx.texts.venue_cleared)
        return
    venue = parse_name(text, ErrorCode.BAD_VENUE)
    if isinstance(venue, ParseError):
        ctx.state = ConversationState(step=Step.SET_VENUE)
        ctx.say(ctx.texts.setvenue_bad)
        return
    await ctx.tracker.set_venue(ctx.player, venue)
    ctx.state = IDLE
    ctx.say(ctx.texts.venue_set.format(venue=venue))
