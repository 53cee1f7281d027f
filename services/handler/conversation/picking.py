"""Picking one of the player's own tournaments by button: shared by /result, /edit, /delete."""

from __future__ import annotations

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context
from services.handler.conversation.state import IDLE, ConversationState, Step
from services.handler.domain.records import Tournament

LATEST_LIMIT = 10


async def offer_latest(ctx: Context, step: Step, prompt: str, prefix: str) -> None:
    """The player's latest tournaments as buttons with ``prefix``, and the step that waits
    for a press; with none, the step is closed and the player told how to add one."""
    latest = await ctx.tracker.latest(ctx.user_id, LATEST_LIMIT)
    if not latest:
        ctx.state = IDLE
        ctx.say(ctx.texts.tournaments_empty)
        return
    ctx.state = ConversationState(step=step)
    ctx.say(prompt, keyboards.tournament_buttons(latest, prefix))


async def pressed_tournament(ctx: Context) -> Tournament | None:
    """The player's own tournament the pressed button names, or ``None`` (already said so):
    unknown, deleted, or another player's id in forged data all find nothing."""
    tournament_id = keyboards.parse_tournament_id(ctx.incoming.callback_data)
    t = None if tournament_id is None else await ctx.tracker.get(ctx.user_id, tournament_id)
    if t is None:
        ctx.answer_callback(ctx.texts.tournament_unavailable)
        ctx.say(ctx.texts.tournament_unavailable)
    return t
