"""/export writes a CSV a spreadsheet opens right; importing it (or Excel's version of it) gives
back the same tournaments, and every row that cannot be imported says why, with its line."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from services.handler.domain.csv_io import (
    COLUMNS,
    ImportPlan,
    RowError,
    export_csv,
    guard_cell,
    parse_import,
    unguard_cell,
)
from services.handler.domain.parsing import ParseError
from services.handler.domain.records import (
    Format,
    Game,
    Result,
    Tournament,
    TournamentFields,
)

HEADER = ",".join(COLUMNS)

MILLION = Tournament(
    id=7, player_id=1, name="Sunday Million", played_on=date(2025, 3, 2), venue="PokerStars", currency="USD",
    buy_in=D(100), fee=D("9.50"), format=Format.BOUNTY, entries=2, rebuys=D(0), addons=D(25),
    field_size=60000, starting_stack=50000, result=Result(place=12, prize=D(1500), bounty=D("52.5")),
)
PENDING = Tournament(id=8, player_id=1, name="Турнир «Весна»", played_on=date(2025, 3, 20), venue="Казино Рояль",
                     buy_in=D(3000))


def plan(data: bytes, **kw: int) -> ImportPlan:
    got = parse_import(data, **kw)
    assert isinstance(got, ImportPlan), got
    return got


def error(data: bytes, **kw: int) -> ParseError:
    got = parse_import(data, **kw)
    assert isinstance(got, ParseError), got
    return got


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# ------------------------------------------------------------------------------------------ export


def test_export_is_utf8_with_bom_crlf_and_exact_amounts() -> None:
    data = export_csv([MILLION, PENDING])
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[1] == (
        "7,2025-03-02,Sunday Million,PokerStars,USD,NLHE,bounty,100,9.50,2,0,25,60000,50000,12,1500,52.50"
    )
    assert lines[2] == "8,2025-03-20,Турнир «Весна»,Казино Рояль,,NLHE,freezeout,3000,0,1,0,0,,,,,"
    assert lines[3] == ""
    assert export_csv([]) == b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n"


def test_export_quotes_commas_quotes_and_newlines() -> None:
    t = Tournament(id=1, player_id=1, name='Main "Event", day 1\nreg', played_on=date(2025, 1, 1), venue="A;B",
                   buy_in=D(1))
    assert rows_of(export_csv([t]))[1][2:4] == ['Main "Event", day 1\nreg', "A;B"]


@pytest.mark.parametrize(
    ("text", "cell"),
    [("=SUM(A1:A9)", "'=SUM(A1:A9)"), ("+79001234567", "'+79001234567"), ("-5 bounty", "'-5 bounty"),
     ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("'=x", "''=x"), ("'plain", "'plain"),
     ("a=b", "a=b"), ("Турнир", "Турнир"), ("", "")],
)
def test_formula_like_text_gets_an_apostrophe_that_import_takes_off(text: str, cell: str) -> None:
    assert guard_cell(text) == cell
    assert unguard_cell(cell) == text


def test_exported_formula_names_are_inert_cells() -> None:
    t = Tournament(id=1, player_id=1, name='=HYPERLINK("http://evil","x")', played_on=date(2025, 1, 1),
                   venue="@venue", currency="", buy_in=D(1))
    cells = rows_of(export_csv([t]))[1]
    assert cells[2] == '\'=HYPERLINK("http://evil","x")'
    assert cells[3] == "'@venue"


# ------------------------------------------------------------------------------------- round trip


def _assert_round_trip(ts: list[Tournament]) -> None:
    got = plan(export_csv(ts))
    assert got.rejected == []
    assert [(r.id, r.fields, r.result) for r in got.rows] == [(t.id, t.editable, t.result) for t in ts]
    assert [r.line for r in got.rows] == list(range(2, 2 + len(ts)))


def test_round_trip_of_tricky_names() -> None:
    names = ["Турнир «Весна», день 2", 'He said "all in"', "=1+1", "+1", "-1", "@a", "'=x", "''", "a'",
             "😀 ♠♥♦♣", "x" * 100, "semi;colon", "'", "'-", "''@x"]
    ts = [Tournament(id=i + 1, player_id=1, name=n, venue=n[::-1], played_on=date(2025, 1, 1) + timedelta(days=i),
                     buy_in=D("10.05"), result=Result(place=1, prize=D("0.01")) if i % 2 else None)
          for i, n in enumerate(names)]
    _assert_round_trip(ts)


def _random_tournament(rng: random.Random, tid: int) -> Tournament:
    def amount() -> D:
        return D(rng.choice([0, 1, 5, 99, 1000, 999999999, 1000000000 * 100])) / 100

    alphabet = "abc XYZ Яё,;\"'=+-@\n\r\t0.9«»€"
    # as the chat stores names: runs of whitespace collapsed to one space
    name = " ".join("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))).split()) or "n"
    result = None
    if rng.random() < 0.7:
        result = Result(place=rng.randint(1, 1_000_000), prize=amount(), bounty=amount())
    return Tournament(
        id=tid, player_id=1, name=name, venue=name.upper(),
        played_on=date(1970, 1, 1) + timedelta(days=rng.randint(0, 47000)),
        buy_in=amount(), fee=amount(), currency=rng.choice(["", "USD", "RUB", "EUR"]), game=rng.choice(list(Game)),
        format=rng.choice(list(Format)), entries=rng.randint(1, 1000), rebuys=amount(), addons=amount(),
        field_size=rng.choice([None, 1, 9, 1_000_000]), starting_stack=rng.choice([None, 0, 20000, 1_000_000_000]),
        result=result,
    )


def test_round_trip_of_random_tournaments() -> None:
    rng = random.Random(6)
    for _ in range(40):
        _assert_round_trip([_random_tournament(rng, i + 1) for i in range(rng.randint(0, 40))])
    _assert_round_trip([_random_tournament(rng, 2**63 - 1)])


# ------------------------------------------------------------------------------------ excel import


def test_semicolon_excel_file_in_windows_1251_with_decimal_commas_and_dotted_dates() -> None:
    data = (
        "Name;DATE;Venue;Buy_In;Fee;Prize;Place;Bounty;Format;Game;Currency\r\n"
        "Турнир «Весна»;01.03.2025;Клуб;1 250,50;12,5;3 000;3;0,50;PKO;plo;руб.\r\n"
        ";;;;;;;;;;\r\n"
        "Фриз;2.3.2025;Клуб;100;;;;;фриз;;\r\n"
    ).encode("cp1251")
    got = plan(data)
    assert got.rejected == []
    first, second = got.rows
    assert (first.line, first.id, second.line) == (2, None, 4)
    assert first.fields == TournamentFields(name="Турнир «Весна»", played_on=date(2025, 3, 1), venue="Клуб",
                                            buy_in=D("1250.50"), fee=D("12.5"), format=Format.BOUNTY, game=Game.PLO,
                                            currency="RUB")
    assert first.result == Result(place=3, prize=D(3000), bounty=D("0.5"))
    assert second.fields == TournamentFields(name="Фриз", played_on=date(2025, 3, 2), venue="Клуб", buy_in=D(100))
    assert second.result is None


def test_header_names_with_spaces_or_hyphens() -> None:
    got = plan(b"Date,Name,Venue,Buy In,field-size,STARTING STACK\n2025-01-01,N,V,5,100,20000\n")
    f = got.rows[0].fields
    assert (f.buy_in, f.field_size, f.starting_stack) == (D(5), 100, 20000)


def test_utf8_without_bom_and_optional_columns_take_the_defaults() -> None:
    got = plan(b"date,name,venue,buy_in\n2025-03-01,A,B,5\n")
    assert got.rows[0].fields == TournamentFields(name="A", played_on=date(2025, 3, 1), venue="B", buy_in=D(5))
    assert got.rows[0].id is None and got.rows[0].result is None


def test_a_comma_file_takes_only_decimal_dots() -> None:
    got = plan(b'date,name,venue,buy_in\n2025-03-01,A,B,"5,50"\n2025-03-01,A,B,"1,250"\n2025-03-01,A,B,5.5\n')
    assert got.rejected == [RowError(2, "bad_amount", "5,50"), RowError(3, "bad_amount", "1,250")]
    assert got.rows[0].fields.buy_in == D("5.5")


def test_semicolon_file_rejects_a_comma_and_a_dot_together() -> None:
    got = plan(b"date;name;venue;buy_in\n2025-03-01;A;B;1.250,50\n2025-03-01;A;B;1,255\n")
    assert [(e.line, e.code) for e in got.rejected] == [(2, "bad_amount"), (3, "bad_amount")]


def test_trailing_empty_columns_from_a_spreadsheet_are_ignored() -> None:
    got = plan(b"date;name;venue;buy_in;;\n2025-03-01;A;B;5;;\n2025-03-01;A;B;5;;x\n2025-03-01;A;B;5;;;;;\n")
    assert [r.line for r in got.rows] == [2, 4]
    assert got.rejected == [RowError(3, "too_many_columns", "6")]


def test_line_numbers_count_blank_lines_and_multi_line_cells() -> None:
    data = b'date,name,venue,buy_in\n\n2025-03-01,"a\nb\nc",V,1\n2025-13-01,x,V,1\n'
    got = plan(data)
    assert got.rows[0].line == 3
    assert got.rows[0].fields.name == "a b c"
    assert got.rejected == [RowError(6, "bad_date", "2025-13-01")]


# ----------------------------------------------------------------------------------- row rejection


ROW_ERRORS: list[tuple[str, str, str]] = [
    # (row without the header, code, value)
    ("x,2025-03-01,N,V,,,,1,,,,,,,,,", "bad_id", "x"),
    ("0,2025-03-01,N,V,,,,1,,,,,,,,,", "bad_id", "0"),
    ("-3,2025-03-01,N,V,,,,1,,,,,,,,,", "bad_id", "-3"),
    ("9223372036854775808,2025-03-01,N,V,,,,1,,,,,,,,,", "bad_id", "9223372036854775808"),
    (",,N,V,,,,1,,,,,,,,,", "missing_value", "date"),
    (",2025-03-01, ,V,,,,1,,,,,,,,,", "missing_value", "name"),
    (",2025-03-01,N,,,,,1,,,,,,,,,", "missing_value", "venue"),
    (",2025-03-01,N,V,,,,,,,,,,,,,", "missing_value", "buy_in"),
    (",31.02.2025,N,V,,,,1,,,,,,,,,", "bad_date", "31.02.2025"),
    (",1969-12-31,N,V,,,,1,,,,,,,,,", "bad_date", "1969-12-31"),
    (",03/01/2025,N,V,,,,1,,,,,,,,,", "bad_date", "03/01/2025"),
    (",2025-03-01," + "n" * 101 + ",V,,,,1,,,,,,,,,", "bad_name", "n" * 49 + "…"),
    (",2025-03-01,N," + "v" * 101 + ",,,,1,,,,,,,,,", "bad_venue", "v" * 49 + "…"),
    (",2025-03-01,N,V,US,,,1,,,,,,,,,", "bad_currency", "US"),
    (",2025-03-01,N,V,,Stud,,1,,,,,,,,,", "bad_game", "Stud"),
    (",2025-03-01,N,V,,,turbo,1,,,,,,,,,", "bad_format", "turbo"),
    (",2025-03-01,N,V,,,,abc,,,,,,,,,", "bad_amount", "abc"),
    (",2025-03-01,N,V,,,,-10,,,,,,,,,", "negative_amount", "-10"),
    (",2025-03-01,N,V,,,,1.999,,,,,,,,,", "bad_amount", "1.999"),
    (",2025-03-01,N,V,,,,1000000001,,,,,,,,,", "bad_amount", "1000000001"),
    (",2025-03-01,N,V,,,,1,-1,,,,,,,,", "negative_amount", "-1"),
    (",2025-03-01,N,V,,,,1,,0,,,,,,,", "bad_entries", "0"),
    (",2025-03-01,N,V,,,,1,,1001,,,,,,,", "bad_entries", "1001"),
    (",2025-03-01,N,V,,,,1,,,x,,,,,,", "bad_amount", "x"),
    (",2025-03-01,N,V,,,,1,,,,−5,,,,,", "negative_amount", "−5"),
    (",2025-03-01,N,V,,,,1,,,,,0,,,,", "bad_field_size", "0"),
    (",2025-03-01,N,V,,,,1,,,,,2.5,,,,", "bad_field_size", "2.5"),
    (",2025-03-01,N,V,,,,1,,,,,,-1,,,", "bad_starting_stack", "-1"),
    (",2025-03-01,N,V,,,,1,,,,,,,0,5,", "bad_place", "0"),
    (",2025-03-01,N,V,,,,1,,,,,,,1000001,5,", "bad_place", "1000001"),
    (",2025-03-01,N,V,,,,1,,,,,,,first,5,", "bad_place", "first"),
    (",2025-03-01,N,V,,,,1,,,,,,,3,,", "result_incomplete", "prize"),
    (",2025-03-01,N,V,,,,1,,,,,,,,5,", "result_incomplete", "place"),
    (",2025-03-01,N,V,,,,1,,,,,,,,,10", "result_incomplete", "place, prize"),
    (",2025-03-01,N,V,,,,1,,,,,,,3,5,-2", "negative_amount", "-2"),
    (",2025-03-01,N,V,,,,1,,,,,,,,,,extra", "too_many_columns", "18"),
]


@pytest.mark.parametrize(("row", "code", "value"), ROW_ERRORS)
def test_each_rejection_names_its_line_code_and_cell(row: str, code: str, value: str) -> None:
    good = ",2025-03-01,Good,V,,,,1,,,,,,,,,"
    got = plan(f"{HEADER}\r\n{good}\r\n{row}\r\n{good}\r\n".encode())
    assert got.rejected == [RowError(3, code, value)]
    assert [r.line for r in got.rows] == [2, 4]


def test_all_rejections_in_one_file_keep_their_lines() -> None:
    data = "\r\n".join([HEADER] + [row for row, _, _ in ROW_ERRORS]).encode()
    got = plan(data)
    assert got.rows == []
    assert [(e.line, e.code) for e in got.rejected] == [(i + 2, code) for i, (_, code, _) in enumerate(ROW_ERRORS)]


def test_a_repeated_id_rejects_the_later_rows_even_when_the_first_is_bad() -> None:
    data = (f"{HEADER}\n5,2025-03-01,A,V,,,,1,,,,,,,,,\n5,2025-03-02,B,V,,,,1,,,,,,,,,\n"
            "6,bad,C,V,,,,1,,,,,,,,,\n6,2025-03-03,D,V,,,,1,,,,,,,,,\n,2025-03-03,E,V,,,,1,,,,,,,,,\n"
            ",2025-03-03,E,V,,,,1,,,,,,,,,\n").encode()
    got = plan(data)
    assert [(r.line, r.id) for r in got.rows] == [(2, 5), (6, None), (7, None)]
    assert got.rejected == [RowError(3, "duplicate_id", "5"), RowError(4, "bad_date", "bad"),
                            RowError(5, "duplicate_id", "6")]


def test_game_and_format_by_value_or_alias_in_any_case() -> None:
    rows = [("nlhe", "FREEZEOUT"), ("Holdem", "re-entry"), ("PLO5", "Ребай"), ("mixed", "ko"), ("OTHER", "Сателлит")]
    data = "date,name,venue,buy_in,game,format\n" + "".join(f"2025-01-01,N,V,1,{g},{f}\n" for g, f in rows)
    got = plan(data.encode())
    assert [(r.fields.game, r.fields.format) for r in got.rows] == [
        (Game.NLHE, Format.FREEZEOUT), (Game.NLHE, Format.REENTRY), (Game.PLO5, Format.REBUY),
        (Game.MIXED, Format.BOUNTY), (Game.OTHER, Format.SATELLITE),
    ]


def test_names_are_read_as_the_chat_reads_them() -> None:
    data = 'date,name,venue,buy_in\n2025-01-01,"Main\nEvent\t day  1",\u00a0Club\u00a0 ,1\n'.encode()
    f = plan(data).rows[0].fields
    assert (f.name, f.venue) == ("Main Event day 1", "Club")


def test_starting_stack_may_say_k() -> None:
    got = plan(b"date,name,venue,buy_in,starting_stack\n2025-01-01,N,V,1,20k\n2025-01-01,N,V,1,0\n")
    assert [r.fields.starting_stack for r in got.rows] == [20000, 0]


def test_text_cells_are_trimmed_and_currency_upper_cased() -> None:
    got = plan(b"date,name,venue,buy_in,currency\n 2025-01-01 ,  Main  , Club ,  5 , usd\n")
    f = got.rows[0].fields
    assert (f.played_on, f.name, f.venue, f.buy_in, f.currency) == (date(2025, 1, 1), "Main", "Club", D(5), "USD")


# -------------------------------------------------------------------------------------- file level


def test_file_level_errors() -> None:
    one_row = f"{HEADER}\n,2025-01-01,N,V,,,,1,,,,,,,,,\n".encode()
    assert error(one_row, max_bytes=len(one_row) - 1) == ParseError("import_too_large")
    assert isinstance(parse_import(one_row, max_bytes=len(one_row)), ImportPlan)
    assert error(b"\x00" * (1_048_576 + 1)).code == "import_too_large"

    assert error("date,name".encode("utf-16")) == ParseError("import_not_utf8")
    assert error(b"date,name,venue,buy_in\n\x98\n") == ParseError("import_not_utf8")  # not even Windows-1251

    for empty in [
        b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n", b";;;\n;;;\n", b",,,\n", HEADER.encode(), f"{HEADER}\n,,,\n".encode()
    ]:
        assert error(empty) == ParseError("import_empty"), empty

    assert error(b"date,name,venue\n2025-01-01,N,V\n") == ParseError("import_bad_header", "buy_in")
    assert error(b"date,name,venue,buy_in,price\n") == ParseError("import_bad_header", "", "price")
    assert error(b"Date,NAME,name,venue,buy_in\n") == ParseError("import_bad_header", "", "name")
    assert error(b"when,what\n") == ParseError("import_bad_header", "date, name, venue, buy_in", "when, what")
    header_of_data = error(b"2025-01-01,N,V,1\n2025-01-01,N,V,1\n")
    assert header_of_data.code == "import_bad_header" and header_of_data.value == "date, name, venue, buy_in"

    three = f"{HEADER}\n" + ",2025-01-01,N,V,,,,1,,,,,,,,,\n" * 3
    assert error(three.encode(), max_rows=2) == ParseError("import_too_many_rows", "2")
    assert len(plan(three.encode(), max_rows=3).rows) == 3

    huge_cell = b'date,name,venue,buy_in\n2025-01-01,"' + b"x" * 200_000 + b'",V,1\n'
    assert error(huge_cell) == ParseError("import_malformed", "2")


def test_a_full_export_of_5000_tournaments_imports_within_the_limits() -> None:
    rng = random.Random(1)
    ts = [_random_tournament(rng, i + 1) for i in range(5000)]
    data = export_csv(ts)
    assert len(data) <= 1_048_576
    got = plan(data)
    assert len(got.rows) == 5000 and got.rejected == []


# ----------------------------------------------------------------------------------- never raises


def test_garbage_bytes_never_raise() -> None:
    rng = random.Random(13)
    valid = export_csv([MILLION, PENDING])
    pieces = [b",", b";", b'"', b"\r\n", b"\n", b"\r", b"\xef\xbb\xbf", b"\x00", b"'", b"=", b"-", b"1", b"2025-",
              b"01.03.2025", b"\xd0\xaf", b"\xff", b"\x98", HEADER.encode(), b"date;name;venue;buy_in", b" "]
    for n in range(3000):
        if n % 3 == 0:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
        elif n % 3 == 1:
            data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        else:
            mutable = bytearray(valid)
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(mutable))
                if rng.random() < 0.5:
                    mutable[i] = rng.randrange(256)
                else:
                    del mutable[i]
            data = bytes(mutable)
        got = parse_import(data)
        if isinstance(got, ParseError):
            assert got.code.startswith("import_")
        else:
            assert all(e.code and e.line >= 2 and len(e.value) <= 50 for e in got.rejected)
            assert all(r.line >= 2 for r in got.rows)
