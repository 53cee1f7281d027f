"""Field labels on a ticket (``Buy-in:``, ``Дата``, ``Стартовый стек``...) in Russian and
English, found at the start of a line even when OCR misread a letter or two of them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from services.ocr.ticket.text import EDGE_JUNK, fold


def _label_re(pattern: str) -> re.Pattern[str]:
    """A label at the start of a (folded) line, ending at a non-letter."""
    return re.compile(rf"^(?:{fold(pattern)})(?![^\W\d_])", re.IGNORECASE)


_VENUE_WORDS_RE = re.compile(
    fold(r"(?<![^\W\d_])(?:casino|club|card\s*room|poker\s*room|клуб|казино|покер-клуб)(?![^\W\d_])"),
    re.IGNORECASE,
)


def _always(value: str) -> bool:
    return True


def _never(value: str) -> bool:
    return False


def _capitalised(value: str) -> bool:
    """``Tournament Winter Series``: a label whose colon OCR lost, followed by a proper name
    (``Турнир выходного дня`` is a name that starts with the word, not a label)."""
    return value[:1].isupper() or value[:1].isdigit() or value[:1] in "#№\"'«„“"


def _names_a_venue(value: str) -> bool:
    """``Club Casino Royale``: the label, then a venue's name; but ``Casino Royale`` alone is
    the venue's own name."""
    return mentions_venue(value)


@dataclass(frozen=True)
class Label:
    field: str
    pattern: re.Pattern[str]
    # Whether the label counts without a ":" (or the like) before ``value``.  Typed values
    # (dates, amounts) are checked anyway; for text a word like "Casino" or "Турнир" is
    # often the start of the value itself.
    bare: Callable[[str], bool] = _always


_B = r"[\s\-]*"  # between the words of a label: spaces or dashes, or nothing
LABELS: tuple[Label, ...] = (
    Label("name", _label_re(r"event\s+name|tournament\s+name|название\s+турнира")),
    Label("name", _label_re(
        rf"(?:event|tournament|tourney){_B}(?:name|title)?|турнир|событие|ивент"
        r"|название|наименование"
    ), bare=_capitalised),
    Label("date", _label_re(
        r"date(?:\s*(?:&|and|/)\s*time)?|дата(?:\s+и\s+время)?|when|когда|day|день"
        r"|start(?:s|\s+date|\s+time)?|начало|старт"
    )),
    Label("buy_in", _label_re(
        rf"buy{_B}(?:[i1l|!m][^\W\d_]{{0,2}})?|[б6]ай{_B}[иu][нh]|[б6]айин|entry(?:{_B}fee)?"
        r"|взнос|вход|стоимость(?:\s+участия)?|цена|price|cost"
    )),
    Label("fee", _label_re(
        r"(?:service|admin(?:istration)?|registration|reg|dealer|staff)?\s*fees?"
        r"|rake|комиссия|с[б6]ор|рейк|доп(?:\.|олнительный)?\s*взнос"
    )),
    Label("stack", _label_re(
        rf"(?:start(?:ing)?{_B})?(?:stack|chips)|стартов(?:ый|ые){_B}(?:стек|фишки)"
        r"|стек|фишки|фишек"
    )),
    Label("venue", _label_re(
        r"venue|location|place|where|address|место(?:\s+проведения)?|где|площадка|адрес"
    ), bare=_capitalised),
    Label("venue", _label_re(
        r"casino|club|card\s*room|poker\s*room|клуб|казино|покер[\s\-]*клуб"
    ), bare=_names_a_venue),
)  # fmt: skip

# ":" and its OCR misreadings (";", "=", "|", a "." before a space), or a spaced dash.
_EXPLICIT_SEPARATOR_RE = re.compile(r"\s*(?:[:：;=|]+|[.](?=\s)|\s[-–—]\s|-(?=\s))\s*")
_BARE_SEPARATOR_RE = re.compile(r"\s+")

# Words of the labels above, to recognise them misread by a letter or two ("Toumament",
# "Гурнир", "Steck"): a word within the edit distance allowed for its length is read as the
# label word.
_LABEL_WORDS = frozenset(
    fold(word).lower()
    for word in (
        "tournament", "event", "date", "entry", "stack", "starting", "chips", "venue",
        "location", "casino", "club", "турнир", "событие", "название", "дата", "взнос",
        "комиссия", "сбор", "стартовый", "стек", "фишки", "место", "клуб", "казино",
        "проведения", "стоимость",
    )
)  # fmt: skip
_FIRST_WORD_RE = re.compile(r"([^\W\d_]+)([ \t]*)")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it is known to exceed it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char_a != char_b)))  # fmt: skip
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _allowed_typos(word: str) -> int:
    return 2 if len(word) >= 8 else 1 if len(word) >= 5 else 0


def _as_label_word(word: str, before_colon: bool) -> str | None:
    """The label word ``word`` is a misreading of, or ``None``.  A word before a colon is a
    label already by its place, so it may be misread more ("Locabon:" for "Location:")."""
    folded = fold(word).lower()
    if folded in _LABEL_WORDS:
        return None
    for label_word in _LABEL_WORDS:
        own = _allowed_typos(folded)
        limit = max(own, _allowed_typos(label_word)) if before_colon else min(own, _allowed_typos(label_word))
        if limit and edit_distance(folded, label_word, limit) <= limit:
            return label_word
    return None


def _repair_label_words(line: str) -> str:
    """``line`` with its first two words spelt as the label words they misread, if any."""
    out, pos = [], 0
    for _ in range(2):
        match = _FIRST_WORD_RE.match(line, pos)
        if match is None:
            break
        before_colon = line[match.end():match.end() + 1] in (":", "：")
        out.append((_as_label_word(match[1], before_colon) or match[1]) + match[2])
        pos = match.end()
    return "".join(out) + line[pos:]


@dataclass(frozen=True)
class Labelled:
    field: str
    value: str  # the original text after the label and its separator


def labelled(line: str) -> list[Labelled]:
    """The fields a line may be labelled as (in order), each with the value after the label;
    a misspelt label is tried only when the line as written has none."""
    line = line.lstrip(EDGE_JUNK)
    found = _labelled_as_written(line)
    if not found and (repaired := _repair_label_words(line)) != line:
        found = _labelled_as_written(repaired)
    return found


def _labelled_as_written(line: str) -> list[Labelled]:
    folded = fold(line)
    found = []
    for label in LABELS:
        match = label.pattern.match(folded)
        if match is None:
            continue
        rest = line[match.end():]
        sep = _EXPLICIT_SEPARATOR_RE.match(rest)
        if sep is None:
            sep = _BARE_SEPARATOR_RE.match(rest)
            if sep is None or not label.bare(rest[sep.end():]):
                continue
        value = rest[sep.end():].strip()
        if value:
            found.append(Labelled(label.field, value))
    return found


def mentions_venue(line: str) -> bool:
    """The line names a casino, club or card room."""
    return _VENUE_WORDS_RE.search(fold(line)) is not None
