"""One explicit table from what the user did to the flow that answers it."""

from __future__ import annotations

from dataclasses import dataclass

from services.handler.conversation.context import Context, Handler
from services.handler.conversation.flows import cancel, info, overview, register, result
from services.handler.conversation.keyboards import PICK_RESULT
from services.handler.conversation.replies import AnswerCallback, Reply
from services.handler.conversation.state import ConversationState, Step
from services.handler.telegram import Incoming
from services.handler.texts import catalogue_for
from services.handler.tracker.model import Tracker

COMMANDS: dict[str, Handler] = {
    "start": info.start,
    "help": info.help,
    "register": register.start,
    "result": result.start,
    "tournaments": overview.tournaments,
    "stats": overview.show_stats,
    "cancel": cancel.cancel,
}

# Text typed inside a step; text outside any step gets the short help.
STEP_TEXT: dict[Step, Handler] = {
    Step.REGISTER: register.on_line,
    Step.RESULT_PICK: result.on_text_while_picking,
    Step.RESULT: result.on_score,
}

# Buttons, by the prefix of their callback_data.
CALLBACKS: dict[str, Handler] = {
    PICK_RESULT: result.on_pick,
}


@dataclass(frozen=True)
class Outcome:
    state: ConversationState
    replies: list[Reply]


def route(incoming: Incoming, state: ConversationState) -> Handler:
    if incoming.kind == "command":
        return COMMANDS.get(incoming.command, info.unknown_command)
    if incoming.kind == "text":
        return STEP_TEXT.get(state.step, info.short_help)
    if incoming.kind == "callback":
        return CALLBACKS.get(incoming.callback_data.partition(":")[0], info.stale_button)
    return info.unsupported


async def converse(incoming: Incoming, state: ConversationState, tracker: Tracker) -> Outcome:
    """Run one update through the conversation: the new state and the replies to send."""
    ctx = Context(incoming, state, tracker, catalogue_for(incoming.language_code))
    await route(incoming, state)(ctx)
    if incoming.kind == "callback" and not any(isinstance(r, AnswerCallback) for r in ctx.replies):
        ctx.answer_callback()
    return Outcome(ctx.state, ctx.replies)
