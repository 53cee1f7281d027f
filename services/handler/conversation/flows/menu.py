"""/menu: the reply keyboard with the main commands under the input field, and hiding it.

A button of it sends its label as a message; the dispatcher turns the label (in either
language) into its command.  Showing or hiding the menu leaves any open step as it was.
"""

from __future__ import annotations

from services.handler.conversation import keyboards as kb
from services.handler.conversation.context import Context
from services.handler.conversation.replies import RemoveKeyboard, SendMessage


def say_with_menu(ctx: Context, text: str) -> None:
    """``text``, with the menu in the player's language (it replaces any menu shown before)."""
    ctx.replies.append(SendMessage(ctx.incoming.chat_id, text, reply_keyboard=kb.main_menu(ctx.texts)))


async def show(ctx: Context) -> None:
    say_with_menu(ctx, ctx.texts.menu_shown)


async def hide(ctx: Context) -> None:
    ctx.replies.append(SendMessage(ctx.incoming.chat_id, ctx.texts.menu_hidden, reply_keyboard=RemoveKeyboard()))
