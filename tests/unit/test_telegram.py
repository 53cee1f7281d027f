from services.handler.telegram import Update, to_incoming


def _message(text: str | None, **extra: object) -> Update:
    msg: dict[str, object] = {
        "message_id": 1,
        "from": {"id": 42, "is_bot": False, "first_name": "Ann", "language_code": "ru"},
        "chat": {"id": 42, "type": "private"},
        **extra,
    }
    if text is not None:
        msg["text"] = text
    return Update.model_validate({"update_id": 9, "message": msg})


def test_command_with_arguments_and_bot_mention() -> None:
    inc = to_incoming(_message("/Register@pokertracker_bot A | 01.01.2025 | 1 | V"))
    assert inc is not None
    assert (inc.kind, inc.command, inc.args) == ("command", "register", "A | 01.01.2025 | 1 | V")
    assert (inc.user_id, inc.chat_id, inc.language_code) == (42, 42, "ru")


def test_plain_text_and_non_text() -> None:
    assert to_incoming(_message("3 | 850")).kind == "text"  # type: ignore[union-attr]
    assert to_incoming(_message(None, sticker={"file_id": "x"})).kind == "unsupported"  # type: ignore[union-attr]


def test_photo_takes_the_largest_size_and_documents_keep_name_and_type() -> None:
    sizes = [{"file_id": "big", "width": 1280, "height": 960}, {"file_id": "thumb", "width": 90, "height": 60}]
    inc = to_incoming(_message(None, photo=sizes, caption="ticket"))
    assert inc is not None and inc.kind == "photo" and inc.attachment is not None
    assert inc.attachment.file_id == "big" and inc.attachment.is_image
    doc = {"file_id": "d", "file_name": "Export.CSV", "mime_type": "Text/CSV", "file_size": 10}
    inc = to_incoming(_message(None, document=doc))
    assert inc is not None and inc.kind == "document" and inc.attachment is not None
    attachment = inc.attachment
    assert (attachment.file_name, attachment.mime_type, attachment.file_size) == ("Export.CSV", "text/csv", 10)
    assert not inc.attachment.is_image


def test_callback_query() -> None:
    update = Update.model_validate(
        {
            "update_id": 10,
            "callback_query": {
                "id": "cb1",
                "from": {"id": 42, "first_name": "Ann"},
                "message": {"message_id": 5, "chat": {"id": 42}},
                "data": "res:7",
            },
        }
    )
    inc = to_incoming(update)
    assert inc is not None and (inc.kind, inc.callback_data, inc.callback_id) == ("callback", "res:7", "cb1")


def test_updates_without_a_human_sender_are_not_for_the_bot() -> None:
    assert to_incoming(Update.model_validate({"update_id": 1, "channel_post": {"x": 1}})) is None
    bot = {"message_id": 1, "from": {"id": 1, "is_bot": True}, "chat": {"id": 1}, "text": "hi"}
    assert to_incoming(Update.model_validate({"update_id": 2, "message": bot})) is None


def _inline(query: str, is_bot: bool = False) -> Update:
    sender = {"id": 42, "is_bot": is_bot, "first_name": "Ann", "language_code": "ru"}
    iq = {"id": "777", "from": sender, "query": query, "offset": "", "chat_type": "supergroup"}
    return Update.model_validate({"update_id": 9, "inline_query": iq})


def test_inline_query_is_its_own_kind_answered_to_the_sender() -> None:
    inc = to_incoming(_inline("  result 12 "))
    assert inc is not None
    assert (inc.kind, inc.text, inc.inline_query_id, inc.command) == ("inline", "result 12", "777", "")
    assert (inc.user_id, inc.chat_id, inc.language_code) == (42, 42, "ru")
    assert to_incoming(_inline("stats", is_bot=True)) is None
