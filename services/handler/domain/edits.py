"""``field: value`` lines (editing a ticket read by OCR, or a saved tournament) and the draft
they change.

A ``Draft`` is a tournament being put together across messages: every field optional, kept
in the session until it is saved.  ``parse_edit_lines`` reads one message of ``field: value``
lines into changes, all or nothing: one bad line and the message changes nothing.

Amounts read as everywhere in the chat (``money.read_amount``), with their currency: a buy-in
typed with one sets the tournament's currency (as ``currency:`` does); any other amount typed
with one must be in the tournament's currency, and sets it when the tournament has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.handler.domain import parsing
from services.handler.domain.currency import read_currency
from services.handler.domain.parsing import Amount, ErrorCode, ParseError
from services.handler.domain.records import (
    ZERO,
    Format,
    Game,
    Result,
    Tournament,
    TournamentFields,
)
from shared.limits import MAX_ENTRIES, MAX_FIELD, MAX_PLACE, MAX_STACK

MAX_EDIT_LINES = 20
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_CLEAR = {"-", "—", "–", "none", "нет"}

# Every name a field goes by, in English and Russian, to its canonical name.
FIELD_ALIASES: dict[str, str] = {
    "name": "name", "event": "name", "tournament": "name", "название": "name", "турнир": "name",
    "date": "date", "дата": "date",
    "venue": "venue", "club": "venue", "casino": "venue", "площадка": "venue", "клуб": "venue",
    "казино": "venue",
    "buy-in": "buy_in", "buyin": "buy_in", "buy in": "buy_in", "buy_in": "buy_in",
    "бай-ин": "buy_in", "байин": "buy_in", "бай ин": "buy_in", "взнос": "buy_in",
    "fee": "fee", "rake": "fee", "комиссия": "fee", "сбор": "fee", "рейк": "fee",
    "currency": "currency", "валюта": "currency",
    "game": "game", "игра": "game",
    "format": "format", "формат": "format",
    "entries": "entries", "входы": "entries", "входов": "entries", "entry": "entries",
    "rebuys": "rebuys", "rebuy": "rebuys", "ребаи": "rebuys", "ребай": "rebuys",
    "addons": "addons", "add-ons": "addons", "addon": "addons", "add-on": "addons",
    "аддоны": "addons", "аддон": "addons",
    "field": "field_size", "field size": "field_size", "players": "field_size",
    "участники": "field_size", "игроков": "field_size", "поле": "field_size",
    "stack": "starting_stack", "starting stack": "starting_stack", "стек": "starting_stack",
    "стартовый стек": "starting_stack",
    "place": "place", "место": "place",
    "prize": "prize", "payout": "prize", "приз": "prize", "выплата": "prize",
    "bounty": "bounty", "bounties": "bounty", "баунти": "bounty", "нокауты": "bounty",
}
REQUIRED = ("name", "played_on", "venue", "buy_in")
# The codes ``parse_edit_lines`` returns.
EDIT_ERRORS = frozenset({
    ErrorCode.EDIT_EMPTY, ErrorCode.EDIT_TOO_MANY, ErrorCode.EDIT_BAD_LINE,
    ErrorCode.EDIT_UNKNOWN_FIELD, ErrorCode.EDIT_EMPTY_VALUE, ErrorCode.EDIT_BAD_VALUE,
    ErrorCode.WRONG_CURRENCY,
})  # fmt: skip
OPTIONAL = {"currency", "field_size", "starting_stack", "place", "prize", "bounty"}


class Draft(BaseModel):
    """A tournament (and maybe its result) being edited; stored in the session as JSON."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str | None = None
    played_on: date | None = None
    venue: str | None = None
    buy_in: Decimal | None = None
    fee: Decimal | None = None
    currency: str | None = None
    game: Game | None = None
    format: Format | None = None
    entries: int | None = None
    rebuys: Decimal | None = None
    addons: Decimal | None = None
    field_size: int | None = None
    starting_stack: int | None = None
    place: int | None = None
    prize: Decimal | None = None
    bounty: Decimal | None = None

    @classmethod
    def of(cls, t: Tournament) -> Draft:
        r = t.result
        return cls(
            **{k: getattr(t, k) for k in TournamentFields.__dataclass_fields__},
            place=r.place if r else None,
            prize=r.prize if r else None,
            bounty=r.bounty if r else None,
        )

    def apply(self, changes: dict[str, Any]) -> Draft:
        return self.model_copy(update=changes)

    @property
    def missing(self) -> list[str]:
        """Required fields still empty (``name``, ``played_on``, ``venue``, ``buy_in``)."""
        return [f for f in REQUIRED if getattr(self, f) is None]

    def fields(self) -> TournamentFields | None:
        """The tournament's fields, or ``None`` while a required one is missing."""
        if self.missing:
            return None
        assert self.name and self.played_on and self.venue and self.buy_in is not None
        return TournamentFields(
            name=self.name,
            played_on=self.played_on,
            venue=self.venue,
            buy_in=self.buy_in,
            fee=self.fee if self.fee is not None else ZERO,
            currency=self.currency or "",
            game=self.game or Game.NLHE,
            format=self.format or Format.FREEZEOUT,
            entries=self.entries or 1,
            rebuys=self.rebuys if self.rebuys is not None else ZERO,
            addons=self.addons if self.addons is not None else ZERO,
            field_size=self.field_size,
            starting_stack=self.starting_stack,
        )

    def result(self) -> Result | ParseError[ErrorCode] | None:
        """The result if place and prize are both set, ``None`` if neither; else an error."""
        if self.place is None and self.prize is None:
            return ParseError(ErrorCode.RESULT_INCOMPLETE) if self.bounty else None
        if self.place is None or self.prize is None:
            return ParseError(ErrorCode.RESULT_INCOMPLETE)
        return Result(place=self.place, prize=self.prize, bounty=self.bounty or ZERO)


