"""Properties of every parser of what users type, and of the buttons the bot makes.

For any input (strategies in tests/unit/test_fuzz_inputs.py): no parser raises; each returns
its documented type with values inside the documented limits (amounts non-negative with at
most two decimals, dates in 1970..2100, names of 1..100 characters without control
characters), or a ``ParseError`` whose code the conversation turns into a text that exists in
both catalogues and fits in one Telegram message.  Round trips hold (amounts, CSV export and
import, tournament buttons), and every button's callback_data is 1..64 bytes.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.handler.conversation import keyboards
from services.handler.conversation.flows.edit import edit_error
from services.handler.conversation.replies import CALLBACK_DATA_MAX_BYTES
from services.handler.domain import csv_io, parsing
from services.handler.domain.currency import ALIASES, ISO_CODES, read_currency
from services.handler.domain.edits import Draft, parse_edit_lines
from services.handler.domain.money import EN_NUMBERS, format_amount, parse_amount, read_amount
from services.handler.domain.parsing import (
    MAX_ERROR_VALUE,
    ErrorCode,
    ParseError,
    parse_buy_in,
    parse_count,
    parse_date,
    parse_format,
    parse_game,
    parse_money,
    parse_name,
    parse_registration,
)
from services.handler.domain.records import (
    Format,
    Game,
    Result,
    Tournament,
    TournamentFields,
)
from services.handler.domain.score import Score, parse_result, parse_score
from services.handler.domain.stats_query import StatsQuery, parse_stats_query
from services.handler.texts import Catalogue
from services.handler.texts.en import EN
from services.handler.texts.ru import RU
from shared.limits import (
    MAX_AMOUNT,
    MAX_ENTRIES,
    MAX_FIELD,
    MAX_NAME_CHARS,
    MAX_PLACE,
    MAX_STACK,
)
from tests.unit.test_fuzz_inputs import (
    amounts,
    any_text,
    dates,
    names,
    plausible_lines,
    tricky_text,
    user_text,
)

CATALOGUES: list[Catalogue] = [EN, RU]
TELEGRAM_MAX_TEXT = 4096
PROPERTY = settings(
    max_examples=800,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MIN_DATE, MAX_DATE = date(1970, 1, 1), date(2100, 12, 31)
LONG_RUN = "a" + " " * 4094 + "b"  # quadratic for a backtracking separator regex


# --------------------------------------------------------------------------- what must hold


def says(template: str | Callable[[Catalogue], str], **values: Any) -> None:
    """The text ``template`` (a catalogue field's name, or how a flow looks its text up)
    exists in both catalogues and, filled in, is one message."""
    for catalogue in CATALOGUES:
        text = template(catalogue) if callable(template) else getattr(catalogue, template)
        text = text.format(**values)
        assert 0 < len(text) <= TELEGRAM_MAX_TEXT, (template, len(text))


def is_error(value: object, *codes: str) -> bool:
    if not isinstance(value, ParseError):
        return False
    assert value.code in codes, value
    assert len(value.value) <= MAX_ERROR_VALUE, value
    return True


def assert_name(name: object) -> None:
    assert isinstance(name, str)
    assert 1 <= len(name) <= MAX_NAME_CHARS
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in name), repr(name)
    assert name == " ".join(name.split())


def assert_amount(value: object) -> None:
    assert isinstance(value, Decimal) and value.is_finite()
    assert Decimal(0) <= value <= MAX_AMOUNT
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int) and exponent >= -2, value


def assert_date(value: object) -> None:
    assert isinstance(value, date) and MIN_DATE <= value <= MAX_DATE


def assert_fields(f: TournamentFields) -> None:
    assert_name(f.name)
    assert_name(f.venue)
    assert_date(f.played_on)
    for amount in (f.buy_in, f.fee, f.rebuys, f.addons):
        assert_amount(amount)
    assert isinstance(f.game, Game) and isinstance(f.format, Format)
    assert 1 <= f.entries <= MAX_ENTRIES
    assert f.field_size is None or 1 <= f.field_size <= MAX_FIELD
    assert f.starting_stack is None or 0 <= f.starting_stack <= MAX_STACK
    assert f.currency == "" or re.fullmatch("[A-Z]{3}", f.currency)


def assert_result(r: Result) -> None:
    assert 1 <= r.place <= MAX_PLACE
    assert_amount(r.prize)
    assert_amount(r.bounty)


# ---------------------------------------------------------------------------------- parsers


@PROPERTY
@given(user_text)
@example(LONG_RUN)
@example("Name | 01.01.2025 | " + "9" * 4000 + " | V")  # the error quotes a short piece only
def test_registration(line: str) -> None:
    parsed = parse_registration(line)
    if is_error(parsed, "bad_format", "bad_name", "bad_date", "bad_buy_in", "negative_buy_in",
                "bad_venue", "bad_extra", "mixed_currency"):
        assert isinstance(parsed, ParseError)
        says(lambda c: c.register_errors[parsed.code], value=parsed.value)  # as flows/register.py says it
    else:
        assert isinstance(parsed, TournamentFields)
        assert_fields(parsed)


@PROPERTY
@given(user_text)
@example("1 | " + "x" * 4000)
@example(LONG_RUN)
def test_result(line: str) -> None:
    parsed = parse_result(line)
    if is_error(parsed, "bad_format", "bad_place", "bad_payout", "negative_payout", "bad_bounty",
                "negative_bounty", "mixed_currency"):
        assert isinstance(parsed, ParseError)
        says(lambda c: c.result_errors[parsed.code], value=parsed.value)  # as flows/result.py says it
    else:
        assert isinstance(parsed, Result)
        assert_result(parsed)


@PROPERTY
@given(st.one_of(dates, user_text))
@example("29.02.2024")
@example("31.12.2100")
@example("01.01.1970")
@example("٠١.٠١.٢٠٢٥")  # Arabic-Indic digits: not ours
@example("0" * 4096)
def test_date(text: str) -> None:
    parsed = parse_date(text)
    if is_error(parsed, "bad_date"):
        assert isinstance(parsed, ParseError)
        says("step_bad_date", value=parsed.value)
        says(lambda c: c.register_errors[ErrorCode.BAD_DATE], value=parsed.value)
    else:
        assert_date(parsed)


@PROPERTY
@given(st.one_of(amounts, user_text))
@example("100+10")
@example("-100")
@example("100+-10")
@example("1" * 4096)
def test_buy_in(text: str) -> None:
    parsed = parse_buy_in(text)
    if is_error(parsed, "bad_buy_in", "negative_buy_in", "mixed_currency"):
        assert isinstance(parsed, ParseError)
        says("step_bad_buy_in", value=parsed.value)
        says("mixed_currency", value=parsed.value)
        says(lambda c: c.register_errors[parsed.code], value=parsed.value)
    else:
        assert isinstance(parsed, parsing.BuyIn)
        assert_amount(parsed.buy_in)
        assert_amount(parsed.fee)
        assert parsed.currency is None or read_currency(parsed.currency) == parsed.currency


@PROPERTY
@given(st.one_of(names, user_text), st.sampled_from(["bad_name", "bad_venue"]))
@example("a\x00b", "bad_name")
@example(" \u2028 x \u3000 ", "bad_venue")
@example("\ud800", "bad_name")
def test_name(text: str, code: str) -> None:
    parsed = parse_name(text, code)
    if not is_error(parsed, code):
        assert_name(parsed)
        assert parse_name(str(parsed), code) == parsed  # already in its stored form


@PROPERTY
@given(st.one_of(amounts, user_text), st.sampled_from(["buy_in", "payout", "bounty", "fee", "rebuys", "addons"]))
def test_money(text: str, code: str) -> None:
    parsed = parse_money(text, code)
    if not is_error(parsed, f"bad_{code}", f"negative_{code}"):
        assert isinstance(parsed, parsing.TypedAmount)
        assert_amount(parsed.value)


@PROPERTY
@given(st.one_of(st.integers(-10, 10**12).map(str), amounts, user_text), st.integers(0, 5), st.integers(0, 10**9))
@example("２", 1, 10)  # fullwidth
@example("1 000", 1, 1000)
def test_count(text: str, low: int, high: int) -> None:
    parsed = parse_count(text, low, high, "bad_count")
    if not is_error(parsed, "bad_count"):
        assert isinstance(parsed, int) and low <= parsed <= high


@PROPERTY
@given(st.one_of(st.sampled_from([*parsing.GAME_ALIASES, *parsing.FORMAT_ALIASES]), user_text))
def test_game_and_format(text: str) -> None:
    game, fmt = parse_game(text), parse_format(text)
    assert isinstance(game, Game) or is_error(game, "bad_game")
    assert isinstance(fmt, Format) or is_error(fmt, "bad_tournament_format")


# ---------------------------------------------------------------------------------- amounts


@PROPERTY
@given(st.one_of(amounts, user_text))
def test_parse_amount(text: str) -> None:
    value = parse_amount(text)
    if value is not None:
        assert_amount(value)


AMOUNTS = st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False)


@PROPERTY
@given(AMOUNTS, st.sampled_from(["{}", "${}", "{}€", "₽ {}", " {} "]))
@example(Decimal("0.00"), "{}")
@example(MAX_AMOUNT, "{}")
@example(Decimal("12.5"), "{}")
def test_amounts_round_trip(value: Decimal, shape: str) -> None:
    shown = format_amount(value, EN_NUMBERS)  # as English replies show it: 12,500.50
    assert parse_amount(shape.format(shown)) == value
    plain = f"{value:f}"
    assert parse_amount(plain.replace(".", ",")) == value  # a decimal comma reads the same


def written(value: Decimal, group: str, mark: str, cents: bool) -> str:
    """``value`` as a person writes it: thousands grouped by ``group``, ``mark`` before the
    cents (dropped when they are zero and ``cents`` is false)."""
    whole, _, frac = f"{value:.2f}".partition(".")
    groups = [whole[max(0, i - 3) : i] for i in range(len(whole), 0, -3)][::-1]
    text = group.join(groups) if group else whole
    return text + (mark + frac if cents or frac != "00" else "")


GROUPINGS = st.sampled_from([
    ("", "."), ("", ","), (" ", ","), (" ", "."), ("\u00a0", ","), ("\u202f", ","), ("\u2009", "."),
    (",", "."), (".", ","),
])  # fmt: skip
CURRENCY_SHAPES = st.sampled_from([
    ("{}", None), ("${}", "USD"), ("{}$", "USD"), ("€ {}", "EUR"), ("{} EUR", "EUR"), ("{}eur", "EUR"),
    ("{} руб.", "RUB"), ("{}р", "RUB"), ("₽{}", "RUB"), ("{} рублей", "RUB"), ("£{}", "GBP"), ("{}₴", "UAH"),
    ("{} ₸", "KZT"), ("{} BYN", "BYN"), ("{} долларов", "USD"), ("{} евро", "EUR"), ("-{}", None),
])  # fmt: skip


@PROPERTY
@given(AMOUNTS, GROUPINGS, st.booleans(), CURRENCY_SHAPES)
@example(Decimal("12500.50"), (",", "."), True, ("{}", None))
@example(Decimal("12500.50"), (".", ","), True, ("{}", None))
@example(Decimal("1250.50"), (" ", ","), False, ("{}", None))
@example(Decimal("1250"), (",", "."), False, ("{}", None))  # 1,250 is 1250
@example(MAX_AMOUNT, ("\u202f", ","), False, ("{} ₽", "RUB"))
def test_any_grouping_and_currency_reads_back_the_same_amount(
    value: Decimal, grouping: tuple[str, str], cents: bool, shape: tuple[str, str | None]
) -> None:
    text = shape[0].format(written(value, *grouping, cents))
    read = read_amount(text)
    assert read is not None, text
    assert (read.value, read.currency, read.negative) == (value, shape[1], shape[0].startswith("-")), text
    money = parse_money(text, "buy_in")
    if not read.negative:
        assert money == parsing.TypedAmount(value, shape[1])
        buy_in = parse_buy_in(f"{text}+{text}")
        assert buy_in == parsing.BuyIn(value, value, shape[1]), text


@PROPERTY
@given(st.integers(1, MAX_PLACE), AMOUNTS, st.none() | AMOUNTS, GROUPINGS, st.sampled_from(["$", "EUR", ""]))
def test_a_result_with_bars_reads_back_whatever_the_grouping(
    place: int, prize: Decimal, bounty: Decimal | None, grouping: tuple[str, str], currency: str
) -> None:
    parts = [str(place), currency + written(prize, *grouping, True)]
    if bounty is not None:
        parts.append(written(bounty, *grouping, False))
    score = parse_score(" | ".join(parts))
    assert isinstance(score, Score), parts
    assert score.result == Result(place=place, prize=prize, bounty=bounty if bounty is not None else Decimal(0))
    assert score.currency == (read_currency(currency) if currency else None)


@PROPERTY
@given(st.integers(1, MAX_PLACE), st.integers(1000, 999_999_999), st.sampled_from([" ", "\u00a0", "\u202f"]))
@example(3, 12500, " ")
def test_a_result_with_spaces_reads_a_spaced_prize_whole(place: int, prize: int, space: str) -> None:
    """``3 12 500``: the thousands after an amount's short first group belong to it."""
    text = f"{place} {written(Decimal(prize), space, '.', False)}"
    first_group = len(str(prize)) % 3
    expected = Decimal(prize) if space != " " or first_group != 0 else None  # 850 120: prize and bounty
    if expected is not None:
        assert parse_result(text) == Result(place=place, prize=expected), text


@PROPERTY
@given(st.dates(date(1971, 1, 1), date(2099, 12, 31)), st.integers(-250, 250))
@example(date(2025, 6, 15), 173)
@example(date(2024, 2, 29), 30)  # the day after: 29.02 is then 8 months ahead in 2028, too far
def test_a_date_without_its_year_is_the_nearest_one(today: date, offset: int) -> None:
    from datetime import timedelta

    meant = today + timedelta(days=offset)
    parsed = parse_date(f"{meant.day}.{meant.month}", today)
    if isinstance(parsed, ParseError):
        assert abs(offset) > 184, (meant, today)  # only a 29.02 that far has no leap year near
        return
    assert (parsed.day, parsed.month) == (meant.day, meant.month)
    assert abs((parsed - today).days) <= min(abs(offset), 184)
    if abs(offset) < 182:
        assert parsed == meant


def test_every_currency_alias_and_code_reads_as_a_real_code() -> None:
    for code in ISO_CODES:
        assert read_currency(code) == code == read_currency(code.lower())
    for alias, code in ALIASES.items():
        assert code in ISO_CODES and read_currency(alias) == code and read_currency(alias.upper()) == code
    assert read_currency("abc") is None and read_currency("") is None and read_currency("руб.") == "RUB"


# ------------------------------------------------------------------------------- edit lines


@PROPERTY
@given(st.one_of(plausible_lines(), user_text))
@example("name: " + "x" * 4090)
@example("\n".join(["fee: 1"] * 21))
@example("\u2028".join(["date: 01.01.2025", "stack: 20k"]))
def test_edit_lines(text: str) -> None:
    parsed = parse_edit_lines(text)
    if isinstance(parsed, ParseError):
        assert parsed.code in ("edit_empty", "edit_too_many", "edit_bad_line", "edit_unknown_field",
                               "edit_empty_value", "edit_bad_value", "wrong_currency"), parsed
        for catalogue in CATALOGUES:  # exactly as flows/edit.py says it
            message = edit_error(parsed, catalogue)
            assert 0 < len(message) <= TELEGRAM_MAX_TEXT
        return
    assert parsed and set(parsed) <= set(Draft.model_fields)
    draft = Draft().apply(parsed)
    # The draft lives in the session as JSON: it must come back the same.
    assert Draft.model_validate_json(draft.model_dump_json()) == draft
    for name in ("name", "venue"):
        if draft.__getattribute__(name) is not None:
            assert_name(getattr(draft, name))
    for name in ("buy_in", "fee", "rebuys", "addons", "prize", "bounty"):
        if getattr(draft, name) is not None:
            assert_amount(getattr(draft, name))
    if draft.played_on is not None:
        assert_date(draft.played_on)


# ---------------------------------------------------------------------------------- /stats


@PROPERTY
@given(st.one_of(plausible_lines(), user_text), st.dates())
@example("30d", date.min)
@example("3650d", date(1, 1, 2))
@example("venue " + "x" * 4000, date(2025, 1, 1))
def test_stats_query(args: str, today: date) -> None:
    query = parse_stats_query(args, today)
    if is_error(query, "bad_stats_query"):
        assert isinstance(query, ParseError)
        says("stats_bad_query", value=query.value)
        return
    assert isinstance(query, StatsQuery)
    assert (query.since is None) == (query.until is None)
    if query.since is not None and query.until is not None:
        assert query.since <= query.until
    if query.venue is not None:
        assert 1 <= len(query.venue) <= MAX_NAME_CHARS and query.venue == " ".join(query.venue.split())


# ----------------------------------------------------------------------------- CSV import


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """CSV-shaped files: a header of real, unknown or repeated columns and rows of any cells."""
    columns = draw(st.lists(st.sampled_from([*csv_io.COLUMNS, "price", "", "Buy In", "ID"]), max_size=19))
    if draw(st.booleans()):
        columns = [*csv_io.REQUIRED, *columns]
    cells = st.one_of(amounts, dates, names, tricky_text, st.integers(-5, 2**64).map(str),
                      st.sampled_from(["", "NLHE", "pko", "USD", "руб", "20k", "2025-01-31", "=1+1", "'=x"]))
    rows = draw(st.lists(st.lists(cells, max_size=len(columns) + 2), max_size=8))
    delimiter = draw(st.sampled_from([",", ";"]))
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"])))
    for row in [columns, *rows]:
        writer.writerow(row)
    text = buf.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]))
    return text.encode(encoding, "replace")


