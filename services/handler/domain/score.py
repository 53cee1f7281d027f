"""A result as the player types it: ``place | prize [| bounty]``, the amounts maybe with their
currency, maybe with their thousands spaced (``3 12 500``)."""

from __future__ import annotations

import re
from typing import NamedTuple

from services.handler.domain.currency import read_currency
from services.handler.domain.parsing import (
    Amount,
    ErrorCode,
    ParseError,
    TypedAmount,
    looks_like_one_line,
    one_currency,
    parse_money,
    quoted,
    split_parts,
)
from services.handler.domain.records import ZERO, Result
from shared.limits import MAX_PLACE


class Score(NamedTuple):
    result: Result
    currency: str | None  # the ISO code typed with the prize or bounty; None when none was


_PLACE = re.compile(r"[0-9]{1,7}")
# Without ``|`` or dashes: a token of three digits that groups the thousands of the amount
# before it (``_joins``), and a currency on its own (``850 $``).
_OPEN_AMOUNT = re.compile(r"(?P<pre>[^0-9]*?)(?P<first>[0-9]{1,3})(?P<groups>(?: [0-9]{3})*)")
_GROUP_TOKEN = re.compile(r"(?P<group>[0-9]{3})(?:[.,][0-9]{1,2})?(?P<post>[^0-9]*)")
# Split on whitespace but the no-break, narrow no-break and thin spaces: those group digits.
_SCORE_SPACE = re.compile(r"[^\S\u00a0\u202f\u2009]+")


def _joins(amount: str, token: str) -> bool:
    """Whether ``token`` continues ``amount`` as its next thousands group: ``12 500``,
    ``1 250 000``, ``100 000``, but ``850 120`` is two amounts (prize and bounty).

    The rule: three digits join an amount whose first group has one or two digits, one that
    is grouped already, or when they start with 0 (nobody types a bounty as ``000``)."""
    a, t = _OPEN_AMOUNT.fullmatch(amount), _GROUP_TOKEN.fullmatch(token)
    if a is None or t is None or (t["post"] and read_currency(t["post"]) is None):
        return False
    return len(a["first"]) < 3 or bool(a["groups"]) or t["group"].startswith("0")


def _score_parts(text: str) -> list[str]:
    """``place prize [bounty]`` split by spaces, amounts kept whole (see ``_joins``)."""
    tokens = [t for t in _SCORE_SPACE.split(text) if t]
    parts, prefix = tokens[:1], ""
    for token in tokens[1:]:
        if read_currency(token) is not None:
            if len(parts) > 1:
                parts[-1] += " " + token
            else:
                prefix += token
        elif len(parts) > 1 and _joins(parts[-1], token):
            parts[-1] += " " + token
        else:
            parts.append(prefix + token)
            prefix = ""
    return [*parts, prefix] if prefix else parts


def parse_score(line: str) -> Score | ParseError[ErrorCode]:
    """``place | prize [| bounty]``, with `` - `` or spaces instead of ``|`` too, and the
    currency typed with the amounts (one only: ``3 | $850 | €120`` is MIXED_CURRENCY).

    With ``|`` or dashes each part is read whole (``3 | 12 500 | 1 000``); with spaces only,
    three digits after an amount may be its thousands (``_joins``): ``3 12 500`` is place 3,
    prize 12500, while ``3 850 120`` is prize 850 and bounty 120.
    """
    text = line.strip()
    parts = split_parts(text) if looks_like_one_line(text) else _score_parts(text)
    if len(parts) not in (2, 3) or not all(parts):
        return ParseError(ErrorCode.BAD_FORMAT)
    place_text, prize_text, *rest = parts
    if not _PLACE.fullmatch(place_text) or not 1 <= int(place_text) <= MAX_PLACE:
        return ParseError(ErrorCode.BAD_PLACE, quoted(place_text))
    prize = parse_money(prize_text, Amount.PAYOUT)
    if isinstance(prize, ParseError):
        return prize
    bounty = parse_money(rest[0], Amount.BOUNTY) if rest else TypedAmount(ZERO, None)
    if isinstance(bounty, ParseError):
        return bounty
    currency = one_currency(prize.currency, bounty.currency)
    if isinstance(currency, ParseError):
        return ParseError(currency.code, quoted(text))
    return Score(Result(place=int(place_text), prize=prize.value, bounty=bounty.value), currency)


def parse_result(line: str) -> Result | ParseError[ErrorCode]:
    """``parse_score`` without the currency."""
    score = parse_score(line)
    return score if isinstance(score, ParseError) else score.result
