"""/register: one line ``Name | DD.MM.YYYY | buy-in | venue``, on the command or after it."""

from __future__ import annotations

from services.handler.conversation.context import Context, fmt_date
from services.handler.conversation.state import IDLE, ConversationState, Step
from services.handler.domain.money import format_amount
from services.handler.domain.parsing import ParseError, parse_registration

AWAITING_LINE = ConversationState(step=Step.REGISTER)


async def start(ctx: Context) -> None:
    if ctx.incoming.args:
        await _register(ctx, ctx.incoming.args)
    else:
        ctx.state = AWAITING_LINE
        ctx.say(ctx.texts.register_prompt)


async def on_line(ctx: Context) -> None:
    await _register(ctx, ctx.incoming.text)


async def _register(ctx: Context, line: str) -> None:
    parsed = parse_registration(line)
    if isinstance(parsed, ParseError):
        ctx.state = AWAITING_LINE  # the step stays open: the user corrects and resends
        ctx.say(getattr(ctx.texts, f"register_{parsed.code}").format(value=parsed.value))
        return
    t = await ctx.tracker.register(ctx.player, parsed, ctx.incoming.update_id)
    ctx.state = IDLE
    ctx.say(
        ctx.texts.register_saved.format(
            name=t.name, date=fmt_date(t.played_on), buy_in=format_amount(t.buy_in), venue=t.venue
        )
    )