def _currency(text: str) -> str | ParseError[ErrorCode]:
    """A code, symbol or word (``currency.read_currency``), or any three letters as before."""
    c = text.strip()
    code = read_currency(c) or (c.upper() if _CURRENCY.fullmatch(c) else None)
    return ParseError(ErrorCode.BAD_CURRENCY, c) if code is None else code


def _starting_stack(text: str) -> int | ParseError[ErrorCode]:
    """Chips, ``20k`` / ``20к`` for thousands; the error quotes what was typed."""
    s = text.strip().lower().replace("k", "000").replace("к", "000")
    n = parsing.parse_count(s, 0, MAX_STACK, ErrorCode.BAD_STARTING_STACK)
    return ParseError(ErrorCode.BAD_STARTING_STACK, text) if isinstance(n, ParseError) else n


# The parser of each field whose value sets the draft attribute of the same name.
_PARSERS: dict[str, Callable[[str], object]] = {
    "name": lambda t: parsing.parse_name(t, ErrorCode.BAD_NAME),
    "venue": lambda t: parsing.parse_name(t, ErrorCode.BAD_VENUE),
    "currency": _currency,
    "game": parsing.parse_game,
    "format": parsing.parse_format,
    "entries": lambda t: parsing.parse_count(t, 1, MAX_ENTRIES, ErrorCode.BAD_ENTRIES),
    "field_size": lambda t: parsing.parse_count(t, 1, MAX_FIELD, ErrorCode.BAD_FIELD_SIZE),
    "starting_stack": _starting_stack,
    "place": lambda t: parsing.parse_count(t, 1, MAX_PLACE, ErrorCode.BAD_PLACE),
}


# The amounts other than the buy-in, and what each is for (which names its errors).
_AMOUNTS = {
    "fee": Amount.FEE, "rebuys": Amount.REBUYS, "addons": Amount.ADDONS, "prize": Amount.PAYOUT,
    "bounty": Amount.BOUNTY,
}  # fmt: skip


def _value(field: str, text: str, today: date | None) -> tuple[dict[str, Any], str | None] | ParseError[ErrorCode]:
    """Parse one field's value into the draft attributes it sets, and the currency typed with
    an amount (``None`` if none was)."""
    if field in OPTIONAL and text.lower() in _CLEAR:
        return {field: None}, None
    if field == "date":
        d = parsing.parse_date(text, today)
        return d if isinstance(d, ParseError) else ({"played_on": d}, None)
    if field == "buy_in":
        money = parsing.parse_buy_in(text)
        if isinstance(money, ParseError):
            return money
        changes = {"buy_in": money.buy_in, "fee": money.fee} if "+" in text else {"buy_in": money.buy_in}
        return changes, money.currency
    if field in _AMOUNTS:
        amount = parsing.parse_money(text, _AMOUNTS[field])
        return amount if isinstance(amount, ParseError) else ({field: amount.value}, amount.currency)
    parse = _PARSERS.get(field)
    if parse is None:
        return ParseError(ErrorCode.UNKNOWN_FIELD, field)
    value = parse(text)
    return value if isinstance(value, ParseError) else ({field: value}, None)


def parse_edit_lines(text: str, *, today: date | None = None, currency: str = "") -> dict[str, Any] | ParseError[
    ErrorCode
]:
    """``field: value`` lines (``=`` works too) into draft changes, or the first error.

    The error's ``value`` is the offending line, so the user knows which one to fix.  ``today``
    lets a date be ``DD.MM``; ``currency`` is the tournament's (``""``: none), which amounts
    typed with another currency are refused for (WRONG_CURRENCY, naming it; see the module).
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ParseError(ErrorCode.EDIT_EMPTY)
    if len(lines) > MAX_EDIT_LINES:
        return ParseError(ErrorCode.EDIT_TOO_MANY, str(MAX_EDIT_LINES))
    changes: dict[str, Any] = {}
    current = currency  # the tournament's currency as the lines so far leave it
    typed: str | None = None  # the currency the amounts of this message were typed in
    for line in lines:
        key, sep, raw = line.partition(":")
        if not sep:
            key, sep, raw = line.partition("=")
        if not sep:
            return ParseError(ErrorCode.EDIT_BAD_LINE, line[:100])
        field = FIELD_ALIASES.get(" ".join(key.split()).lower())
        if field is None:
            return ParseError(ErrorCode.EDIT_UNKNOWN_FIELD, key.strip()[:50])
        value = raw.strip()
        if not value:
            return ParseError(ErrorCode.EDIT_EMPTY_VALUE, key.strip()[:50])
        parsed = _value(field, value, today)
        if isinstance(parsed, ParseError):
            return ParseError(ErrorCode.EDIT_BAD_VALUE, line[:100], field)
        found, code = parsed
        step = _currencies(field, found, code, current, typed)
        if isinstance(step, str):
            return ParseError(ErrorCode.WRONG_CURRENCY, line[:100], field, step)
        current, typed = step
        changes |= found | ({"currency": code} if code else {})
    return changes


def _currencies(
    field: str, found: dict[str, Any], code: str | None, current: str, typed: str | None
) -> tuple[str, str | None] | str:
    """The tournament's currency and the one typed so far after a line that set ``found``
    typing ``code``; or, for a line in another currency, the currency it had to be in."""
    if field == "currency":
        new = found["currency"] or ""
        return typed if typed and new and new != typed else (new, typed)
    if code is None:
        return current, typed
    expected = typed or (current if field != "buy_in" else None)
    return expected if expected and code != expected else (code, code)
