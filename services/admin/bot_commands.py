"""``set-commands``: the command menu Telegram shows players, in English and in Russian.

The lists are the handler's text catalogues' ``command_menu``, so the menu, /help and the
dispatcher name the same commands (a unit test keeps them so).  They are set for private chats
only (scope ``all_private_chats``): the bot is a private-chat bot, and in a group its commands
only point to a private chat, so a group's menu is left free of them.  English is the list for
every language but Russian; Russian the one for players whose Telegram is in Russian.
"""

from __future__ import annotations

import argparse
from typing import Any

from services.admin.errors import EXIT_OK
from services.admin.settings import TelegramAdminSettings
from services.admin.webhook import BotApiCaller
from services.handler.texts import Catalogue
from services.handler.texts.en import EN
from services.handler.texts.ru import RU

SCOPE = {"type": "all_private_chats"}
# (language_code, catalogue, what to call it): "" is Telegram's list for any other language.
MENUS: tuple[tuple[str, Catalogue, str], ...] = (
    ("", EN, "English (every other language)"),
    ("ru", RU, "Russian"),
)


def bot_commands(catalogue: Catalogue) -> list[dict[str, str]]:
    """The catalogue's menu as Telegram's BotCommand objects, in its order."""
    return [{"command": command, "description": text} for command, text in catalogue.command_menu.items()]


async def set_command(settings: TelegramAdminSettings, args: argparse.Namespace) -> int:
    caller = BotApiCaller(settings)
    for language, catalogue, name in MENUS:
        params: dict[str, Any] = {"commands": bot_commands(catalogue), "scope": SCOPE}
        if language:
            params["language_code"] = language
        await caller.call("setMyCommands", params)
        commands = " ".join(f"/{c['command']}" for c in params["commands"])
        print(f"command menu set for private chats, {name}: {commands}")
    return EXIT_OK
