"""One explicit table from what the user did to the flow that answers it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from services.handler.conversation import keyboards as kb
from services.handler.conversation.context import Context, FileSource, Handler
from services.handler.conversation.flows import (
    cancel,
    currency,
    delete,
    edit,
    export,
    graph,
    group,
    info,
    language,
    menu,
    overview,
    register,
    reminders,
    result,
    share,
    ticket,
    venue,
)
from services.handler.conversation.identity import UNNAMED_BOT, BotIdentity
from services.handler.conversation.replies import AnswerCallback, Effect
from services.handler.conversation.state import ConversationState, Step
from services.handler.telegram import Incoming
from services.handler.texts import catalogue_for
from services.handler.texts.en import EN
from services.handler.texts.ru import RU
from services.handler.tracker.model import Tracker

COMMANDS: dict[str, Handler] = {
    "start": info.start,
    "help": info.help,
    "register": register.start,
    "result": result.start,
    "edit": edit.start,
    "delete": delete.start,
    "tournaments": overview.tournaments,
    "stats": overview.show_stats,
    "graph": graph.show,
    "export": export.export,
    "venue": venue.show,
    "setvenue": venue.set_venue,
    "cancel": cancel.cancel,
    "language": language.start,
    "menu": menu.show,
    "currency": currency.show,
    "rate": currency.rate,
    "reminders": reminders.show,
}

# Text typed inside a step; text outside any step gets the short help.
STEP_TEXT: dict[Step, Handler] = {
    Step.REGISTER: register.on_first_text,
    Step.REG_DATE: register.on_date,
    Step.REG_BUY_IN: register.on_buy_in,
    Step.REG_VENUE: register.on_venue,
    Step.REG_GAME: register.on_game_text,
    Step.REG_FORMAT: register.on_format_text,
    Step.RESULT_PICK: result.on_text_while_picking,
    Step.RESULT: result.on_score,
    Step.EDIT_PICK: edit.on_text_while_picking,
    Step.EDIT: edit.on_lines,
    Step.DELETE_PICK: edit.on_text_while_picking,
    Step.DELETE_CONFIRM: delete.on_text_while_confirming,
    Step.TICKET: ticket.on_text_while_shown,
    Step.TICKET_EDIT: ticket.on_edit_lines,
    Step.SET_VENUE: venue.on_name,
    Step.CURRENCY: currency.on_text,
}

# Buttons, by the prefix of their callback_data.
CALLBACKS: dict[str, Handler] = {
    kb.PICK_RESULT: result.on_pick,
    kb.PICK_EDIT: edit.on_pick,
    kb.PICK_DELETE: delete.on_pick,
    kb.DELETE: delete.on_confirm,
    kb.REG_DATE: register.on_date_button,
    kb.REG_VENUE: register.on_venue_button,
    kb.REG_GAME: register.on_game_button,
    kb.REG_FORMAT: register.on_format_button,
    kb.TICKET: ticket.on_button,
    kb.UNDO: delete.on_undo,
    kb.TOURNAMENTS_PAGE: overview.on_page,
    kb.LANGUAGE: language.on_button,
    kb.CURRENCY: currency.on_button,
    kb.REMINDERS: reminders.on_button,
}

# Everything else a user (or our OCR service, or a reminder falling due) can send.
OTHER: dict[str, Handler] = {
    "photo": ticket.on_photo,
    "document": export.on_document,
    "ticket": ticket.on_read,
    "inline": share.on_inline_query,
    "reminder": reminders.on_due,
}


# The menu's buttons send their labels: each label, in every language, to its command.
MENU: dict[str, str] = {**kb.menu_actions(EN), **kb.menu_actions(RU)}


@dataclass(frozen=True)
class Outcome:
    state: ConversationState
    replies: list[Effect]


def route(incoming: Incoming, state: ConversationState, identity: BotIdentity = UNNAMED_BOT) -> Handler:
    if incoming.chat_type != "private":
        return _in_group(incoming, identity)
    if incoming.kind == "command":
        if incoming.command == "start" and incoming.args in COMMANDS:
            return info.start_from_group
        return COMMANDS.get(incoming.command, info.unknown_command)
    if incoming.kind == "text":
        if MENU.get(incoming.text) == kb.MENU_HIDE:
            return menu.hide
        return STEP_TEXT.get(state.step, info.short_help)
    if incoming.kind == "callback":
        return CALLBACKS.get(incoming.callback_data.partition(":")[0], info.stale_button)
    return OTHER.get(incoming.kind, info.unsupported)


def _in_group(incoming: Incoming, identity: BotIdentity) -> Handler:
    """In a group only our own commands are answered (with a link to a private chat)."""
    if incoming.kind == "callback":
        return group.on_button
    if incoming.kind == "command" and incoming.command in COMMANDS and identity.addressed(incoming.addressee):
        return group.to_private
    return group.ignore


def as_menu_command(incoming: Incoming) -> Incoming:
    """A press of a menu button, as the command it stands for: it does what typing it does
    (a step is left as that command leaves it).  Any other update as it is."""
    if incoming.kind != "text" or incoming.chat_type != "private":
        return incoming
    command = MENU.get(incoming.text)
    if command is None or command == kb.MENU_HIDE:
        return incoming
    return replace(incoming, kind="command", command=command, text="/" + command, args="")


async def converse(
    incoming: Incoming,
    state: ConversationState,
    tracker: Tracker,
    files: FileSource,
    today: date,
    identity: BotIdentity = UNNAMED_BOT,
    now: datetime | None = None,
) -> Outcome:
    """Run one update through the conversation: the new state and the replies to send
    (``now``: the moment it is handled, the clock's if not given)."""
    settings = state.settings or await tracker.settings(incoming.user_id)
    texts = catalogue_for(settings.language or incoming.language_code)
    incoming = as_menu_command(incoming)
    ctx = Context(incoming, state, tracker, texts, files, today, settings, identity=identity)
    if now is not None:
        ctx.now = now
    await route(incoming, state, identity)(ctx)
    if incoming.kind == "callback" and not any(isinstance(r, AnswerCallback) for r in ctx.replies):
        ctx.answer_callback()
    return Outcome(ctx.state.model_copy(update={"settings": ctx.settings}), ctx.replies)
