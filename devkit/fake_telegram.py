"""A fake Telegram: an in-memory Bot API server that also plays the users.

The handler replicas talk to it exactly as to ``https://api.telegram.org`` (point
``TELEGRAM_API_URL`` at it), and tests or ``devkit.chat`` make simulated users write to the bot
through its ``/_users/...`` routes: the fake builds real Telegram ``Update`` objects and posts
them to the webhook with Telegram's secret header and retry behaviour.  Everything it is asked
is recorded and can be read back (``GET /_calls``, ``GET /_users/{id}/messages``).

Run it with ``python -m devkit.fake_telegram --webhook-url http://127.0.0.1:8080/telegram/webhook``
and the token and webhook secret in the environment (``FAKE_TELEGRAM_TOKEN``, ``WEBHOOK_SECRET``),
or build the app in-process with :func:`create_app`.

HTTP API (JSON everywhere; the ``/_...`` routes answer ``{"error": ...}`` with 400/409 on misuse):

- ``POST|GET /bot{token}/{method}``: the Bot API (JSON, urlencoded or multipart parameters):
  getMe, sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage,
  answerCallbackQuery, setWebhook, deleteWebhook, getWebhookInfo, sendDocument, sendPhoto,
  getFile.  Telegram-shaped answers and errors (401 wrong token, 404 unknown method, 400
  "Bad Request: ...").  A multipart upload is recorded with its bytes (``{"filename",
  "content_type", "size", "data_base64"}`` in the call's params) and kept under new file_ids;
  photos are re-encoded as JPEG in two sizes, as Telegram does.
- ``GET /file/bot{token}/{file_path}``: the download of a file getFile pointed to (401 wrong
  token, 404 unknown path).
- ``GET /_calls?after=SEQ&method=M&chat_id=C&wait=S``: recorded calls ``{"calls": [{"seq", "ts",
  "method", "params", "ok"}]}``; ``wait`` long-polls until one matches.  ``POST /_reset`` forgets
  the calls (chats, users and the webhook stay; ``seq`` keeps counting).
- ``GET /_webhook/attempts``: every webhook delivery attempt ``{"attempts": [{"update_id",
  "at", "status"}]}`` (``at``: unix time the answer came; ``status`` null when none came).
- ``POST /_users/{id}/messages`` ``{"text", "language_code"?, "first_name"?, "username"?,
  "max_attempts"?}`` and ``POST /_users/{id}/callback`` ``{"message_id", "data", ...}``: the user
  writes or presses a button; the Update is delivered to the webhook (retried like Telegram) and
  the answer is ``{"update_id", "status", "attempts", "message_id" | "callback_query_id",
  "error"?}``.  ``POST /_users/{id}/photo`` ``{"photo": base64, "caption"?, ...}`` and
  ``POST /_users/{id}/document`` ``{"document": base64, "file_name"?, "mime_type"?,
  "caption"?, ...}``: the user sends a file; the answer adds its ``file_id`` (a photo's
  largest size; ``file_ids`` lists every size).  ``POST /_updates?max_attempts=N`` delivers a
  crafted Update unchanged.  ``GET /_files/{file_id}``: a file the fake holds, with its bytes
  (``data_base64``) and how often it was downloaded.
- ``GET /_users/{id}/messages?after=MESSAGE_ID&after_seq=SEQ&wait=S``: the bot's messages and
  edits in that chat ``{"messages": [{"seq", "message_id", "date", "text", "reply_markup",
  "edited", "parse_mode", "sent_text", "document"?, "photo"?}]}``; ``GET /_users/{id}/alerts?
  after=SEQ&wait=S``: answerCallbackQuery calls for that user.  ``GET /healthz``: 200.

Deliberate differences from Telegram: plain ``http://`` webhooks are accepted, any integer
``chat_id`` is a private chat with a simulated user, updates are never queued for ``getUpdates``
(a simulated user's message is delivered synchronously or refused with 409 when no webhook is
set), and sent messages carry their visible text without an ``entities`` array.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import copy
import hmac
import html
import io
import itertools
import json
import logging
import math
import mimetypes
import os
import random
import re
import secrets
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import Message as MimeHeaders
from email.utils import collapse_rfc2231_value
from functools import partial
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger("devkit.fake_telegram")

JsonDict = dict[str, Any]
T = TypeVar("T")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_LONG_POLL_SECONDS = 300.0
DELIVERY_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_ATTEMPTS = 8
FIRST_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
DEFAULT_MAX_CONNECTIONS = 40
# Files: getFile serves up to 20 MB; photos are re-encoded as JPEG in two sizes, like
# Telegram's "s" thumbnail (90 px) and its full size (at most 1280 px on the longer side).
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
PHOTO_MAX_SIDE = 1280
THUMBNAIL_MAX_SIDE = 90
PHOTO_JPEG_QUALITY = 87
WRONG_FILE_ID = "wrong file identifier/HTTP URL specified"

# Parameters Telegram expects as JSON-serialised strings in form-encoded requests.
JSON_ENCODED_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
    }
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
BOT_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]+)?")
INTEGER_RE = re.compile(r"^-?\d+$")


@dataclass(frozen=True)
class FakeTelegramConfig:
    """What the fake needs to know; the token and the secret never appear in its repr."""

    token: str = field(repr=False)
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    bot_username: str = "pokertracker_dev_bot"
    bot_first_name: str = "PokerTracker (dev)"
    # Reject text that Telegram would reject for its parse_mode (HTML / MarkdownV2 errors).
    strict_formatting: bool = True
    # Seconds every Bot API answer is held back, like Telegram's own round trip.
    latency: float = 0.0

    @property
    def bot_id(self) -> int:
        """The bot's user id: the digits before the colon of the token, like Telegram."""
        prefix = self.token.split(":", 1)[0]
        return int(prefix) if prefix.isdigit() else 7_000_000_001


# --------------------------------------------------------------------------------------------
# Errors


class BotApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    def payload(self) -> JsonDict:
        return {"ok": False, "error_code": self.status, "description": self.description}


def bad_request(detail: str) -> BotApiError:
    return BotApiError(f"Bad Request: {detail}")


