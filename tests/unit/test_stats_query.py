"""What a player types after /stats, read relative to a fixed today (15 March 2025)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal as D

import pytest

from services.handler.domain.parsing import ParseError
from services.handler.domain.records import Format, Result, Tournament
from services.handler.domain.stats import summarize
from services.handler.domain.stats_query import StatsQuery, parse_stats_query

TODAY = date(2025, 3, 15)


def q(text: str) -> StatsQuery:
    got = parse_stats_query(text, TODAY)
    assert isinstance(got, StatsQuery), (text, got)
    return got


def err(text: str) -> str:
    got = parse_stats_query(text, TODAY)
    assert isinstance(got, ParseError), (text, got)
    assert got.code == "bad_stats_query"
    return got.value


@pytest.mark.parametrize("text", ["", "   ", "all", "ALL", "всё", "Все", "\n"])
def test_all_time(text: str) -> None:
    assert q(text) == StatsQuery()


@pytest.mark.parametrize(
    ("text", "since"),
    [
        ("30d", date(2025, 2, 14)),
        ("30д", date(2025, 2, 14)),
        ("30дн", date(2025, 2, 14)),
        ("30D", date(2025, 2, 14)),
        ("7d", date(2025, 3, 9)),
        ("1d", TODAY),
        ("365d", date(2024, 3, 16)),
        ("3650d", date(2015, 3, 19)),  # ten years hold three leap days
    ],
)
def test_last_n_days_include_today(text: str, since: date) -> None:
    assert q(text) == StatsQuery(since=since, until=TODAY)


def test_years_and_months() -> None:
    assert q("2025") == StatsQuery(since=date(2025, 1, 1), until=date(2025, 12, 31))
    assert q("1970").since == date(1970, 1, 1)
    assert q("03.2025") == StatsQuery(since=date(2025, 3, 1), until=date(2025, 3, 31))
    assert q("3.2025") == q("2025-03") == q("2025-3") == q("03.2025")
    assert q("2024-02") == StatsQuery(since=date(2024, 2, 1), until=date(2024, 2, 29))
    assert q("12.2024") == StatsQuery(since=date(2024, 12, 1), until=date(2024, 12, 31))


@pytest.mark.parametrize(
    "text", ["0d", "3651d", "10000d", "1969", "2101", "13.2025", "00.2025", "2025-00", "2025-13", "30", "d",
             "٣٠d", "３０d", "30w", "2025/03/01", "-30d", "03.25"],
)
def test_bad_periods_name_the_offending_word(text: str) -> None:
    assert err(text) == text


def test_a_number_and_its_unit_are_one_word() -> None:
    assert err("30 d") == "30"


@pytest.mark.parametrize(
    ("text", "group"),
    [("venue", "venue"), ("venues", "venue"), ("место", "venue"), ("МЕСТА", "venue"), ("площадки", "venue"),
     ("format", "format"), ("formats", "format"), ("формат", "format"), ("Форматы", "format")],
)
def test_groupings(text: str, group: str) -> None:
    assert q(text) == StatsQuery(group_by=group)  # type: ignore[arg-type]


def test_a_period_and_a_grouping_in_either_order() -> None:
    year = StatsQuery(since=date(2025, 1, 1), until=date(2025, 12, 31), group_by="venue")
    assert q("2025 venue") == q("venue 2025") == q("  2025   места ") == year
    assert q("formats 30d") == q("30d format") == StatsQuery(since=date(2025, 2, 14), until=TODAY, group_by="format")
    assert q("место все") == StatsQuery(group_by="venue")


def test_venue_filter_takes_the_rest_of_the_line() -> None:
    assert q("venue Casino Royal") == StatsQuery(venue="Casino Royal")
    assert q("место  Покер   Клуб\n«Туз» ") == StatsQuery(venue="Покер Клуб «Туз»")
    assert q("30d venue PokerStars 2025") == StatsQuery(since=date(2025, 2, 14), until=TODAY, venue="PokerStars 2025")
    assert q("format venue Home") == StatsQuery(group_by="format", venue="Home")
    assert q("venue 2025 Open") == StatsQuery(venue="2025 Open")
    assert q("venue format") == StatsQuery(venue="format")


def test_venue_followed_only_by_periods_and_format_filters_is_the_grouping() -> None:
    assert q("venue 30d format pko") == StatsQuery(since=date(2025, 2, 14), until=TODAY, group_by="venue",
                                                   format=Format.BOUNTY)
    assert q("место формат фриз") == StatsQuery(group_by="venue", format=Format.FREEZEOUT)
    assert err("venue 2025 30d") == "30d"
    assert err("venue " + "x" * 101).endswith("…")


def test_format_filter_by_value_or_alias() -> None:
    assert q("format pko") == StatsQuery(format=Format.BOUNTY)
    assert q("формат ФРИЗ venue") == StatsQuery(format=Format.FREEZEOUT, group_by="venue")
    assert q("2025 format Re-Entry") == StatsQuery(since=date(2025, 1, 1), until=date(2025, 12, 31),
                                                   format=Format.REENTRY)
    assert q("format rebuy format") == StatsQuery(format=Format.REBUY, group_by="format")
    for text, fmt in [("freezeout", Format.FREEZEOUT), ("фриз", Format.FREEZEOUT), ("reentry", Format.REENTRY),
                      ("реентри", Format.REENTRY), ("ребай", Format.REBUY), ("bounty", Format.BOUNTY),
                      ("KO", Format.BOUNTY), ("баунти", Format.BOUNTY), ("satellite", Format.SATELLITE),
                      ("сателлит", Format.SATELLITE)]:
        assert q(f"format {text}") == StatsQuery(format=fmt)
    assert err("format turbo") == "turbo"  # "format" is then the grouping, and "turbo" unknown


@pytest.mark.parametrize(
    ("text", "offending"),
    [("hello", "hello"), ("2025 2024", "2024"), ("30d all", "all"), ("venues formats", "formats"),
     ("venues venue", "venue"), ("format pko format ko", "ko"), ("2025 turbo", "turbo"), ("formats pko", "pko"),
     ("x" * 200, "x" * 63 + "…")],
)
def test_unknown_or_repeated_words_are_rejected(text: str, offending: str) -> None:
    assert err(text) == offending


WON = Result(place=1, prize=D(10))


def _t(tid: int, played_on: date, venue: str = "Club", fmt: Format = Format.FREEZEOUT,
       result: Result | None = WON) -> Tournament:
    return Tournament(id=tid, player_id=1, name="T", played_on=played_on, venue=venue, buy_in=D(5),
                      format=fmt, result=result)


def test_select_applies_the_period_inclusively_and_keeps_pending_ones() -> None:
    ts = [_t(1, date(2025, 2, 13)), _t(2, date(2025, 2, 14)), _t(3, TODAY, result=None), _t(4, date(2025, 3, 16))]
    assert [x.id for x in q("30d").select(ts)] == [2, 3]
    s = summarize(q("30d").select(ts))
    assert (s.played, s.pending) == (1, 1)
    assert [x.id for x in q("03.2025").select(ts)] == [3, 4]
    assert [x.id for x in q("").select(ts)] == [1, 2, 3, 4]
    assert q("2024").select(ts) == []


def test_select_filters_venue_case_insensitively_and_format() -> None:
    ts = [_t(1, TODAY, "Casino Royal"), _t(2, TODAY, "casino  ROYAL", Format.BOUNTY), _t(3, TODAY, "Royal")]
    assert [x.id for x in q("venue CASINO royal").select(ts)] == [1, 2]
    assert [x.id for x in q("format pko").select(ts)] == [2]
    assert [x.id for x in q("format freezeout venue royal").select(ts)] == [3]


ALPHABET = [*"0123456789dд.-/ ", "н", "all", "всё", "venue", "место", "format", "pko", "2025", "03.",
            "\u00a0", "\n", "²", "٣", "𝟘", "\x00", "|", "«"]


def test_a_whole_telegram_message_of_keywords_is_answered() -> None:
    for text in ["venue " * 800, "venue 2025 " * 400, "format pko " * 400, "2025 " * 800 + "venue x"]:
        assert parse_stats_query(text, TODAY) is not None


def test_any_text_is_a_query_or_an_error_never_an_exception() -> None:
    rng = random.Random(42)
    for n in range(5000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        today = rng.choice([TODAY, date.min, date.max, date(1970, 1, 1)])
        got = parse_stats_query(text, today)
        if isinstance(got, ParseError):
            assert got.code == "bad_stats_query" and len(got.value) <= 100, (n, text)
        else:
            assert got.since is None or got.until is None or got.since <= got.until
            assert got.select([_t(1, TODAY)]) is not None
