"""Text fields (the event's name, the venue): what counts as words rather than OCR smudges,
and which lines are only a ticket's generic heading."""

from __future__ import annotations

import re

from services.ocr.ticket.text import fold, tidy
from shared.limits import MAX_NAME_CHARS

_LETTER_RE = re.compile(r"[^\W\d_]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_GENERIC_WORDS = frozenset(
    fold(word)
    for word in (
        "ticket", "tickets", "entry", "admission", "admit", "one", "pass", "voucher", "poker",
        "tournament", "event", "live", "invitation", "receipt", "official", "the", "of", "and",
        "билет", "входной", "вход", "пропуск", "покерный", "покер", "турнирный", "турнир",
        "ваучер", "приглашение", "квитанция", "чек", "на",
    )
)  # fmt: skip
_CHIPS_RE = re.compile(fold(r"(?<![^\W\d_])(?:chips|фишек|фишки|фишка)(?![^\W\d_])"), re.IGNORECASE)


def letters(text: str) -> int:
    return len(_LETTER_RE.findall(text))


def looks_like_words(text: str) -> bool:
    """At least three letters, and mostly letters: not a smudge read as ``| ‘ ,.``."""
    visible = text.replace(" ", "")
    count = letters(text)
    return count >= 3 and count >= 0.5 * len(visible)


def clean_name(value: str) -> str | None:
    value = tidy(value)
    if not looks_like_words(value):
        return None
    return value[:MAX_NAME_CHARS].rstrip() or None


def is_generic(line: str) -> bool:
    words = re.findall(r"[^\W\d_]+", fold(line).lower())
    return bool(words) and all(word in _GENERIC_WORDS for word in words)


def mostly_cyrillic(text: str) -> bool:
    """More Cyrillic letters than Latin ones: a Russian ticket."""
    return len(_CYRILLIC_RE.findall(text)) > len(_LATIN_RE.findall(text))


def mentions_chips(line: str) -> bool:
    """The line counts chips (``20,000 chips``, ``20 000 фишек``): it holds the stack."""
    return _CHIPS_RE.search(fold(line)) is not None
