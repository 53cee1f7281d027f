"""/stats with periods, breakdowns and filters, /tournaments and /graph, as a user sees them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.handler.tracker.memory import MemoryStore
from tests.unit.bot_user import BotUser


async def play(user: BotUser, line: str, score: str | None, edits: str = "") -> int:
    tid = await user.register(line)
    if edits:
        await user.send("/edit")
        await user.press(f"ed:{tid}")
        await user.send(edits)
        await user.send("done")
    if score:
        await user.finish(tid, score)
    return tid


@pytest.fixture
async def player(store: MemoryStore) -> BotUser:
    """Four finished tournaments and one pending (today is 15.06.2025 for the bot)."""
    user = BotUser(store)
    # cost (100+10)x2 + 50 = 270, winnings 1000 + 200: profit +930
    await play(user, "Main | 10.06.2025 | 100+10 | Casino | reentry", "2 | 1000 | 200",
               "entries: 2\nrebuys: 50\nfield: 120")
    # cost 55, bust: -55
    await play(user, "Turbo | 01.06.2025 | 50+5 | Casino", "40 | 0")
    # cost 220, bounty only (not ITM): -220 + 30 = -190
    await play(user, "PKO | 15.12.2024 | 200+20 | Club | bounty", "15 | 0 | 30")
    # cost 0 (freeroll), won 15: +15
    await play(user, "Freeroll | 02.02.2024 | 0 | Club", "3 | 15", "field: 300")
    await play(user, "Later | 14.06.2025 | 30 | Casino", None)
    return user


async def test_stats_all_time_with_every_figure(player: BotUser) -> None:
    text = (await player.send("/stats")).text
    # cost 270+55+220+0 = 545, winnings 1200+0+30+15 = 1245, profit 700, ROI 128.4%
    for expected in ["all time", "Tournaments played: 4", "Waiting for a result: 1", "Entries: 5",
                     "Total cost: 545", "Total winnings: 1,245 (bounties 230)", "Profit: +700",
                     "ROI: +128.4%", "ITM: 50% (2)", "(ABI): 136.25",
                     "Biggest win: +930 — Main (10.06.2025)",
                     "Best finish: 2/120 — Main (10.06.2025)",
                     "Final tables: 2 of 2 with a known field size"]:
        assert expected in text, expected


async def test_stats_periods(player: BotUser) -> None:
    text = (await player.send("/stats 30d")).text
    assert "Tournaments played: 2" in text and "Profit: +875" in text and "17.05.2025 – 15.06.2025" in text
    text = (await player.send("/stats 2024")).text
    assert "Tournaments played: 2" in text and "Profit: -175" in text
    text = (await player.send("/stats 12.2024")).text
    assert "Tournaments played: 1" in text and "ITM: 0%" in text
    assert "No results for" in (await player.send("/stats 2023")).text


async def test_stats_by_venue_and_format_and_filters(player: BotUser) -> None:
    text = (await player.send("/stats venue")).text
    assert "Casino: 2 played, profit +875" in text and "Club: 2 played, profit -175" in text
    assert text.index("Casino:") < text.index("Club:")
    text = (await player.send("/stats format")).text
    assert "Re-entry: 1 played, profit +930" in text and "Bounty/PKO: 1 played, profit -190" in text
    text = (await player.send("/stats venue club")).text
    assert "Tournaments played: 2" in text and "Profit: -175" in text
    text = (await player.send("/stats format bounty")).text
    assert "Tournaments played: 1" in text and "Profit: -190" in text
    text = (await player.send("/stats 2025 venue")).text
    assert "Casino: 2 played" in text and "Club" not in text


async def test_stats_query_mistakes_are_explained(player: BotUser) -> None:
    text = (await player.send("/stats yesterdayish")).text
    assert "«yesterdayish»" in text and "/stats 30d" in text


async def test_stats_never_add_up_different_currencies(store: MemoryStore) -> None:
    user = BotUser(store)
    await play(user, "A | 01.06.2025 | 100 | V", "1 | 300", "currency: USD")
    await play(user, "B | 02.06.2025 | 1000 | V", "9 | 0", "currency: RUB")
    text = (await user.send("/stats")).text
    assert "— RUB —" in text and "— USD —" in text
    assert "Profit: +$200" in text and "Profit: -₽1,000" in text
    reply = await user.send("/graph")
    assert sorted(f for _, f, _, _ in reply.uploads) == ["pokertracker-graph-RUB.png", "pokertracker-graph-USD.png"]
    assert sorted(p["caption"] for _, p in reply.calls)[0].endswith("in RUB.")


async def test_tournaments_lines_use_the_same_formulas(player: BotUser) -> None:
    text = (await player.send("/tournaments")).text
    assert "Main (Casino) — cost 270, place 2, won 1,200, profit +930" in text
    assert "Later (Casino) — cost 30, no result yet" in text


async def test_stats_in_russian(store: MemoryStore) -> None:
    user = BotUser(store, language="ru")
    await play(user, "Турнир | 01.06.2025 | 100 | Клуб", "1 | 300")
    text = (await user.send("/stats")).text
    assert "всё время" in text and "Прибыль: +200" in text and "ROI: +200%" in text
    assert "Клуб: сыграно 1" in (await user.send("/stats место")).text


async def test_graph_is_a_png_of_the_selected_results(player: BotUser) -> None:
    reply = await player.send("/graph")
    ((method, filename, content, ctype),) = reply.uploads
    assert (method, ctype) == ("sendPhoto", "image/png") and filename.endswith(".png")
    image = Image.open(io.BytesIO(content))
    assert image.format == "PNG" and image.size[0] >= 800
    assert reply.calls[0][1]["caption"] == "Your profit over time and ROI by month."
    other = (await player.send("/graph 2024")).uploads[0][2]
    assert other != content
    assert "No results for" in (await player.send("/graph 2023")).text
    assert "«soon»" in (await player.send("/graph soon")).text


async def test_graph_with_no_results(store: MemoryStore) -> None:
    user = BotUser(store)
    reply = await user.send("/graph")
    assert not reply.uploads and "No results" in reply.text