@settings(PROPERTY, max_examples=400)
@given(st.one_of(st.binary(max_size=3000), csv_files()))
@example(b"")
@example(b"\xff\xfe" + "date,name".encode("utf-16-le"))
@example(b'date,name,venue,buy_in\r\n"unterminated')
@example(b"date,name,venue,buy_in\r\n" + b"x" * 140_000)  # a cell over the csv module's limit
@example(b"date,name,venue,buy_in\n2025-01-01,A,B,1\n" * 2)
def test_import_of_any_file(data: bytes) -> None:
    plan = csv_io.parse_import(data)
    if isinstance(plan, ParseError):
        assert plan.code.startswith("import_"), plan
        says(lambda c: c.import_errors[plan.code], value=plan.value)  # as flows/export.py says it
        return
    for row in plan.rows:
        assert_fields(row.fields)
        if row.result is not None:
            assert_result(row.result)
        assert row.id is None or 1 <= row.id <= 2**63 - 1
    for rejected in plan.rejected:
        for catalogue in CATALOGUES:  # a text of its own, not the catch-all "invalid"
            reason = catalogue.import_row_errors[rejected.code]
            assert 0 < len(reason.format(value=rejected.value)) <= 200
        assert len(rejected.value) <= csv_io.MAX_ERROR_VALUE


