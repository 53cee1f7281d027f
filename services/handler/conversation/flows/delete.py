"""/delete: pick a tournament, then confirm deleting its result or the whole tournament.

The confirmation carries an Undo button (``un:<undo id>``) that puts back exactly what was
deleted, once, for ``UNDO_MINUTES`` minutes; it works from any step, as the deleted rows are
kept by the tracker, not in the conversation.
"""

from __future__ import annotations

from services.handler.conversation import keyboards
from services.handler.conversation.context import Context
from services.handler.conversation.picking import offer_latest, pressed_tournament
from services.handler.conversation.state import IDLE, ConversationState, Step
from services.handler.conversation.views import tournament_card
from services.handler.tracker.model import UNDO_MINUTES


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
    update_id = ctx.incoming.update_id
    if action == "r":
        undo_id = await ctx.tracker.delete_result(ctx.user_id, tournament_id, update_id)
        done = ctx.texts.delete_result_done
    elif action == "t":
        undo_id = await ctx.tracker.delete(ctx.user_id, tournament_id, update_id)
        done = ctx.texts.delete_done
    else:
        ctx.say(ctx.texts.delete_kept)
        return
    # Already gone (deleted meanwhile) counts as done, without an Undo of ours to offer.
    if undo_id is None:
        ctx.say(done)
        return
    hint = ctx.texts.delete_undo_hint.format(minutes=UNDO_MINUTES)
    ctx.say(f"{done}\n{hint}", keyboards.undo(undo_id, ctx.texts))


async def on_undo(ctx: Context) -> None:
    """Put back what the deletion named by the button removed; the step is left as it is."""
    undo_id = keyboards.parse_tournament_id(ctx.incoming.callback_data)
    restored = None
    if undo_id is not None:
        restored = await ctx.tracker.undo_delete(ctx.user_id, undo_id, ctx.incoming.update_id)
    if restored is None:
        text = ctx.texts.undo_unavailable.format(minutes=UNDO_MINUTES)
        ctx.answer_callback(text)
        ctx.say(text)
        return
    done = ctx.texts.undo_tournament_done if restored.whole else ctx.texts.undo_result_done
    ctx.say(done.format(card=tournament_card(restored.tournament, ctx.texts)))


async def on_text_while_confirming(ctx: Context) -> None:
    ctx.say(ctx.texts.delete_tap_button)
