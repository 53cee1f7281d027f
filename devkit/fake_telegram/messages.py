"""The Bot API methods about the bot's messages: getMe, sendMessage, editMessageText,
editMessageReplyMarkup, deleteMessage, answerCallbackQuery, sendPhoto and sendDocument,
checked like Telegram checks them and kept in the chats."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from devkit.fake_telegram.answers import BotApiError, JsonDict, bad_request
from devkit.fake_telegram.chats import Chat, Chats
from devkit.fake_telegram.config import FakeTelegramConfig
from devkit.fake_telegram.files import FileStore
from devkit.fake_telegram.formatting import visible_text
from devkit.fake_telegram.params import (
    INTEGER_RE,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    bool_param,
    inline_markup,
    int_param,
    validate_reply_markup,
)
from devkit.fake_telegram.users import SimulatedUsers

MAX_INLINE_RESULTS = 50
MAX_INLINE_ID_BYTES = 64
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


def _now() -> int:
    return int(time.time())


def _not_modified() -> BotApiError:
    return bad_request(
        "message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message"
    )


class BotMessages:
    """The bot's side of the chats; every method takes the call's params and its seq.  A result
    may be the stored message itself: ``FakeTelegram.call`` renders it at once."""

    def __init__(
        self, config: FakeTelegramConfig, chats: Chats, files: FileStore, users: SimulatedUsers
    ) -> None:
        self.config = config
        self.chats = chats
        self.files = files
        self.users = users

    @property
    def bot_user(self) -> JsonDict:
        return {
            "id": self.config.bot_id,
            "is_bot": True,
            "first_name": self.config.bot_first_name,
            "username": self.config.bot_username,
        }

    def get_me(self, params: JsonDict, seq: int) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _target_chat(self, params: Mapping[str, Any]) -> Chat:
        value = params.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, bool) or not INTEGER_RE.match(str(value)):
            raise bad_request("chat not found")
        return self.chats.chat(int(value))

    def _new_bot_message(self, chat: Chat, markup: JsonDict | None) -> JsonDict:
        message: JsonDict = {
            "message_id": chat.allocate_message_id(),
            "from": self.bot_user,
            "chat": chat.as_chat(),
            "date": _now(),
        }
        if inline := inline_markup(markup):
            message["reply_markup"] = inline
        chat.messages[message["message_id"]] = message
        return message

    def _publish(
        self,
        chat: Chat,
        message: JsonDict,
        seq: int,
        params: Mapping[str, Any],
        *,
        edited: bool,
        markup: JsonDict | None,
    ) -> None:
        """Append the bot's (new or edited) message to the chat's feed, when recording."""
        if not self.config.recording:
            return
        entry: JsonDict = {
            "seq": seq,
            "message_id": message["message_id"],
            "date": message.get("edit_date", message["date"]),
            "text": message.get("text", message.get("caption")),
            "reply_markup": markup,
            "edited": edited,
            "parse_mode": params.get("parse_mode"),
            "sent_text": params.get("text", params.get("caption")),
        }
        if "document" in message:
            document = message["document"]
            entry["document"] = {key: document.get(key) for key in
                                 ("file_id", "file_name", "mime_type", "file_size")}  # fmt: skip
        if "photo" in message:
            largest = message["photo"][-1]
            entry["photo"] = {key: largest[key] for key in
                              ("file_id", "width", "height", "file_size")}  # fmt: skip
        chat.feed.append(entry)

    def _checked_text(
        self, params: Mapping[str, Any], name: str, limit: int, too_long: str
    ) -> str | None:
        value = params.get(name)
        if value is None:
            return None
        text = visible_text(str(value), params.get("parse_mode"), self.config.strict_formatting)
        if len(text) > limit:
            raise bad_request(too_long)
        return text

    def send_message(self, params: JsonDict, seq: int) -> JsonDict:
        chat = self._target_chat(params)
        text = self._checked_text(params, "text", MAX_TEXT_LENGTH, "message is too long")
        if not text or not text.strip():
            raise bad_request("message text is empty")
        markup = validate_reply_markup(params.get("reply_markup"))
        message = self._new_bot_message(chat, markup)
        message["text"] = text
        self._publish(chat, message, seq, params, edited=False, markup=markup)
        return message

    def _bot_message(self, params: Mapping[str, Any], action: str) -> tuple[Chat, JsonDict]:
        chat = self._target_chat(params)
        message_id = int_param(params, "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request(f"message to {action} not found")
        if message["from"]["id"] != self.config.bot_id:
            raise bad_request(f"message can't be {action}ed")
        return chat, message

    def _apply_edit(
        self, chat: Chat, message: JsonDict, seq: int, params: JsonDict, markup: JsonDict | None
    ) -> JsonDict:
        if inline := inline_markup(markup):
            message["reply_markup"] = inline
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = _now()
        self._publish(chat, message, seq, params, edited=True, markup=markup)
        return message

    def edit_message_text(self, params: JsonDict, seq: int) -> JsonDict | bool:
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return True
        chat, message = self._bot_message(params, "edit")
        text = self._checked_text(params, "text", MAX_TEXT_LENGTH, "message is too long")
        if not text or not text.strip():
            raise bad_request("message text is empty")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        markup = validate_reply_markup(params.get("reply_markup"))
        if message["text"] == text and message.get("reply_markup") == inline_markup(markup):
            raise _not_modified()
        message["text"] = text
        return self._apply_edit(chat, message, seq, params, markup)

    def edit_message_reply_markup(self, params: JsonDict, seq: int) -> JsonDict | bool:
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return True
        chat, message = self._bot_message(params, "edit")
        markup = validate_reply_markup(params.get("reply_markup"))
        if message.get("reply_markup") == inline_markup(markup):
            raise _not_modified()
        return self._apply_edit(chat, message, seq, {}, markup)

    def delete_message(self, params: JsonDict, seq: int) -> bool:
        chat = self._target_chat(params)
        message_id = int_param(params, "message_id", "message identifier is not specified")
        if chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        return True

    def answer_callback_query(self, params: JsonDict, seq: int) -> bool:
        query_id = params.get("callback_query_id")
        if query_id is None or query_id == "":
            raise bad_request('parameter "callback_query_id" is required')
        user_id = self.users.answer_callback(str(query_id))
        if user_id is None:
            raise bad_request(QUERY_TOO_OLD)
        if self.config.recording:
            self.chats.chat(user_id).alerts.append(
                {"seq": seq, "callback_query_id": str(query_id), "text": params.get("text"),
                 "show_alert": bool_param(params, "show_alert"), "url": params.get("url")}
            )  # fmt: skip
        return True

    def answer_inline_query(self, params: JsonDict, seq: int) -> bool:
        """Checked as Telegram checks it and recorded (``GET /_calls``); the answer to a query a
        simulated user typed is also kept for that user (``GET /_users/{id}/inline``)."""
        if not params.get("inline_query_id"):
            raise bad_request('parameter "inline_query_id" is required')
        results = params.get("results")
        if not isinstance(results, list) or len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH" if isinstance(results, list) else "can't parse results")
        for result in results:
            content = result.get("input_message_content") if isinstance(result, dict) else None
            result_id = result.get("id") if isinstance(result, dict) else None
            if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= MAX_INLINE_ID_BYTES:
                raise bad_request("RESULT_ID_INVALID")
            text = content.get("message_text") if isinstance(content, dict) else None
            if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT_LENGTH:
                raise bad_request("MESSAGE_TEXT_INVALID")
        user_id = self.users.answer_inline(str(params["inline_query_id"]))
        if user_id is not None and self.config.recording:
            self.chats.chat(user_id).inline_answers.append(
                {"seq": seq, "inline_query_id": str(params["inline_query_id"]), "results": results}
            )
        return True

    def send_file(self, params: JsonDict, seq: int, kind: str) -> JsonDict:
        """sendPhoto / sendDocument: a multipart upload, or the file_id of a file the fake holds
        (URLs are not fetched).  The upload is kept, with new file_ids, so it can be sent back."""
        chat = self._target_chat(params)
        file = params.get(kind)
        if file is None or file == "":
            raise bad_request(f"there is no {kind} in the request")
        caption = self._checked_text(
            params, "caption", MAX_CAPTION_LENGTH, "message caption is too long"
        )
        markup = validate_reply_markup(params.get("reply_markup"))
        if kind == "photo":
            content: JsonDict = {"photo": self.files.photo_for(file)}
        else:
            content = {"document": self.files.document_for(file)}
        message = self._new_bot_message(chat, markup)
        message.update(content)
        if caption:
            message["caption"] = caption
        self._publish(chat, message, seq, params, edited=False, markup=markup)
        return message
