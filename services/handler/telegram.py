"""The part of Telegram's Update the bot reads, and its reduction to one ``Incoming`` event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.ocr_api import TicketRead
from shared.reminder_api import ReminderDue


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class User(_Model):
    id: int
    is_bot: bool = False
    first_name: str = ""
    username: str | None = None
    language_code: str | None = None


class Chat(_Model):
    id: int
    type: str = "private"


class PhotoSize(_Model):
    file_id: str
    width: int = 0
    height: int = 0
    file_size: int | None = None


class Document(_Model):
    file_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class Message(_Model):
    message_id: int
    from_: User | None = Field(None, alias="from")
    chat: Chat
    text: str | None = None
    caption: str | None = None
    photo: list[PhotoSize] | None = None
    document: Document | None = None


class CallbackQuery(_Model):
    id: str
    from_: User = Field(alias="from")
    message: Message | None = None
    data: str | None = None


class InlineQuery(_Model):
    """``@bot <query>`` typed in any chat: answered with ``answerInlineQuery``, never a message."""

    id: str
    from_: User = Field(alias="from")
    query: str = ""
    offset: str = ""
    chat_type: str | None = None


class Update(_Model):
    update_id: int
    message: Message | None = None
    callback_query: CallbackQuery | None = None
    inline_query: InlineQuery | None = None


Kind = Literal["command", "text", "callback", "photo", "document", "ticket", "unsupported", "inline", "reminder"]


@dataclass(frozen=True)
class Attachment:
    """A file the user sent: a photo (its largest size) or a document."""

    file_id: str
    file_name: str = ""
    mime_type: str = ""
    file_size: int | None = None

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


@dataclass(frozen=True)
class Incoming:
    """One thing a user did, as the conversation sees it."""

    update_id: int
    kind: Kind
    user_id: int
    chat_id: int
    language_code: str | None
    first_name: str = ""
    text: str = ""
    command: str = ""  # lower case, without the leading "/" and any "@botname"
    args: str = ""
    callback_id: str = ""
    callback_data: str = ""
    attachment: Attachment | None = None
    ticket: TicketRead | None = None  # kind "ticket": the OCR service's reading of a photo
    chat_type: str = "private"  # Telegram's chat.type: private, group, supergroup
    addressee: str = ""  # kind "command": the "@botname" it was sent to, lower case, without "@"
    inline_query_id: str = ""  # kind "inline": the query to answer; its text is ``text``
    reminder: ReminderDue | None = None  # kind "reminder": a result reminder fell due


def to_incoming(update: Update) -> Incoming | None:
    """``None`` for updates the bot does not act on (no sender, bots, edits, channel posts,
    anything in a group chat but a command)."""
    if update.callback_query is not None:
        cq = update.callback_query
        if cq.from_.is_bot:
            return None
        chat_id = cq.message.chat.id if cq.message else cq.from_.id
        return Incoming(
            update_id=update.update_id,
            kind="callback",
            user_id=cq.from_.id,
            chat_id=chat_id,
            language_code=cq.from_.language_code,
            first_name=cq.from_.first_name,
            callback_id=cq.id,
            callback_data=cq.data or "",
            chat_type=cq.message.chat.type if cq.message else "private",
        )
    if update.inline_query is not None:
        return _inline_incoming(update.update_id, update.inline_query)
    msg = update.message
    if msg is None or msg.from_ is None or msg.from_.is_bot:
        return None
    common = dict(
        update_id=update.update_id,
        user_id=msg.from_.id,
        chat_id=msg.chat.id,
        language_code=msg.from_.language_code,
        first_name=msg.from_.first_name,
        chat_type=msg.chat.type,
    )
    if msg.chat.type != "private" and not (msg.text or "").strip().startswith("/"):
        # A private-chat bot: in a group only a command may be for it (the dispatcher tells
        # whose).  Service messages, chatter, stickers, photos and files are not.
        return None
    if msg.photo:
        largest = max(msg.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        attachment = Attachment(largest.file_id, mime_type="image/jpeg", file_size=largest.file_size)
        return Incoming(kind="photo", attachment=attachment, **common)  # type: ignore[arg-type]
    if msg.document is not None:
        doc = msg.document
        attachment = Attachment(
            doc.file_id, doc.file_name or "", (doc.mime_type or "").lower(), doc.file_size
        )
        return Incoming(kind="document", attachment=attachment, **common)  # type: ignore[arg-type]
    if msg.text is None:
        return Incoming(kind="unsupported", **common)  # type: ignore[arg-type]
    text = msg.text.strip()
    if text.startswith("/") and len(text) > 1:
        head, _, args = text.partition(" ")
        if "\n" in head:
            head, _, rest = head.partition("\n")
            args = (rest + " " + args).strip()
        command, _, addressee = head[1:].partition("@")
        return Incoming(
            kind="command", text=text, command=command.lower(), args=args.strip(),
            addressee=addressee.lower(), **common,  # type: ignore[arg-type]
        )
    return Incoming(kind="text", text=text, **common)  # type: ignore[arg-type]


def _inline_incoming(update_id: int, iq: InlineQuery) -> Incoming | None:
    """An inline query has no chat of the bot's: ``chat_id`` is the sender's private chat."""
    if iq.from_.is_bot:
        return None
    return Incoming(
        update_id=update_id,
        kind="inline",
        user_id=iq.from_.id,
        chat_id=iq.from_.id,
        language_code=iq.from_.language_code,
        first_name=iq.from_.first_name,
        text=iq.query.strip(),
        inline_query_id=iq.id,
    )


def ticket_incoming(ticket: TicketRead) -> Incoming:
    """The OCR service's reading of a ticket photo, as the conversation sees it."""
    return Incoming(
        update_id=ticket.event_id,
        kind="ticket",
        user_id=ticket.user_id,
        chat_id=ticket.chat_id,
        language_code=ticket.language_code,
        ticket=ticket,
    )


def reminder_incoming(reminder: ReminderDue) -> Incoming:
    """A result reminder that fell due (shared.reminder_api), as the conversation sees it."""
    return Incoming(
        update_id=reminder.event_id,
        kind="reminder",
        user_id=reminder.user_id,
        chat_id=reminder.chat_id,
        language_code=reminder.language_code,
        reminder=reminder,
    )