class RequestError(Exception):
    """A bad request to one of the fake's own ``/_...`` routes."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------------------------
# Formatting: what the user sees, and Telegram's parse errors


_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "a", "tg-emoji", "code", "pre", "blockquote",
    }
)  # fmt: skip
_HTML_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)?[^<>]*>")
_MD_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD_MARKERS = ("||", "__", "*", "_", "~")
_MD_ENTITY_NAMES = {
    "||": "Spoiler", "__": "Underline", "*": "Bold", "_": "Italic", "~": "Strikethrough",
    "[": "TextUrl",
}  # fmt: skip


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _entity_error(detail: str) -> BotApiError:
    return bad_request(f"can't parse entities: {detail}")


def plain_text_of_html(text: str) -> str:
    """Check ``text`` as Telegram's HTML parse mode does; return the text the user sees."""
    out: list[str] = []
    open_tags: list[str] = []
    pos = 0
    while (lt := text.find("<", pos)) >= 0:
        out.append(html.unescape(text[pos:lt]))
        match = _HTML_TAG_RE.match(text, lt)
        name = (match.group(2) or "").lower() if match else ""
        if match is None or name not in _HTML_TAGS:
            raise _entity_error(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, lt)}'
            )
        if match.group(1):
            if not open_tags or open_tags[-1] != name:
                expected = f'"</{open_tags[-1]}>"' if open_tags else "no end tag"
                raise _entity_error(
                    f"Unmatched end tag at byte offset {_byte_offset(text, lt)}, "
                    f'expected {expected}, found "</{name}>"'
                )
            open_tags.pop()
        else:
            open_tags.append(name)
        pos = match.end()
    if open_tags:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    out.append(html.unescape(text[pos:]))
    return "".join(out)


def _md_skip_code(text: str, start: int, fence: str, out: list[str]) -> int:
    """Copy a code or pre block starting at ``start`` to ``out``; return the index after it."""
    i = start + len(fence)
    body: list[str] = []
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            body.append(text[i + 1])
            i += 2
        elif text.startswith(fence, i):
            content = "".join(body)
            if fence == "```":
                content = re.sub(r"^[\w+#-]*\n", "", content, count=1)
            out.append(content)
            return i + len(fence)
        else:
            body.append(text[i])
            i += 1
    kind = "Pre" if fence == "```" else "Code"
    offset = _byte_offset(text, start)
    raise _entity_error(f"Can't find end of {kind} entity at byte offset {offset}")


