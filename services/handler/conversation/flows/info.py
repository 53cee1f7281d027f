"""/start and /help, and the answers to anything the bot does not understand."""

from __future__ import annotations

from services.handler.conversation.context import Context
from services.handler.conversation.flows.menu import say_with_menu


async def start(ctx: Context) -> None:
    say_with_menu(ctx, ctx.texts.start)


async def start_from_group(ctx: Context) -> None:
    """``/start <command>``: the private chat opened from a group's link, with the command the
    player typed there as a hint (the dispatcher checks it is one)."""
    hint = ctx.texts.start_from_group.format(command=ctx.incoming.args)
    say_with_menu(ctx, hint + "\n\n" + ctx.texts.start)  # the hint first: /start is long


async def help(ctx: Context) -> None:  # shadows the builtin: it is the command's name
    ctx.say(ctx.texts.help)


async def unknown_command(ctx: Context) -> None:
    command = "/" + ctx.incoming.command
    # Quote at most 64 characters: a 4,096-character command must not make a reply too long.
    ctx.say(ctx.texts.unknown_command.format(command=command if len(command) <= 64 else command[:63] + "…"))


async def short_help(ctx: Context) -> None:
    ctx.say(ctx.texts.short_help)


async def unsupported(ctx: Context) -> None:
    ctx.say(ctx.texts.unsupported_message)


async def stale_button(ctx: Context) -> None:
    """A button the bot no longer knows (an old keyboard, forged data)."""
    ctx.answer_callback(ctx.texts.tournament_unavailable)
