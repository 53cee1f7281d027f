"""Bot API request parameters: read from the query string and a JSON, urlencoded or multipart
body, and checked like Telegram checks them (integers, booleans, reply markup)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from email.message import Message as MimeHeaders
from email.utils import collapse_rfc2231_value
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from devkit.fake_telegram.answers import JsonDict, bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
# Parameters Telegram expects as JSON-serialised strings in form-encoded requests.
JSON_ENCODED_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "results",
        "button",
        "commands",
        "scope",
    }
)
INTEGER_RE = re.compile(r"^-?\d+$")


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


def is_upload(value: object) -> bool:
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
    """Bot API parameters of a request to the app (see :func:`parse_params`)."""
    body = await request.body()
    return parse_params(request.query_params, body, request.headers.get("content-type", ""))


def parse_params(query: Mapping[str, str], body: bytes, content_type: str) -> JsonDict:
    """Bot API parameters from the query string and a JSON, urlencoded or multipart body."""
    params: JsonDict = dict(query)
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


def int_param(params: Mapping[str, Any], name: str, missing: str) -> int:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(missing)
    if isinstance(value, bool) or not INTEGER_RE.match(str(value)):
        raise bad_request(f'field "{name}" must be of type Integer')
    return int(value)


def bool_param(params: Mapping[str, Any], name: str) -> bool:
    value = params.get(name, False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


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


def inline_markup(markup: JsonDict | None) -> JsonDict | None:
    """The part of a reply_markup that Telegram keeps on the Message (inline keyboards only)."""
    return markup if markup and "inline_keyboard" in markup else None

