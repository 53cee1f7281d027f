"""/language: the language the bot talks to this player in, overriding Telegram's.

``/language`` shows the choices as buttons; ``/language ru`` (``en``, ``auto``, or the
language's name) sets it at once.  The choice is stored with the player, so it holds in every
later session; the confirmation already comes in the new language, with the menu in it.
"""

from __future__ import annotations

from dataclasses import replace

from services.handler.conversation import keyboards as kb
from services.handler.conversation.context import Context
from services.handler.conversation.flows.menu import say_with_menu
from services.handler.texts import catalogue_for

# What may follow /language, to a language code (or kb.LANGUAGE_AUTO).
_CHOICES = {
    "en": "en", "english": "en", "английский": "en", "англ": "en",
    "ru": "ru", "russian": "ru", "русский": "ru", "рус": "ru",
    kb.LANGUAGE_AUTO: kb.LANGUAGE_AUTO, "авто": kb.LANGUAGE_AUTO,
}
_QUOTED_MAX = 32  # of a wrong argument quoted back


async def start(ctx: Context) -> None:
    argument = ctx.incoming.args.strip()
    if not argument:
        ctx.say(ctx.texts.language_choose, kb.languages(ctx.texts))
        return
    choice = _CHOICES.get(argument.lower())
    if choice is None:
        quoted = argument if len(argument) <= _QUOTED_MAX else argument[: _QUOTED_MAX - 1] + "…"
        ctx.say(ctx.texts.language_bad.format(value=quoted), kb.languages(ctx.texts))
        return
    await _choose(ctx, choice)


async def on_button(ctx: Context) -> None:
    choice = kb.argument(ctx.incoming.callback_data)
    if choice not in (*kb.LANGUAGE_NAMES, kb.LANGUAGE_AUTO):
        ctx.answer_callback(ctx.texts.button_expired)
        return
    await _choose(ctx, choice)


async def _choose(ctx: Context, choice: str) -> None:
    new = replace(ctx.settings, language=None if choice == kb.LANGUAGE_AUTO else choice)
    if new != ctx.settings:
        await ctx.tracker.save_settings(ctx.player, new)
    ctx.settings = new
    ctx.texts = catalogue_for(ctx.language)
    say_with_menu(ctx, ctx.texts.language_auto if new.language is None else ctx.texts.language_set)