def _md_skip_url(text: str, start: int) -> int:
    """``text[start]`` is the ``(`` after ``]``; return the index after the closing ``)``."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == ")":
            return i + 1
        else:
            i += 1
    raise _entity_error(f"Can't find end of a URL at byte offset {_byte_offset(text, start)}")


def _md_reserved(char: str) -> BotApiError:
    return _entity_error(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def plain_text_of_markdown_v2(text: str) -> str:
    """Check ``text`` as Telegram's MarkdownV2 parse mode does; return the text the user sees.

    Covers what trips real bots: unescaped reserved characters (``.``, ``-``, ``!``, ``(``, ...),
    unclosed entities and code blocks.  Nesting rules are not enforced.
    """
    out: list[str] = []
    open_marks: dict[str, int] = {}
    i = 0
    while i < len(text):
        char = text[i]
        marker = next((m for m in _MD_MARKERS if text.startswith(m, i)), None)
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif text.startswith("```", i) or char == "`":
            i = _md_skip_code(text, i, "```" if text.startswith("```", i) else "`", out)
        elif marker is not None:
            if open_marks.pop(marker, None) is None:
                open_marks[marker] = i
            i += len(marker)
        elif char == "[" or text.startswith("![", i):
            open_marks["["] = i
            i += 1 if char == "[" else 2
        elif char == "]" and "[" in open_marks:
            if not text.startswith("(", i + 1):
                raise _md_reserved("]")
            del open_marks["["]
            i = _md_skip_url(text, i + 1)
        elif char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # block quotation
        elif char in _MD_RESERVED:
            raise _md_reserved(char)
        else:
            out.append(char)
            i += 1
    if open_marks:
        marker, start = min(open_marks.items(), key=lambda item: item[1])
        raise _entity_error(
            f"Can't find end of {_MD_ENTITY_NAMES[marker]} entity at byte offset "
            f"{_byte_offset(text, start)}"
        )
    return "".join(out)


def visible_text(text: str, parse_mode: object, strict: bool) -> str:
    """The text the user sees for ``text`` sent with ``parse_mode``; raises Telegram's errors."""
    if parse_mode in (None, ""):
        return text
    parsers: dict[str, Callable[[str], str]] = {
        "html": plain_text_of_html,
        "markdownv2": plain_text_of_markdown_v2,
        "markdown": lambda t: t,
    }
    parser = parsers.get(str(parse_mode).lower())
    if parser is None:
        raise bad_request("unsupported parse_mode")
    try:
        return parser(text)
    except BotApiError:
        if strict:
            raise
        return text


# --------------------------------------------------------------------------------------------
# Request parameters (JSON, urlencoded, multipart)


def _header_param(value: str, name: str) -> str | None:
    headers = MimeHeaders()
    headers["x"] = value
    param = headers.get_param(name, header="x")
    if param is None or isinstance(param, str):
        return param
    return collapse_rfc2231_value(param)


def _parse_multipart(body: bytes, content_type: str) -> JsonDict:
    """Fields of a multipart/form-data body; a file part becomes an upload record
    ``{"filename", "content_type", "size", "data_base64"}`` (JSON, so it can be recorded)."""
    boundary = _header_param(content_type, "boundary")
    if not boundary:
        raise bad_request("multipart boundary is missing")
    fields: JsonDict = {}
    for part in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break
        head, sep, data = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        disposition, part_type = "", ""
        for line in head.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "content-disposition":
                disposition = value.strip()
            elif key.strip().lower() == "content-type":
                part_type = value.strip()
        name = _header_param(disposition, "name")
        if not name:
            continue
        data = data.removesuffix(b"\r\n")
        filename = _header_param(disposition, "filename")
        if filename is not None:
            fields[name] = upload_record(data, filename, part_type or "application/octet-stream")
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields


def upload_record(data: bytes, filename: str | None, content_type: str) -> JsonDict:
    """How an uploaded file appears in the recorded call's parameters."""
    return {
        "filename": filename,
        "content_type": content_type,
        "size": len(data),
        "data_base64": base64.b64encode(data).decode("ascii"),
    }


def _is_upload(value: object) -> bool:
    return isinstance(value, dict) and "data_base64" in value


def _decode_json_params(params: JsonDict) -> JsonDict:
    for key in JSON_ENCODED_PARAMS & params.keys():
        value = params[key]
        if isinstance(value, str):
            try:
                params[key] = json.loads(value)
            except json.JSONDecodeError:
                what = "reply keyboard markup" if key == "reply_markup" else key
                raise bad_request(f"can't parse {what} JSON object") from None
    return params


async def read_params(request: Request) -> JsonDict:
    """Bot API parameters from the query string and a JSON, urlencoded or multipart body."""
    params: JsonDict = dict(request.query_params)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if body.strip():
        if media_type == "application/x-www-form-urlencoded":
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif media_type == "multipart/form-data":
            params.update(_parse_multipart(body, content_type))
        else:
            try:
                parsed = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise bad_request("can't parse JSON") from None
            if not isinstance(parsed, dict):
                raise bad_request("JSON body must be an object")
            params.update(parsed)
    return _decode_json_params(params)


def _int_param(params: Mapping[str, Any], name: str, missing: str) -> int:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(missing)
    if isinstance(value, bool) or not INTEGER_RE.match(str(value)):
        raise bad_request(f'field "{name}" must be of type Integer')
    return int(value)


def _bool_param(params: Mapping[str, Any], name: str) -> bool:
    value = params.get(name, False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


# --------------------------------------------------------------------------------------------
# Reply markup


def _validate_inline_button(button: object) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text is not specified")
    if len(button) == 1:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in "
                          "the inline keyboard")  # fmt: skip
    data = button.get("callback_data")
    if "callback_data" in button and not (
        isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")


def validate_reply_markup(markup: object) -> JsonDict | None:
    """Check a reply_markup like Telegram does (inline keyboards in detail); return it."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _validate_inline_button(button)
    return markup


def _inline_markup(markup: JsonDict | None) -> JsonDict | None:
    """The part of a reply_markup that Telegram keeps on the Message (inline keyboards only)."""
    return markup if markup and "inline_keyboard" in markup else None


# --------------------------------------------------------------------------------------------
# In-memory state


@dataclass
class UserProfile:
    """A simulated user; the latest first_name/username/language_code given are kept."""

    user_id: int
    first_name: str
    language_code: str = "en"
    username: str | None = None

    def as_user(self) -> JsonDict:
        user: JsonDict = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username:
            user["username"] = self.username
        return user


@dataclass
class Chat:
    """A private chat between the bot and one simulated user."""

    chat_id: int
    first_name: str | None = None
    chat_instance: str = field(default_factory=lambda: str(random.randint(-(2**62), 2**62)))
    next_message_id: int = 1
    messages: dict[int, JsonDict] = field(default_factory=dict)  # as Telegram stores them
    feed: list[JsonDict] = field(default_factory=list)  # the bot's messages, for /_users/...
    alerts: list[JsonDict] = field(default_factory=list)

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def as_chat(self) -> JsonDict:
        chat: JsonDict = {"id": self.chat_id, "type": "private"}
        if self.first_name:
            chat["first_name"] = self.first_name
        return chat


@dataclass
class Webhook:
    """The webhook as set by the bot (or the command line) and how delivering to it goes."""

    url: str | None = None
    secret: str | None = field(default=None, repr=False)
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    pending: int = 0

    def info(self) -> JsonDict:
        result: JsonDict = {
            "url": self.url or "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending,
        }
        if self.url:
            result["max_connections"] = self.max_connections
        if self.allowed_updates is not None:
            result["allowed_updates"] = self.allowed_updates
        if self.last_error_date is not None:
            result["last_error_date"] = self.last_error_date
            result["last_error_message"] = self.last_error_message
        return result


@dataclass(frozen=True)
class Described:
    """A Bot API result that comes with a ``description`` (setWebhook, deleteWebhook)."""

    result: Any
    description: str


@dataclass
class StoredFile:
    """A file the fake holds: sent by a simulated user or uploaded by the bot."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes = field(repr=False)
    mime_type: str | None = None
    file_name: str | None = None
    downloads: int = 0

    def as_file(self) -> JsonDict:
        """A Bot API File object, as getFile returns it."""
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_size": len(self.data), "file_path": self.file_path}  # fmt: skip

    def describe(self) -> JsonDict:
        """Everything about it, for ``GET /_files/{file_id}``."""
        return {**self.as_file(), "mime_type": self.mime_type, "file_name": self.file_name,
                "downloads": self.downloads,
                "data_base64": base64.b64encode(self.data).decode("ascii")}  # fmt: skip


class NotAnImage(ValueError):
    """Bytes sent as a photo that no image decoder understands."""


def jpeg_sizes(data: bytes) -> list[tuple[bytes, int, int]]:
    """(JPEG bytes, width, height) of a photo's thumbnail and full size, smallest first, the
    way Telegram re-encodes every photo it is sent."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # only needed for photos

    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise NotAnImage(type(exc).__name__) from None
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    image = image.convert("RGB")
    sizes = []
    for side in (THUMBNAIL_MAX_SIDE, PHOTO_MAX_SIDE):
        copy_ = image.copy()
        copy_.thumbnail((side, side))
        out = io.BytesIO()
        copy_.save(out, "JPEG", quality=PHOTO_JPEG_QUALITY)
        sizes.append((out.getvalue(), copy_.width, copy_.height))
    return sizes


def _decode_base64(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise RequestError(f"{name} must be the file's bytes in base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(f"{name} must be the file's bytes in base64") from None


def _now() -> int:
    return int(time.time())


def _update_type(update: Mapping[str, Any]) -> str | None:
    return next((key for key in update if key != "update_id"), None)


def _parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
        if not math.isfinite(seconds):  # "nan" / "inf" would make the wait endless
            return None
        return min(max(seconds, 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return None


def _describe_delivery_error(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "Connection refused"
    if isinstance(exc, httpx.TimeoutException):
        return "Read timeout expired"
    return f"Connection failed: {type(exc).__name__}"


class FakeTelegram:
    """The whole fake: Bot API methods, recording, simulated users and webhook delivery."""

    def __init__(self, config: FakeTelegramConfig) -> None:
        self.config = config
        self.webhook = Webhook(url=config.webhook_url, secret=config.webhook_secret)
        self.calls: list[JsonDict] = []
        self.attempts: list[JsonDict] = []  # every webhook delivery attempt and its answer
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, UserProfile] = {}
        self._seq = itertools.count(1)
        self._update_ids = itertools.count(random.randint(100_000, 900_000))
        self._callback_ids = itertools.count(random.randint(10**17, 9 * 10**17))
        self._file_ids = itertools.count(1)
        self.files: dict[str, StoredFile] = {}  # by file_id
        self._files_by_path: dict[str, StoredFile] = {}
        self._photo_sizes: dict[str, list[JsonDict]] = {}  # any size's file_id -> all sizes
        self._open_callbacks: dict[str, int] = {}  # callback_query id -> user id, until answered
        self._changed: asyncio.Condition | None = None
        self._client: httpx.AsyncClient | None = None
        self._slots: asyncio.Semaphore | None = None
        self._methods: dict[str, Callable[[JsonDict, int], Any]] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getfile": self._get_file,
            "senddocument": lambda params, seq: self._send_file(params, seq, "document"),
            "sendphoto": lambda params, seq: self._send_file(params, seq, "photo"),
        }

    # ---- lifecycle and notification ------------------------------------------------------

    async def start(self) -> None:
        """Open the shared HTTP client for webhook deliveries (called by the app's lifespan)."""
        self._client_or_open()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _client_or_open(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_SECONDS)
        return self._client

    @property
    def changed(self) -> asyncio.Condition:
        """Notified whenever something long-pollers wait for was recorded."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(
        self,
        collect: Callable[[], list[T]],
        wait: float,
        gone: Callable[[], Awaitable[None]] | None = None,
    ) -> list[T]:
        """``collect()`` now, or once it is non-empty, or after ``wait`` seconds, or when
        ``gone()`` returns (the client hung up: no reason to keep its request open)."""
        items = collect()
        if items or wait <= 0:
            return items
        watchers = {asyncio.ensure_future(self._until_nonempty(collect))}
        if gone is not None:
            watchers.add(asyncio.ensure_future(gone()))
        try:
            await asyncio.wait(watchers, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
        return collect()

    async def _until_nonempty(self, collect: Callable[[], list[T]]) -> None:
        async with self.changed:
            await self.changed.wait_for(collect)

    # ---- Bot API --------------------------------------------------------------------------

    @property
    def bot_user(self) -> JsonDict:
        return {
            "id": self.config.bot_id,
            "is_bot": True,
            "first_name": self.config.bot_first_name,
            "username": self.config.bot_username,
        }

    def token_matches(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.config.token.encode())

    async def call(
        self, token: str, method: str, params: JsonDict, parse_error: BotApiError | None = None
    ) -> tuple[int, JsonDict]:
        """Run one Bot API call and record it; return the HTTP status and the answer."""
        seq = next(self._seq)
        recorded_params = copy.deepcopy(params)
        try:
            if not self.token_matches(token):
                raise BotApiError("Unauthorized", 401)
            handler = self._methods.get(method.lower())
            if handler is None:
                raise BotApiError("Not Found", 404)
            if parse_error is not None:
                raise parse_error
            result = handler(params, seq)
        except BotApiError as err:
            status, payload = err.status, err.payload()
        except Exception:
            log.exception("fake Telegram failed on %s", method)
            status = 500
            payload = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        else:
            status, payload = 200, {"ok": True, "result": result}
            if isinstance(result, Described):
                payload = {"ok": True, "result": result.result, "description": result.description}
        self.calls.append(
            {"seq": seq, "ts": time.time(), "method": method, "params": recorded_params,
             "ok": status == 200}
        )  # fmt: skip
        await self.notify()
        return status, payload

    def _get_me(self, params: JsonDict, seq: int) -> JsonDict:
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
        return self.chat(int(value))

    def chat(self, chat_id: int, first_name: str | None = None) -> Chat:
        """The chat with ``chat_id``, created on first use."""
        chat = self.chats.get(chat_id)
        if chat is None:
            profile = self.users.get(chat_id)
            chat = Chat(chat_id, first_name or (profile.first_name if profile else None))
            self.chats[chat_id] = chat
        elif first_name:
            chat.first_name = first_name
        return chat

    def _new_bot_message(self, chat: Chat, markup: JsonDict | None) -> JsonDict:
        message: JsonDict = {
            "message_id": chat.allocate_message_id(),
            "from": self.bot_user,
            "chat": chat.as_chat(),
            "date": _now(),
        }
        if inline := _inline_markup(markup):
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
        """Append the bot's (new or edited) message to the chat's feed."""
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

    def _send_message(self, params: JsonDict, seq: int) -> JsonDict:
        chat = self._target_chat(params)
        text = self._checked_text(params, "text", MAX_TEXT_LENGTH, "message is too long")
        if not text or not text.strip():
            raise bad_request("message text is empty")
        markup = validate_reply_markup(params.get("reply_markup"))
        message = self._new_bot_message(chat, markup)
        message["text"] = text
        self._publish(chat, message, seq, params, edited=False, markup=markup)
        return copy.deepcopy(message)

    def _bot_message(self, params: Mapping[str, Any], action: str) -> tuple[Chat, JsonDict]:
        chat = self._target_chat(params)
        message_id = _int_param(params, "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request(f"message to {action} not found")
        if message["from"]["id"] != self.config.bot_id:
            raise bad_request(f"message can't be {action}ed")
        return chat, message

    def _not_modified(self) -> BotApiError:
        return bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )

    def _apply_edit(
        self, chat: Chat, message: JsonDict, seq: int, params: JsonDict, markup: JsonDict | None
    ) -> JsonDict:
        if inline := _inline_markup(markup):
            message["reply_markup"] = inline
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = _now()
        self._publish(chat, message, seq, params, edited=True, markup=markup)
        return copy.deepcopy(message)

    def _edit_message_text(self, params: JsonDict, seq: int) -> JsonDict | bool:
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return True
        chat, message = self._bot_message(params, "edit")
        text = self._checked_text(params, "text", MAX_TEXT_LENGTH, "message is too long")
        if not text or not text.strip():
            raise bad_request("message text is empty")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        markup = validate_reply_markup(params.get("reply_markup"))
        if message["text"] == text and message.get("reply_markup") == _inline_markup(markup):
            raise self._not_modified()
        message["text"] = text
        return self._apply_edit(chat, message, seq, params, markup)

    def _edit_message_reply_markup(self, params: JsonDict, seq: int) -> JsonDict | bool:
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return True
        chat, message = self._bot_message(params, "edit")
        markup = validate_reply_markup(params.get("reply_markup"))
        if message.get("reply_markup") == _inline_markup(markup):
            raise self._not_modified()
        return self._apply_edit(chat, message, seq, {}, markup)

    def _delete_message(self, params: JsonDict, seq: int) -> bool:
        chat = self._target_chat(params)
        message_id = _int_param(params, "message_id", "message identifier is not specified")
        if chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        return True

    def _answer_callback_query(self, params: JsonDict, seq: int) -> bool:
        query_id = params.get("callback_query_id")
        if query_id is None or query_id == "":
            raise bad_request('parameter "callback_query_id" is required')
        user_id = self._open_callbacks.pop(str(query_id), None)
        if user_id is None:
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        self.chat(user_id).alerts.append(
            {"seq": seq, "callback_query_id": str(query_id), "text": text,
             "show_alert": _bool_param(params, "show_alert"), "url": params.get("url")}
        )  # fmt: skip
        return True

    # ---- files ----------------------------------------------------------------------------

    def store_file(
        self, data: bytes, folder: str, extension: str, *,
        mime_type: str | None = None, file_name: str | None = None,
    ) -> StoredFile:  # fmt: skip
        """Keep ``data`` under a new file_id (and file_path, as getFile gives it)."""
        number = next(self._file_ids)
        kind = folder.rstrip("s")
        stored = StoredFile(
            file_id=f"fake-{kind}-{number}-{secrets.token_hex(4)}",
            file_unique_id=f"u{number}",
            file_path=f"{folder}/file_{number}.{extension}",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def store_photo(self, data: bytes) -> list[JsonDict]:
        """Re-encode a photo as Telegram does and keep each size; return the PhotoSize list
        (thumbnail first, full size last).  Raises NotAnImage."""
        sizes = []
        for jpeg, width, height in jpeg_sizes(data):
            stored = self.store_file(jpeg, "photos", "jpg", mime_type="image/jpeg")
            sizes.append({"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                          "file_size": len(jpeg), "width": width, "height": height})  # fmt: skip
        for size in sizes:
            self._photo_sizes[size["file_id"]] = sizes
        return copy.deepcopy(sizes)

    def store_document(
        self, data: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        name = file_name or "file"
        mime = mime_type if mime_type and mime_type != "application/octet-stream" else None
        mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        extension = name.rsplit(".", 1)[1].lower() if "." in name else "bin"
        if not re.fullmatch(r"[a-z0-9]{1,10}", extension):
            extension = "bin"
        return self.store_file(data, "documents", extension, mime_type=mime, file_name=name)

    def file_at(self, path: str) -> StoredFile | None:
        return self._files_by_path.get(path)

    def _get_file(self, params: JsonDict, seq: int) -> JsonDict:
        file_id = params.get("file_id")
        if file_id is None or file_id == "":
            raise bad_request('parameter "file_id" is required')
        stored = self.files.get(str(file_id))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return stored.as_file()

    def _send_file(self, params: JsonDict, seq: int, kind: str) -> JsonDict:
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
            content: JsonDict = {"photo": self._photo_for(file)}
        else:
            content = {"document": self._document_for(file)}
        message = self._new_bot_message(chat, markup)
        message.update(content)
        if caption:
            message["caption"] = caption
        self._publish(chat, message, seq, params, edited=False, markup=markup)
        return copy.deepcopy(message)

    def _photo_for(self, file: object) -> list[JsonDict]:
        if _is_upload(file):
            assert isinstance(file, dict)
            try:
                return self.store_photo(base64.b64decode(file["data_base64"]))
            except NotAnImage:
                raise bad_request("IMAGE_PROCESS_FAILED") from None
        sizes = self._photo_sizes.get(str(file))
        if sizes is None:
            raise bad_request(WRONG_FILE_ID)
        return copy.deepcopy(sizes)

    def _document_for(self, file: object) -> JsonDict:
        if _is_upload(file):
            assert isinstance(file, dict)
            stored = self.store_document(
                base64.b64decode(file["data_base64"]), file.get("filename"), file.get("content_type")
            )
        else:
            found = self.files.get(str(file))
            if found is None:
                raise bad_request(WRONG_FILE_ID)
            stored = found
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_name": stored.file_name or "document", "mime_type": stored.mime_type,
                "file_size": len(stored.data)}  # fmt: skip

    def _set_webhook(self, params: JsonDict, seq: int) -> Described:
        url = params.get("url")
        if url is None:
            raise bad_request('parameter "url" is required')
        if url == "":
            return self._delete_webhook(params, seq)
        if urlsplit(str(url)).scheme not in ("http", "https") or not urlsplit(str(url)).netloc:
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = params.get("secret_token") or None
        if secret is not None and not SECRET_TOKEN_RE.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        max_connections = params.get("max_connections", DEFAULT_MAX_CONNECTIONS)
        if not INTEGER_RE.match(str(max_connections)) or not 1 <= int(max_connections) <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates", self.webhook.allowed_updates)
        if allowed is not None and not (
            isinstance(allowed, list) and all(isinstance(a, str) for a in allowed)
        ):
            raise bad_request("can't parse allowed_updates JSON object")
        self.webhook.url, self.webhook.secret = str(url), secret
        self.webhook.allowed_updates = allowed or None
        if int(max_connections) != self.webhook.max_connections:
            self.webhook.max_connections = int(max_connections)
            self._slots = None
        self.webhook.last_error_date = self.webhook.last_error_message = None
        return Described(True, "Webhook was set")

    def _delete_webhook(self, params: JsonDict, seq: int) -> Described:
        if not self.webhook.url:
            return Described(True, "Webhook is already deleted")
        self.webhook.url = self.webhook.secret = None
        self.webhook.last_error_date = self.webhook.last_error_message = None
        return Described(True, "Webhook was deleted")

    def _get_webhook_info(self, params: JsonDict, seq: int) -> JsonDict:
        return self.webhook.info()

    # ---- simulated users ------------------------------------------------------------------

    def profile(self, user_id: int, body: Mapping[str, Any]) -> UserProfile:
        """The simulated user ``user_id``, updated with names/language given in ``body``."""
        profile = self.users.setdefault(user_id, UserProfile(user_id, f"User{user_id}"))
        for key in ("first_name", "language_code", "username"):
            value = body.get(key)
            if value is not None:
                if not isinstance(value, str) or not value:
                    raise RequestError(f"{key} must be a non-empty string")
                setattr(profile, key, value)
        return profile

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def _user_message(
        self, user_id: int, body: Mapping[str, Any], content: JsonDict
    ) -> JsonDict:
        """A ``message`` Update from the user with ``content`` (text, photo, document, ...)."""
        profile = self.profile(user_id, body)
        chat = self.chat(user_id, profile.first_name)
        message: JsonDict = {
            "message_id": chat.allocate_message_id(),
            "from": profile.as_user(),
            "chat": chat.as_chat(),
            "date": _now(),
            **content,
        }
        chat.messages[message["message_id"]] = message
        return {"update_id": self.next_update_id(), "message": copy.deepcopy(message)}

    def user_message_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        """A ``message`` Update as Telegram would send it when the user writes ``text``."""
        text = body.get("text")
        if not isinstance(text, str) or not text:
            raise RequestError("text must be a non-empty string")
        content: JsonDict = {"text": text}
        if command := BOT_COMMAND_RE.match(text):
            length = len(command.group(0).encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._user_message(user_id, body, content)

    @staticmethod
    def _caption(body: Mapping[str, Any]) -> JsonDict:
        caption = body.get("caption")
        if caption is None:
            return {}
        if not isinstance(caption, str) or len(caption) > MAX_CAPTION_LENGTH:
            raise RequestError(f"caption must be a string of at most {MAX_CAPTION_LENGTH} characters")
        return {"caption": caption} if caption else {}

    def user_photo_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        """The user sends a photo: stored as Telegram does (JPEG, a thumbnail and the full size,
        largest last) and delivered as a ``message`` with ``photo`` and an optional caption."""
        data = _decode_base64(body.get("photo"), "photo")
        caption = self._caption(body)
        try:
            sizes = self.store_photo(data)
        except NotAnImage:
            raise RequestError("photo must be an image (Telegram apps send only images as photos)") from None
        return self._user_message(user_id, body, {"photo": sizes, **caption})

    def user_document_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        """The user sends a file: stored unchanged and delivered as a ``message`` with
        ``document`` (mime_type from the body, else guessed from file_name)."""
        data = _decode_base64(body.get("document"), "document")
        file_name, mime_type = body.get("file_name"), body.get("mime_type")
        for key, value in (("file_name", file_name), ("mime_type", mime_type)):
            if value is not None and (not isinstance(value, str) or not value):
                raise RequestError(f"{key} must be a non-empty string")
        caption = self._caption(body)
        stored = self.store_document(data, file_name, mime_type)
        document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                    "file_name": stored.file_name, "mime_type": stored.mime_type,
                    "file_size": len(data)}  # fmt: skip
        return self._user_message(user_id, body, {"document": document, **caption})

    def callback_update(self, user_id: int, body: Mapping[str, Any]) -> JsonDict:
        """A ``callback_query`` Update as Telegram sends it when the user presses a button."""
        message_id, data = body.get("message_id"), body.get("data")
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            raise RequestError("message_id must be an integer")
        if not isinstance(data, str):
            raise RequestError("data must be a string")
        profile = self.profile(user_id, body)
        chat = self.chat(user_id, profile.first_name)
        stored = chat.messages.get(message_id)
        # An inaccessible message (deleted, or unknown to the fake) has date 0, like Telegram.
        message = copy.deepcopy(stored) if stored else {
            "message_id": message_id, "chat": chat.as_chat(), "date": 0,
        }  # fmt: skip
        query_id = str(next(self._callback_ids))
        self._open_callbacks[query_id] = user_id
        callback = {
            "id": query_id,
            "from": profile.as_user(),
            "message": message,
            "chat_instance": chat.chat_instance,
            "data": data,
        }
        return {"update_id": self.next_update_id(), "callback_query": callback}

    def register_raw_update(self, update: Mapping[str, Any]) -> None:
        """Make a crafted update's callback query answerable, as if the fake had sent it."""
        callback = update.get("callback_query")
        if isinstance(callback, dict) and "id" in callback:
            sender = callback.get("from")
            user_id = sender.get("id") if isinstance(sender, dict) else None
            if isinstance(user_id, int):
                self._open_callbacks[str(callback["id"])] = user_id

    # ---- webhook delivery -----------------------------------------------------------------

    def _delivery_slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.webhook.max_connections)
        return self._slots

    async def deliver(self, update: JsonDict, max_attempts: int) -> JsonDict:
        """Post ``update`` to the webhook, retrying like Telegram; describe the outcome."""
        if not self.webhook.url:
            raise RequestError("no webhook is set (setWebhook or --webhook-url)", 409)
        kind = _update_type(update)
        allowed = self.webhook.allowed_updates
        if allowed and kind not in allowed:
            return {"update_id": update.get("update_id"), "status": None, "attempts": 0,
                    "skipped": f"{kind} is not in allowed_updates"}  # fmt: skip
        self.webhook.pending += 1
        try:
            async with self._delivery_slots():
                return await self._deliver_with_retries(update, max_attempts)
        finally:
            self.webhook.pending -= 1

    async def _deliver_with_retries(self, update: JsonDict, max_attempts: int) -> JsonDict:
        delay = FIRST_RETRY_DELAY
        outcome: JsonDict = {"update_id": update.get("update_id"), "status": None, "attempts": 0}
        for attempt in range(1, max_attempts + 1):
            if not self.webhook.url:
                outcome["error"] = "webhook was deleted"
                break
            status, error, retry_after = await self._post_update(update)
            self.attempts.append({"update_id": update.get("update_id"), "at": time.time(), "status": status})
            outcome.update(status=status, attempts=attempt)
            if status is not None and 200 <= status < 300:
                outcome.pop("error", None)
                self.webhook.last_error_date = self.webhook.last_error_message = None
                break
            outcome["error"] = error
            self.webhook.last_error_date, self.webhook.last_error_message = _now(), error
            if attempt < max_attempts:
                await asyncio.sleep(delay if retry_after is None else retry_after)
                delay = min(delay * 2, MAX_RETRY_DELAY)
        return outcome

    async def _post_update(self, update: JsonDict) -> tuple[int | None, str, float | None]:
        """One delivery attempt: (HTTP status or None, error description, Retry-After)."""
        url, secret = self.webhook.url, self.webhook.secret
        assert url is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        try:
            response = await self._client_or_open().post(url, json=update, headers=headers)
        except httpx.HTTPError as exc:
            return None, _describe_delivery_error(exc), None
        error = f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
        return response.status_code, error, _parse_retry_after(response.headers.get("retry-after"))

    # ---- reading back ---------------------------------------------------------------------

    def select_calls(
        self, after: int, method: str | None, chat_id: str | None
    ) -> Callable[[], list[JsonDict]]:
        def collect() -> list[JsonDict]:
            return [
                call
                for call in self.calls
                if call["seq"] > after
                and (method is None or call["method"].lower() == method.lower())
                and (chat_id is None or str(call["params"].get("chat_id")) == chat_id)
            ]

        return collect

    def select_feed(
        self, user_id: int, after_message_id: int, after_seq: int
    ) -> Callable[[], list[JsonDict]]:
        def collect() -> list[JsonDict]:
            chat = self.chats.get(user_id)
            return [
                entry
                for entry in (chat.feed if chat else [])
                if entry["message_id"] > after_message_id and entry["seq"] > after_seq
            ]

        return collect

    def select_alerts(self, user_id: int, after: int) -> Callable[[], list[JsonDict]]:
        def collect() -> list[JsonDict]:
            chat = self.chats.get(user_id)
            return [alert for alert in (chat.alerts if chat else []) if alert["seq"] > after]

        return collect

    async def reset(self) -> None:
        """Forget the recorded calls; chats, users and the webhook stay."""
        self.calls.clear()
        await self.notify()


# --------------------------------------------------------------------------------------------
# HTTP layer


def _query_number(request: Request, name: str, kind: type[T], default: T) -> T:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)  # type: ignore[call-arg]
    except ValueError:
        raise RequestError(f"{name} must be a number") from None


def _wait_seconds(request: Request) -> float:
    wait = _query_number(request, "wait", float, 0.0)
    return min(max(wait, 0.0), MAX_LONG_POLL_SECONDS)


async def _json_object(request: Request) -> JsonDict:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RequestError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise RequestError("the body must be a JSON object")
    return body


def _max_attempts(value: object) -> int:
    if value is None:
        return DEFAULT_MAX_ATTEMPTS
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise RequestError("max_attempts must be an integer between 1 and 100")
    return value


def _copies(value: object) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise RequestError("copies must be an integer between 1 and 5")
    return value


async def _client_gone(request: Request) -> None:
    """Return once the client of a body-less request has disconnected."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _user_id(request: Request) -> int:
    user_id: int = request.path_params["user_id"]
    if user_id <= 0:
        raise RequestError("user_id must be a positive integer")
    return user_id


class FakeTelegramRoutes:
    """Starlette endpoints over one :class:`FakeTelegram`."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    def routes(self) -> list[Route]:
        return [
            Route("/bot{token}/{method}", self.bot_api, methods=["GET", "POST"]),
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/_calls", self.calls, methods=["GET"]),
            Route("/_webhook/attempts", self.webhook_attempts, methods=["GET"]),
            Route("/_reset", self.reset, methods=["POST"]),
            Route("/_updates", self.raw_update, methods=["POST"]),
            Route("/_users/{user_id:int}/messages", self.user_message, methods=["POST"]),
            Route("/_users/{user_id:int}/messages", self.bot_messages, methods=["GET"]),
            Route("/_users/{user_id:int}/callback", self.user_callback, methods=["POST"]),
            Route("/_users/{user_id:int}/photo", self.user_photo, methods=["POST"]),
            Route("/_users/{user_id:int}/document", self.user_document, methods=["POST"]),
            Route("/_files/{file_id}", self.file_info, methods=["GET"]),
            Route("/file/bot{token}/{file_path:path}", self.download, methods=["GET"]),
            Route("/_users/{user_id:int}/alerts", self.alerts, methods=["GET"]),
        ]

    async def bot_api(self, request: Request) -> Response:
        parse_error: BotApiError | None = None
        try:
            params = await read_params(request)
        except BotApiError as err:
            params, parse_error = {}, err
        if self.fake.config.latency > 0:
            await asyncio.sleep(self.fake.config.latency)
        status, payload = await self.fake.call(
            request.path_params["token"], request.path_params["method"], params, parse_error
        )
        return JSONResponse(payload, status_code=status)

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def webhook_attempts(self, request: Request) -> Response:
        return JSONResponse({"attempts": self.fake.attempts})

    async def calls(self, request: Request) -> Response:
        collect = self.fake.select_calls(
            _query_number(request, "after", int, 0),
            request.query_params.get("method") or None,
            request.query_params.get("chat_id") or None,
        )
        wait = _wait_seconds(request)
        calls = await self.fake.wait_for(collect, wait, partial(_client_gone, request))
        return JSONResponse({"calls": calls})

    async def reset(self, request: Request) -> Response:
        await self.fake.reset()
        return JSONResponse({"ok": True})

    async def user_message(self, request: Request) -> Response:
        body = await _json_object(request)
        attempts, copies = _max_attempts(body.get("max_attempts")), _copies(body.get("copies"))
        update = self.fake.user_message_update(_user_id(request), body)
        outcome = await self._deliver_copies(update, attempts, copies)
        return JSONResponse({**outcome, "message_id": update["message"]["message_id"]})

    async def user_callback(self, request: Request) -> Response:
        body = await _json_object(request)
        attempts, copies = _max_attempts(body.get("max_attempts")), _copies(body.get("copies"))
        update = self.fake.callback_update(_user_id(request), body)
        outcome = await self._deliver_copies(update, attempts, copies)
        return JSONResponse({**outcome, "callback_query_id": update["callback_query"]["id"]})

    async def user_photo(self, request: Request) -> Response:
        body = await _json_object(request)
        attempts, copies = _max_attempts(body.get("max_attempts")), _copies(body.get("copies"))
        update = self.fake.user_photo_update(_user_id(request), body)
        outcome = await self._deliver_copies(update, attempts, copies)
        photo = update["message"]["photo"]
        return JSONResponse({**outcome, "message_id": update["message"]["message_id"],
                             "file_id": photo[-1]["file_id"],
                             "file_ids": [size["file_id"] for size in photo]})  # fmt: skip

    async def user_document(self, request: Request) -> Response:
        body = await _json_object(request)
        attempts, copies = _max_attempts(body.get("max_attempts")), _copies(body.get("copies"))
        update = self.fake.user_document_update(_user_id(request), body)
        outcome = await self._deliver_copies(update, attempts, copies)
        return JSONResponse({**outcome, "message_id": update["message"]["message_id"],
                             "file_id": update["message"]["document"]["file_id"]})  # fmt: skip

    async def file_info(self, request: Request) -> Response:
        stored = self.fake.files.get(request.path_params["file_id"])
        if stored is None:
            raise RequestError("no such file_id", 404)
        return JSONResponse(stored.describe())

    async def download(self, request: Request) -> Response:
        """``GET /file/bot{token}/{file_path}``: the file getFile pointed to, as Telegram serves it."""
        if self.fake.config.latency > 0:
            await asyncio.sleep(self.fake.config.latency)
        if not self.fake.token_matches(request.path_params["token"]):
            return JSONResponse(BotApiError("Unauthorized", 401).payload(), status_code=401)
        stored = self.fake.file_at(request.path_params["file_path"])
        if stored is None:
            return JSONResponse(BotApiError("Not Found", 404).payload(), status_code=404)
        stored.downloads += 1
        return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")

    async def _deliver_copies(self, update: JsonDict, attempts: int, copies: int) -> JsonDict:
        """Deliver ``copies`` times, as Telegram does when it never saw the webhook's answer."""
        outcome: JsonDict = {}
        for _ in range(copies):
            outcome = await self.fake.deliver(update, attempts)
        return outcome

    async def raw_update(self, request: Request) -> Response:
        update = await _json_object(request)
        attempts = _max_attempts(request.query_params.get("max_attempts"))
        self.fake.register_raw_update(update)
        return JSONResponse(await self.fake.deliver(update, attempts))

    async def bot_messages(self, request: Request) -> Response:
        collect = self.fake.select_feed(
            _user_id(request),
            _query_number(request, "after", int, 0),
            _query_number(request, "after_seq", int, 0),
        )
        wait = _wait_seconds(request)
        messages = await self.fake.wait_for(collect, wait, partial(_client_gone, request))
        return JSONResponse({"messages": messages})

    async def alerts(self, request: Request) -> Response:
        after = _query_number(request, "after", int, 0)
        collect = self.fake.select_alerts(_user_id(request), after)
        wait = _wait_seconds(request)
        alerts = await self.fake.wait_for(collect, wait, partial(_client_gone, request))
        return JSONResponse({"alerts": alerts})


async def _request_error(request: Request, exc: Exception) -> Response:
    status = exc.status if isinstance(exc, RequestError) else 400
    return JSONResponse({"error": str(exc)}, status_code=status)


def create_app(config: FakeTelegramConfig) -> Starlette:
    """A Starlette app holding one fresh fake Telegram (reachable as ``app.state.fake``)."""
    fake = FakeTelegram(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await fake.start()
        log.info(
            "fake Telegram ready: bot @%s, webhook %s",
            config.bot_username,
            fake.webhook.url or "not set",
        )
        try:
            yield
        finally:
            await fake.close()

    app = Starlette(
        routes=FakeTelegramRoutes(fake).routes(),
        lifespan=lifespan,
        exception_handlers={RequestError: _request_error},
    )
    app.state.fake = fake
    return app


# --------------------------------------------------------------------------------------------
# Command line


class RedactingFilter(logging.Filter):
    """Hides secrets and Bot API paths in log records (uvicorn's access log shows paths)."""

    _BOT_PATH_RE = re.compile(r"/bot[^/\s\"]+/")

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        text = self._BOT_PATH_RE.sub("/bot***/", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        # Redact inside the arguments rather than dropping them: formatters such as
        # uvicorn's access log unpack record.args themselves.
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self.redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devkit.fake_telegram",
        description="A fake Telegram Bot API server that also simulates users (development only).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--token", help="bot token to accept (better: env FAKE_TELEGRAM_TOKEN, kept out of ps)"
    )
    parser.add_argument(
        "--webhook-url",
        help="where to deliver updates until setWebhook (env FAKE_TELEGRAM_WEBHOOK_URL)",
    )
    parser.add_argument(
        "--webhook-secret", help="secret header value for deliveries (better: env WEBHOOK_SECRET)"
    )
    parser.add_argument("--bot-username", default="pokertracker_dev_bot")
    parser.add_argument(
        "--lenient-formatting",
        action="store_true",
        help="accept text that Telegram would reject for its parse_mode",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="hold every Bot API answer this long"
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    parser.add_argument("--access-log", action="store_true", help="log every request (noisy)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve the fake Telegram with uvicorn until interrupted."""
    args = _parse_args(argv)
    token = args.token or os.environ.get("FAKE_TELEGRAM_TOKEN", "")
    if not token:
        print("fake_telegram: a bot token is required: --token or env FAKE_TELEGRAM_TOKEN",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(2)
    secret = args.webhook_secret or os.environ.get("WEBHOOK_SECRET") or None
    config = FakeTelegramConfig(
        token=token,
        webhook_url=args.webhook_url or os.environ.get("FAKE_TELEGRAM_WEBHOOK_URL") or None,
        webhook_secret=secret,
        bot_username=args.bot_username,
        strict_formatting=not args.lenient_formatting,
        latency=max(args.latency_ms, 0.0) / 1000,
    )
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    server_config = uvicorn.Config(
        create_app(config),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.access_log,
        timeout_graceful_shutdown=5,
        # Longer than any client's idle expiry (httpx: 5 s), so a client never reuses a
        # connection the server is closing at that very moment (a ReadError).
        timeout_keep_alive=75,
    )
    redactor = RedactingFilter([token, token.partition(":")[2], secret or ""])
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", log.name):
        logging.getLogger(name).addFilter(redactor)
    uvicorn.Server(server_config).run()


if __name__ == "__main__":
    main()