# ------------------------------------------------------------------------- stored records

stored_names: st.SearchStrategy[str] = (
    st.text(min_size=1, max_size=120).map(parse_name).filter(lambda n: isinstance(n, str))  # type: ignore[assignment]
)
amounts_2dp = st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def tournaments(draw: st.DrawFn, name: st.SearchStrategy[str] = stored_names) -> Tournament:
    """A tournament as the chat stores it (``name`` may be widened to any text)."""
    result = None
    if draw(st.booleans()):
        result = Result(place=draw(st.integers(1, MAX_PLACE)), prize=draw(amounts_2dp), bounty=draw(amounts_2dp))
    return Tournament(
        id=draw(st.integers(1, 2**63 - 1)),
        player_id=draw(st.integers(1, 2**52)),
        name=draw(name),
        played_on=draw(st.dates(MIN_DATE, MAX_DATE)),
        venue=draw(stored_names),
        buy_in=draw(amounts_2dp),
        fee=draw(amounts_2dp),
        currency=draw(st.one_of(st.just(""), st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3))),
        game=draw(st.sampled_from(Game)),
        format=draw(st.sampled_from(Format)),
        entries=draw(st.integers(1, MAX_ENTRIES)),
        rebuys=draw(amounts_2dp),
        addons=draw(amounts_2dp),
        field_size=draw(st.none() | st.integers(1, MAX_FIELD)),
        starting_stack=draw(st.none() | st.integers(0, MAX_STACK)),
        result=result,
    )


