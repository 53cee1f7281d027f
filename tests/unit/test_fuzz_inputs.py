"""Whatever a user types or a client forges, parsing answers with a value or an error code.

Hypothesis strategies for what users type (shared with tests/unit/test_properties_parsing.py
and tests/unit/test_conversation_fuzz.py):

* ``tricky_text``: runs of the characters that matter to the parsers: ASCII digits and digits
  of other scripts, superscripts, fractions, separators ``| - – —``, signs, dots, commas,
  currency symbols, spaces of every kind, quotes, letters, NUL and other control characters,
  line breaks Python splits on, zero-width characters, and lone surrogates;
* ``any_text``: any Unicode (surrogates too);
* ``long_text``: the same, repeated up to Telegram's 4096 characters;
* ``plausible_lines``: what the formats look like (``name | date | amount | venue``,
  ``place - prize``, ``field: value``, ``/stats`` words) with damaged parts, so that the
  parsers get past their first check.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.handler.conversation.keyboards import parse_tournament_id
from services.handler.domain.edits import FIELD_ALIASES, parse_edit_lines
from services.handler.domain.money import parse_amount
from services.handler.domain.parsing import (
    ParseError,
    parse_buy_in,
    parse_date,
    parse_format,
    parse_game,
    parse_registration,
)
from services.handler.domain.score import parse_result

FUZZ = settings(
    max_examples=1500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKENS = [
    *"0123456789", "²", "³", "¹", "٣", "۷", "५", "５", "𝟘", "Ⅻ", "½", "⁴",  # digits and look-alikes
    "|", "-", "–", "—", "−", "‐", "+", "＋", ".", ",", "٫", ":", ";", "=", "/", "\\",
    "$", "€", "₽", "£", "руб", "k", "к", "K", "d", "д", "дн", "e", "E", "x",
    " ", "  ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u202f", "\u2003", "\u3000",
    "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\u2029",  # line breaks to splitlines()
    "\x00", "\x01", "\x1b", "\x7f", "\u200b", "\u200e", "\u202e", "\ufeff",  # control, format
    "\ud800", "\udfff", "\udc80",  # lone surrogates: str allows them
    "'", '"', "«", "»", "(", ")", "*", "#", "@", "%", "&", "_",
    "a", "Z", "я", "Ё", "ß", "İ", "ﬁ", "🂡", "🇷🇺", "👨‍👩‍👧", "\u0301",
    "res", "ed", "del", "dx", "NLHE", "plo", "pko", "bounty", "venue", "format", "2025",
    "30d", "03.2025", "2025-03", "all", "done", "name", "buy-in", "prize", "place", "stack",
]
tricky_text = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
any_text = st.text(st.characters(exclude_categories=()), max_size=80)
other_digits = st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=12)
long_text = st.builds(
    lambda unit, n: (unit * n)[:4096],
    st.one_of(tricky_text, any_text).filter(bool),
    st.integers(1, 4096),
)

valid_dates = st.dates(date(1970, 1, 1), date(2100, 12, 31)).map(lambda d: d.strftime("%d.%m.%Y"))
dates = st.one_of(
    valid_dates,
    valid_dates,
    st.dates().map(lambda d: f"{d.day}.{d.month}.{d.year}"),
    st.tuples(st.integers(-1, 99), st.integers(-1, 99), st.integers(-1, 99999)).map(
        lambda t: f"{t[0]}.{t[1]}.{t[2]}"
    ),
    st.tuples(st.integers(1, 31), st.integers(1, 12), st.integers(1969, 2101)).map(
        lambda t: f"{t[0]:02d}.{t[1]:02d}.{t[2]}"
    ),
    tricky_text,
)
valid_amounts = st.decimals(min_value=0, max_value=Decimal("1e9"), places=2, allow_nan=False).map(str)
amounts = st.one_of(
    valid_amounts,
    valid_amounts,
    st.decimals(min_value=0, max_value=Decimal("1e10"), places=2, allow_nan=False).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**12), 10**12).map(str),
    st.floats().map(str),
    st.sampled_from(["100+10", "100 + 10", "1,250.50", "1.250,50", "850,5", "$100", "100€",
                     "-5", "−5", "+5", "1e3", "0x10", "١٠٠", "１００", "100.001", ".5", "5.",
                     "1 000", "1\u00a0000", "9999999999.99", "1000000000", "1000000000.01"]),
    st.tuples(other_digits, st.sampled_from(["", ".", ","]), other_digits).map("".join),
    tricky_text,
)
nice_names = st.text(alphabet="abcXYZ йцуЖЭ 0123'&.#", min_size=1, max_size=30).filter(str.strip)
names = st.one_of(nice_names, nice_names, any_text, tricky_text, st.text(min_size=95, max_size=105))
separators = st.sampled_from([" | ", "|", " - ", " – ", " — ", " | ", "-", " ", "||", "\t|\t"])


@st.composite
def plausible_lines(draw: st.DrawFn) -> str:
    """Lines shaped like the formats users type, with any part damaged."""
    kind = draw(st.integers(0, 4))
    sep = draw(separators)
    if kind == 0:  # /register's one line
        parts = [draw(names), draw(dates), draw(amounts), draw(names)]
        parts += draw(st.lists(st.sampled_from(["PLO", "nlhe", "pko", "rebuy", "Chess", "sat", ""]), max_size=3))
        return sep.join(parts)
    if kind == 1:  # /result's place and prize
        return sep.join([draw(st.one_of(st.integers(1, 200).map(str), st.integers(-5, 10**8).map(str), tricky_text)),
                         *draw(st.lists(amounts, min_size=0, max_size=3))])
    if kind == 2:  # field: value lines
        lines = [
            f"{draw(st.sampled_from([*FIELD_ALIASES, 'x', '', 'Buy  In', 'ДАТА']))}"
            f"{draw(st.sampled_from([':', '=', ' : ', '', '::']))}"
            f"{draw(st.one_of(amounts, dates, names, st.sampled_from(['-', 'none', 'нет', '20k', 'USD', 'PLO'])))}"
            for _ in range(draw(st.one_of(st.integers(1, 3), st.integers(1, 22))))
        ]
        return draw(st.sampled_from(["\n", "\r\n", "\u2028", "\n\n"])).join(lines)
    if kind == 3:  # /stats words
        words = st.sampled_from(["30d", "3650д", "0d", "9999d", "2025", "1969", "03.2025", "13.2025",
                                 "2025-02", "all", "всё", "venue", "место", "format", "формат", "pko",
                                 "bounty", "Casino", "venues", "formats"])
        return " ".join(draw(st.lists(st.one_of(words, tricky_text), max_size=6)))
    return draw(st.one_of(amounts, dates))


user_text = st.one_of(tricky_text, any_text, plausible_lines(), long_text)


# ------------------------------------------------------------------------ never raises, any text

PARSERS = [parse_registration, parse_result, parse_date, parse_buy_in, parse_game, parse_format]


@FUZZ
@given(st.sampled_from(PARSERS), user_text)
def test_parsers_never_raise(parse, text: str) -> None:  # type: ignore[no-untyped-def]
    result = parse(text)
    assert result is not None
    if isinstance(result, ParseError):
        assert result.code


@FUZZ
@given(user_text)
def test_amounts_and_callback_ids_never_raise(text: str) -> None:
    amount = parse_amount(text)
    assert amount is None or amount >= 0
    tid = parse_tournament_id(text)
    assert tid is None or 0 <= tid < 2**63


@FUZZ
@given(st.sampled_from(["name", "date", "buy-in", "fee", "place", "prize", "bounty", "entries", "stack",
                        "field", "currency", "game", "format", "дата", "место", "выплата", "x"]),
       user_text, st.booleans())
def test_edit_lines_never_raise_and_name_the_offending_line(field: str, text: str, prefixed: bool) -> None:
    line = f"{field}: {text}" if prefixed else text
    result = parse_edit_lines(line + "\n" + line)
    if isinstance(result, ParseError):
        assert result.code.startswith("edit_")
    else:
        assert isinstance(result, dict) and result


def test_strategies_reach_the_success_paths() -> None:
    """The fuzz is worth something only if it also produces input the parsers accept."""
    accepted = {"registration": 0, "result": 0, "edit": 0}

    @settings(max_examples=800, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(plausible_lines())
    def count(text: str) -> None:
        accepted["registration"] += not isinstance(parse_registration(text), ParseError)
        accepted["result"] += not isinstance(parse_result(text), ParseError)
        accepted["edit"] += not isinstance(parse_edit_lines(text), ParseError)

    count()
    assert all(n > 0 for n in accepted.values()), accepted
    assert parse_date("01.01.2025") == date(2025, 1, 1)  # the shapes above are the real ones
