"""Normalising OCR text: lines in NFKC with single spaces, look-alike letters folded for
matching labels, stray edge punctuation dropped, letters read for digits inside numbers
repaired."""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT_CHARS = 20_000  # more than any ticket; bounds the work on garbage input
MAX_LINES = 200

# Cyrillic letters that OCR confuses with Latin ones, and the reverse: both sides fold to one
# Latin letter, character for character, so offsets in the folded text are offsets in the
# original.  Only used to *match* labels, never to produce values.
_FOLD = str.maketrans(
    {
        "а": "a", "А": "a", "в": "b", "В": "b", "е": "e", "Е": "e", "ё": "e", "Ё": "e",
        "к": "k", "К": "k", "м": "m", "М": "m", "н": "h", "Н": "h", "о": "o", "О": "o",
        "р": "p", "Р": "p", "с": "c", "С": "c", "т": "t", "Т": "t", "у": "y", "У": "y",
        "х": "x", "Х": "x", "і": "i", "І": "i", "ј": "j", "Ј": "j", "ѕ": "s", "Ѕ": "s",
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
        "ı": "i", "ǀ": "l",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """Look-alike letters and dashes folded to one form; same length as ``text``."""
    return text.translate(_FOLD)


_INVISIBLE_RE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Characters OCR leaves at the edges of a line (quotes, bullets, smudges read as punctuation).
EDGE_JUNK = " \t'\"`´‘’‚‛“”„‟«»‹›.,;:!?|/\\_~*•·°^¬¦=-–—()[]{}<>"


def normalise(text: str) -> list[str]:
    """The text's non-empty lines, in Unicode NFKC, with spaces collapsed."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS])
    text = _INVISIBLE_RE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_RE.sub(" ", text)
    lines = []
    for raw in text.split("\n"):
        line = _SPACES_RE.sub(" ", raw).strip()
        if line:
            lines.append(line)
        if len(lines) >= MAX_LINES:
            break
    return lines


def tidy(value: str) -> str:
    """A text value without OCR's stray edge punctuation and with single spaces."""
    value = _SPACES_RE.sub(" ", value).strip(EDGE_JUNK)
    # A closing bracket or quote belongs to the value when its opening one is there too.
    return value.strip()


# Inside a number OCR reads 0 as O/o/О/о, 1 as l/I/|, 3 as З, 5 as S.  A run of such
# characters is repaired only when it holds a real digit and is not part of a word.
_DIGITISH = "0-9OoОоIl|ЗS"
_NUMBER_RUN_RE = re.compile(
    rf"(?<![^\W\d_])[{_DIGITISH}](?:[{_DIGITISH}]|[.,'’ ](?=[{_DIGITISH}]))*"
    r"(?=[kKкКmMмМ]?(?:[^\w]|_|$)|тыс|млн)"
)
_DIGIT_FIX = str.maketrans(
    {"O": "0", "o": "0", "О": "0", "о": "0", "I": "1", "l": "1", "|": "1", "З": "3", "S": "5"}
)


def fix_digits(text: str) -> str:
    """Repair letters read for digits inside numbers: ``2O25`` -> ``2025``, ``l00`` -> ``100``."""

    def repair(match: re.Match[str]) -> str:
        run = match.group(0)
        if not any(ch.isdigit() for ch in run):
            return run
        return run.translate(_DIGIT_FIX)

    return _NUMBER_RUN_RE.sub(repair, text)