@settings(PROPERTY, max_examples=200)
@given(st.lists(tournaments(), max_size=6, unique_by=lambda t: t.id))
@example([])
def test_csv_export_then_import_gives_back_every_tournament(items: list[Tournament]) -> None:
    plan = csv_io.parse_import(csv_io.export_csv(items))
    if not items:
        assert plan == ParseError("import_empty")
        return
    assert isinstance(plan, csv_io.ImportPlan) and plan.rejected == []
    assert [(r.id, r.fields, r.result) for r in plan.rows] == [(t.id, t.editable, t.result) for t in items]


# --------------------------------------------------------------------------------- buttons

any_name = st.text(st.characters(exclude_categories=()), min_size=1, max_size=300)


def _buttons(keyboard: keyboards.Keyboard | None) -> list[keyboards.Button]:
    return [b for row in keyboard or () for b in row]


@settings(PROPERTY, max_examples=300)
@given(st.lists(tournaments(any_name), min_size=1, max_size=10), st.sampled_from(CATALOGUES), any_text)
@example([Tournament(id=2**63 - 1, player_id=1, name="x", played_on=MIN_DATE, venue="v", buy_in=Decimal(1))],
         EN, "")  # the largest bigint: its button used to name no tournament at all
def test_every_button_fits_telegram_and_names_its_tournament(
    items: list[Tournament], texts: Catalogue, venue: str
) -> None:
    made: list[tuple[keyboards.Button, Tournament | None]] = []
    for prefix in (keyboards.PICK_RESULT, keyboards.PICK_EDIT, keyboards.PICK_DELETE):
        made += [(b, t) for b, t in zip(_buttons(keyboards.tournament_buttons(items, prefix)), items, strict=True)]
    made += [(b, items[0]) for b in _buttons(keyboards.delete_choices(items[0], texts))]
    made += [(b, None) for b in _buttons(keyboards.pending_tournaments(items))]
    for builder in (keyboards.dates, keyboards.games, keyboards.formats, keyboards.ticket_actions):
        made += [(b, None) for b in _buttons(builder(texts))]
    made += [(b, None) for b in _buttons(keyboards.current_venue(venue))]
    for button, tournament in made:
        assert 1 <= len(button.callback_data.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES
        assert 1 <= len(button.text) <= 60
        if tournament is not None:
            assert keyboards.parse_tournament_id(button.callback_data) == tournament.id


@PROPERTY
@given(st.one_of(user_text, st.integers(-(2**70), 2**70).map(lambda i: f"res:{i}"),
                 st.integers(0, 2**64).map(lambda i: f"dx:t:{i:025d}")))
@example("res:9223372036854775808")  # one past bigint
@example("res:９")
@example("dx:r:")
def test_forged_callback_data_names_a_bigint_or_nothing(data: str) -> None:
    tid = keyboards.parse_tournament_id(data)
    assert tid is None or 0 <= tid <= 2**63 - 1
    if tid is not None:
        assert data.rpartition(":")[2].isascii()


# ------------------------------------------------------------------------ regex regressions

_OLD_DASH_SEPARATOR = re.compile(r"\s+[-–—]\s+")


@PROPERTY
@given(st.one_of(tricky_text, plausible_lines(), st.text(" \t\u00a0-–—ab", max_size=60)))
@example(LONG_RUN)
@example(" - a - - b -  ")
def test_dash_separator_splits_as_before(text: str) -> None:
    """The lookbehind only saves time (a long run of spaces was quadratic)."""
    assert parsing._DASH_SEPARATOR.split(text) == _OLD_DASH_SEPARATOR.split(text)
    assert bool(parsing._DASH_SEPARATOR.search(text)) == bool(_OLD_DASH_SEPARATOR.search(text))


# ---------------------------------------------------------------------------------- OCR text


def _ticket_parser() -> Callable[[str], Any]:
    from services.ocr.ticket import parse_ticket

    return parse_ticket


@PROPERTY
@given(st.one_of(user_text, st.lists(st.one_of(plausible_lines(), user_text), max_size=8).map("\n".join)))
@example("Buy-in: 100 + 10\nДата: 02.03.2025\nСтартовый стек 20 000\nCasino Royal")
@example("\n" * 5000)
def test_ticket_text_never_raises(text: str) -> None:
    from shared.ocr_api import TicketFields

    fields = _ticket_parser()(text)
    assert isinstance(fields, TicketFields)
    TicketFields.model_validate(fields.model_dump())  # within the contract's limits
