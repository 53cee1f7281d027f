"""/delete: pick a tournament, then confirm deleting its result or the whole tournament."""

from __future__ import annotations

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context
from services.handler.conversation.picking import offer_latest, pressed_tournament
from services.handler.conversation.state import IDLE, ConversationState, Step
from services.handler.conversation.views import tournament_card


async def start(ctx: Context) -> None:
    await offer_latest(ctx, Step.DELETE_PICK, ctx.texts.delete_pick, keyboards.PICK_DELETE)


async def on_pick(ctx: Context) -> None:
    if (t := await pressed_tournament(ctx)) is None:
        return
    ctx.state = ConversationState(step=Step.DELETE_CONFIRM, tournament_id=t.id)
    ctx.say(
        ctx.texts.delete_confirm.format(card=tournament_card(t, ctx.texts)),
        keyboards.delete_choices(t, ctx.texts),
    )


async def on_confirm(ctx: Context) -> None:
    """Honoured only for the tournament whose confirmation is open: no stale deletes."""
    action = keyboards.argument(ctx.incoming.callback_data).partition(":")[0]
    tournament_id = keyboards.parse_tournament_id(ctx.incoming.callback_data)
    if (
        ctx.state.step is not Step.DELETE_CONFIRM
        or tournament_id is None
        or tournament_id != ctx.state.tournament_id
    ):
        ctx.answer_callback(ctx.texts.button_expired)
        return
    ctx.state = IDLE
    # Already gone counts as done: the same press processed again after a crash.
    if action == "r":
        await ctx.tracker.delete_result(ctx.user_id, tournament_id)
        ctx.say(ctx.texts.delete_result_done)
    elif action == "t":
        await ctx.tracker.delete(ctx.user_id, tournament_id)
        ctx.say(ctx.texts.delete_done)
    else:
        ctx.say(ctx.texts.delete_kept)


async def on_text_while_confirming(ctx: Context) -> None:
    ctx.say(ctx.texts.delete_tap_button)
