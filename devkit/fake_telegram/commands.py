"""setMyCommands, getMyCommands and deleteMyCommands: the bot's command menu, one list per scope
and language, checked as Telegram checks it."""

from __future__ import annotations

import re
from typing import Any

from devkit.fake_telegram.answers import JsonDict, bad_request

MAX_COMMANDS = 100
MAX_DESCRIPTION_LENGTH = 256
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
LANGUAGE_RE = re.compile(r"[a-z]{2}")
# BotCommandScope types that need no chat_id (the per-chat ones are not used by the bot).
SCOPES = frozenset({"default", "all_private_chats", "all_group_chats", "all_chat_administrators"})


def _scope(params: JsonDict) -> str:
    scope = params.get("scope", {"type": "default"})
    kind = scope.get("type") if isinstance(scope, dict) else None
    if kind not in SCOPES:
        raise bad_request("can't parse BotCommandScope")
    return str(kind)


def _language(params: JsonDict) -> str:
    language = params.get("language_code", "")
    if not isinstance(language, str) or (language and not LANGUAGE_RE.fullmatch(language)):
        raise bad_request("LANG_CODE_INVALID")
    return language


def _command(item: Any) -> JsonDict:
    if not isinstance(item, dict) or not isinstance(item.get("command"), str):
        raise bad_request("can't parse BotCommand")
    command, description = item["command"], item.get("description")
    if not COMMAND_RE.fullmatch(command):
        raise bad_request("BOT_COMMAND_INVALID")
    if not isinstance(description, str) or not description.strip():
        raise bad_request("command description must be non-empty")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise bad_request("command description is too long")
    return {"command": command, "description": description}


class BotCommands:
    """The lists set, by (scope type, language code); ``""`` is every language without one."""

    def __init__(self) -> None:
        self.lists: dict[tuple[str, str], list[JsonDict]] = {}

    def set_my_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request('parameter "commands" is required')
        if len(commands) > MAX_COMMANDS:
            raise bad_request("too many commands")
        checked = [_command(item) for item in commands]
        key = (_scope(params), _language(params))
        if checked:
            self.lists[key] = checked
        else:  # an empty list is how Telegram deletes one
            self.lists.pop(key, None)
        return True

    def get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        return list(self.lists.get((_scope(params), _language(params)), []))

    def delete_my_commands(self, params: JsonDict) -> bool:
        self.lists.pop((_scope(params), _language(params)), None)
        return True
