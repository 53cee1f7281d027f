"""The whole ticket: labelled lines first, then guesses from the lines no label claimed, put
together into the ``TicketFields`` contract.

A result with no field at all means "unreadable".  So that an image of something that is
not a ticket (a page of prose, a screenshot) is not taken for one, guessed fields (the first
line as a name, a line mentioning a club as the venue, a bare date) count only beside a
labelled field, an amount with a currency, or enough other guesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from services.ocr.ticket.amounts import (
    find_amounts,
    find_currency,
    parse_fee,
    parse_price,
    parse_stack,
)
from services.ocr.ticket.dates import find_date
from services.ocr.ticket.labels import Labelled, labelled, mentions_venue
from services.ocr.ticket.names import (
    clean_name,
    is_generic,
    letters,
    mentions_chips,
    mostly_cyrillic,
)
from services.ocr.ticket.text import fix_digits, normalise
from shared.ocr_api import TicketFields

Lines = list[tuple[int, str]]  # (index in the ticket, line)


@dataclass
class _Reading:
    values: dict[str, Any] = field(default_factory=dict)
    labelled: set[str] = field(default_factory=set)  # fields found behind their label
    guessed: set[str] = field(default_factory=set)  # fields found without one
    used_lines: set[int] = field(default_factory=set)

    def put(self, name: str, value: Any, line: int, *, guessed: bool = False) -> None:
        if value is None or name in self.values:
            return
        self.values[name] = value
        (self.guessed if guessed else self.labelled).add(name)
        self.used_lines.add(line)

    def put_price(self, text: str, line: int, rubles_likely: bool, *, guessed: bool = False) -> None:
        """The buy-in, fee and currency of ``text``, if it holds a price."""
        price = parse_price(text, rubles_likely=rubles_likely)
        if price is not None:
            self.put("buy_in", price.buy_in, line, guessed=guessed)
            if price.fee is not None:
                self.put("fee", price.fee, line, guessed=guessed)
            self.put("currency", price.currency, line, guessed=guessed)

    def trusted(self) -> bool:
        """Enough evidence that this is a ticket at all."""
        return bool(self.labelled) or "buy_in" in self.guessed or len(self.guessed) >= 3


def _apply_label(reading: _Reading, index: int, found: Labelled, rubles_likely: bool) -> bool:
    """Store a labelled value if it parses; say whether it did."""
    before = dict(reading.values)
    if found.field in ("name", "venue"):
        reading.put(found.field, clean_name(found.value), index)
    elif found.field == "date":
        reading.put("played_on", find_date(found.value, labelled=True), index)
    elif found.field == "buy_in":
        reading.put_price(found.value, index, rubles_likely)
    elif found.field == "fee":
        fee = parse_fee(found.value, rubles_likely=rubles_likely)
        if fee is not None:
            reading.put("fee", fee[0], index)
            reading.put("currency", fee[1], index)
    elif found.field == "stack":
        reading.put("starting_stack", parse_stack(found.value), index)
    return reading.values != before or index in reading.used_lines


def _read_labels(reading: _Reading, lines: list[str], rubles_likely: bool) -> Lines:
    """Store what each line's label says; return the lines no label claimed."""
    labelled_lines: set[int] = set()
    for index, line in enumerate(lines):
        for found in labelled(line):
            if _apply_label(reading, index, found, rubles_likely):
                labelled_lines.add(index)
                break
    return [(i, line) for i, line in enumerate(lines) if i not in labelled_lines]


def _guess_date(reading: _Reading, free: Lines) -> None:
    for index, line in free:
        if "played_on" not in reading.values and (found_date := find_date(line)):
            reading.put("played_on", found_date, index, guessed=True)


def _guess_price(reading: _Reading, free: Lines, rubles_likely: bool) -> None:
    """An amount with a currency, on a line that does not count chips."""
    for index, line in free:
        if index in reading.used_lines or "buy_in" in reading.values:
            continue
        repaired = fix_digits(line)
        if find_currency(repaired) and find_amounts(repaired) and not mentions_chips(line):
            reading.put_price(line, index, rubles_likely, guessed=True)


def _guess_stack(reading: _Reading, free: Lines) -> None:
    for index, line in free:
        if "starting_stack" not in reading.values and mentions_chips(line):
            reading.put("starting_stack", parse_stack(line), index, guessed=True)


def _guess_venue(reading: _Reading, free: Lines) -> None:
    """A line naming a casino or club, without amounts."""
    for index, line in free:
        if index in reading.used_lines or "venue" in reading.values:
            continue
        if mentions_venue(line) and not find_amounts(fix_digits(line)):
            reading.put("venue", clean_name(line), index, guessed=True)


def _could_be_name(line: str) -> bool:
    """Not a generic heading, a date, or mostly an amount."""
    if is_generic(line):
        return False
    return not (find_date(line) or (find_amounts(fix_digits(line)) and letters(line) < 6))


def _guess_name(reading: _Reading, free: Lines) -> None:
    """The first prominent line no other field used."""
    if "name" in reading.values:
        return
    for index, line in free:
        if index in reading.used_lines or not _could_be_name(line):
            continue
        if (name := clean_name(line)) is not None:
            reading.put("name", name, index, guessed=True)
            return


def _read(text: str) -> _Reading:
    reading = _Reading()
    # Mostly Cyrillic: a Russian ticket, whose amounts are in rubles unless it says otherwise.
    rubles_likely = mostly_cyrillic(text)
    free = _read_labels(reading, normalise(text), rubles_likely)
    # Guesses, each from a line no label claimed.
    _guess_date(reading, free)
    _guess_price(reading, free, rubles_likely)
    _guess_stack(reading, free)
    _guess_venue(reading, free)
    _guess_name(reading, free)
    return reading


def _valid_fields(values: dict[str, Any]) -> TicketFields:
    """The values that satisfy TicketFields' constraints, each checked on its own."""
    kept: dict[str, Any] = {}
    for name, value in values.items():
        try:
            TicketFields.model_validate({name: value})
        except ValidationError:
            continue
        kept[name] = value
    return TicketFields.model_validate(kept)


def parse_ticket(text: str) -> TicketFields:
    """The fields readable in a ticket's OCR text; all ``None`` when it does not look like one."""
    try:
        if not isinstance(text, str):
            return nothing_read()
        reading = _read(text)
        if not reading.trusted():
            return nothing_read()
        return _valid_fields(reading.values)
    except Exception:  # a parser bug must not lose the job: nothing read
        return nothing_read()


def nothing_read() -> TicketFields:
    """Every field ``None``."""
    return TicketFields.model_validate({})


def has_fields(fields: TicketFields) -> bool:
    return any(value is not None for value in fields.model_dump().values())
