"""Group and supergroup chats: the bot is a private-chat bot.

Only its own commands reach this module (``telegram.to_incoming`` drops the rest of a group's
messages; the dispatcher drops other bots' commands), and each is answered with a link to a
private chat with the bot, which starts with ``/start <command>``.  Nothing else is said in a
group: a player's tournaments are not for the group to read.
"""

from __future__ import annotations

from services.handler.conversation.context import Context

GROUP_PAYLOAD = "group"  # the link's start payload for /start and /help


async def to_private(ctx: Context) -> None:
    command = ctx.incoming.command
    link = ctx.identity.private_link(GROUP_PAYLOAD if command in ("start", "help") else command)
    ctx.say(ctx.texts.group_private_only.format(link=link) if link else ctx.texts.group_private_only_unlinked)


async def ignore(ctx: Context) -> None:
    """Chatter, service messages, other bots' commands: not a word (and no state change)."""


async def on_button(ctx: Context) -> None:
    """A button under a message in a group (the bot sends none there): only stop its spinner."""
    ctx.answer_callback()
