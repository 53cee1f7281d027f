"""Bot messages and keyboards as terminal lines, and the buttons a user can press."""

from __future__ import annotations

from dataclasses import dataclass

from devkit.chat.options import JsonDict

PROMPT = "you> "
BOT = "bot> "
INDENT = " " * len(BOT)


@dataclass(frozen=True)
class Button:
    """One pressable button of a bot message."""

    label: str
    callback_data: str | None = None
    url: str | None = None
    reply_text: str | None = None  # reply-keyboard buttons send their text as a message
    inline_query: str | None = None  # switch_inline_query buttons type ``@bot <this>``


def keyboard_buttons(reply_markup: JsonDict | None) -> list[Button]:
    """The buttons of an inline keyboard or a reply keyboard, in reading order."""
    if not reply_markup:
        return []
    buttons: list[Button] = []
    for row in reply_markup.get("inline_keyboard") or []:
        for b in row:
            query = b.get("switch_inline_query", b.get("switch_inline_query_current_chat"))
            buttons.append(Button(b.get("text", "?"), b.get("callback_data"), b.get("url"), inline_query=query))
    for row in reply_markup.get("keyboard") or []:
        for b in row:
            text = b if isinstance(b, str) else b.get("text", "?")
            buttons.append(Button(text, reply_text=text))
    return buttons


def keyboard_rows(reply_markup: JsonDict | None) -> list[list[str]]:
    """Button labels per row, numbered across the whole keyboard: ``[1] Sunday Million``."""
    if not reply_markup:
        return []
    rows = reply_markup.get("inline_keyboard") or reply_markup.get("keyboard") or []
    numbers = iter(range(1, 10_000))
    rendered: list[list[str]] = []
    for row in rows:
        labels = []
        for b in row:
            text = b if isinstance(b, str) else b.get("text", "?")
            suffix = f" -> {b['url']}" if isinstance(b, dict) and b.get("url") else ""
            labels.append(f"[{next(numbers)}] {text}{suffix}")
        rendered.append(labels)
    return rendered


def render_message(entry: JsonDict) -> list[str]:
    """Terminal lines for one bot message from ``GET /_users/{id}/messages``."""
    head = "(edited) " if entry.get("edited") else ""
    if document := entry.get("document"):
        head += f"[document {document.get('file_name')}, {document.get('file_size')} bytes] "
    if photo := entry.get("photo"):
        head += f"[photo, {photo.get('file_size')} bytes] "
    body = (head + (entry.get("text") or "")).rstrip().splitlines() or [""]
    lines = [BOT + body[0]] + [INDENT + line for line in body[1:]]
    lines += [INDENT + "   ".join(row) for row in keyboard_rows(entry.get("reply_markup"))]
    return lines


def render_alert(alert: JsonDict) -> list[str]:
    """Terminal lines for an answerCallbackQuery that carries a text (empty otherwise)."""
    if not alert.get("text"):
        return []
    kind = "alert" if alert.get("show_alert") else "notice"
    return [f"{BOT}[{kind}] {alert['text']}"]


def render_inline_answer(query: str, answer: JsonDict) -> list[str]:
    """Terminal lines for the bot's answerInlineQuery to ``@bot <query>``: each card's title,
    description and the message a tap on it would send."""
    results, typed = answer.get("results") or [], f"@bot {query}".rstrip()
    if not results:
        return [f"{BOT}[inline «{typed}»] no cards"]
    lines = [f"{BOT}[inline «{typed}»] {len(results)} card(s); in Telegram a tap sends one to the chat you typed in"]
    for number, result in enumerate(results, 1):
        title = result.get("title", "?")
        if description := result.get("description"):
            title += f" — {description}"
        lines.append(f"{INDENT}({number}) {title}")
        text = (result.get("input_message_content") or {}).get("message_text") or ""
        lines += [f"{INDENT}    {line}" for line in text.splitlines()]
    return lines
