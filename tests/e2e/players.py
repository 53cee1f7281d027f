"""Players in conversation with the whole stack, and what their conversations left stored.

Each player registers a tournament, asks for /result, presses its button and types the
result at once, without waiting for the bot's answer to the press: the result is only
understood if the press was processed first, so a reply out of order shows.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.telegram_client import TelegramUser, buttons

PATIENT = 120.0  # seconds a player waits for a reply while services are being restarted


async def conversation(user: TelegramUser, n: int, progress: dict[str, int] | None = None) -> list[str]:
    """/register, /result, the button, and the result typed right after the press.

    The result is sent as soon as the press is accepted, without waiting for the bot's
    answer to it: it is only understood if the press was processed first.
    """
    texts: list[str] = []

    async def reply() -> str:
        while True:
            text = (await user.reply(timeout=PATIENT))["text"]
            # A replica that dies mid-update may send its reply again: allowed, and skipped.
            if not texts or text != texts[-1]:
                texts.append(text)
                return text

    def step(name: str) -> None:
        if progress is not None:
            progress[name] = progress.get(name, 0) + 1

    await user.send(f"/register Chaos {n} | 01.02.2025 | 100 | Venue {n % 7}")
    await reply()
    step("registered")
    await user.send("/result")
    await reply()
    listing = await user.http.get(f"/_users/{user.user_id}/messages", params={"after": 0})
    with_buttons = [m for m in listing.json()["messages"] if buttons(m)]
    [(_label, data)] = buttons(with_buttons[-1])
    await user.press(with_buttons[-1]["message_id"], data)
    await user.send("3 | 850")
    await reply()
    await reply()
    step("done")
    return texts


def assert_replies_in_order(texts: list[str], n: int) -> None:
    assert len(texts) == 4, texts
    assert texts[0].startswith("Tournament registered") and f"Chaos {n}" in texts[0], texts
    assert texts[1].startswith("Which tournament?"), texts
    assert texts[2].startswith(f"Chaos {n} (") and "Send your result" in texts[2], texts
    assert texts[3].startswith("Result saved") and "Place: 3" in texts[3], texts


async def stored(database_url: str, users: list[int]) -> dict[int, dict[str, Any]]:
    """Per user: their tournaments with results, and their session's version and data."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT t.player_id, t.name, t.played_on, t.buy_in, t.venue, r.place, r.prize"
            " FROM tracker.tournaments t LEFT JOIN tracker.results r ON r.tournament_id = t.id"
            " WHERE t.player_id = any($1::bigint[]) ORDER BY t.id",
            users,
        )
        sessions = await conn.fetch(
            "SELECT user_id, version, session_data FROM session.bot_sessions"
            " WHERE user_id = any($1::bigint[])",
            users,
        )
    finally:
        await conn.close()
    out: dict[int, dict[str, Any]] = {u: {"tournaments": [], "session": None} for u in users}
    for r in rows:
        out[r["player_id"]]["tournaments"].append(
            (r["name"], r["played_on"], r["buy_in"], r["venue"], r["place"], r["prize"])
        )
    for s in sessions:
        out[s["user_id"]]["session"] = (s["version"], s["session_data"])
    return out
