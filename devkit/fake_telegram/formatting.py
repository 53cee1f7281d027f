"""Telegram's parse modes: the text a user sees for HTML or MarkdownV2, and the parse errors
Telegram answers for text it would reject."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from devkit.fake_telegram.answers import BotApiError, bad_request

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


