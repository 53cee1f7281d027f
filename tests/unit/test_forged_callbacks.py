"""Forged button data and forged import ids never reach another player's tournaments.

Three players own tournaments (pending and finished) whose names and venues carry a marker.
Hypothesis plays an intruder, a player of their own or a stranger, in any step, even with a
session naming one of the others' tournaments, who presses forged buttons (``res:``, ``ed:``,
``del:``, ``dx:r|t|k:`` with the others' ids, written every way a parser might accept, or
anything else), types what would complete the action (``3 | 850``, ``name: ...`` then
``done``), asks for lists and exports, and imports CSV rows naming the others' ids.  After
every example the others' rows are exactly as they were, and nothing the intruder got back
shows their names or venues.  On the in-memory tracker, whose rows carry the update that
wrote them and a revision bumped by every write (PostgreSQL's ``updated_at``).
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.handler.conversation.state import ConversationState, Step
from services.handler.domain.edits import Draft
from services.handler.tracker.memory import MemoryStore
from tests.unit.bot_user import BotUser, Replies
from tests.unit.test_fuzz_inputs import tricky_text

MARKER = f"Secret{uuid.uuid4().hex[:8]}"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class World:
    store: MemoryStore
    players: list[BotUser]  # the others: their rows must never change
    ids: list[int]  # their tournaments
    snapshot: list[dict[str, Any]]
    intruders: list[tuple[BotUser, int]]  # players with a tournament of their own


def rows_of(store: MemoryStore, players: list[BotUser]) -> list[dict[str, Any]]:
    """The players' tournament rows with their results' and the player's current venue, by id."""
    ids = {p.user_id for p in players}
    rows = sorted((t for t in store.tournaments.values() if t.player_id in ids), key=lambda t: t.id)
    return [
        {
            **dataclasses.asdict(t),
            "result": store.results.get(t.id),
            "current_venue": store.players[t.player_id].venue,
        }
        for t in rows
    ]


@pytest.fixture(scope="module")
async def world() -> World:
    store = MemoryStore()
    players, ids = [], []
    for i, language in enumerate(["en", "ru", "en"]):
        player = BotUser(store, language=language)
        await player.send(f"/setvenue {MARKER} Venue {i}")
        pending = await player.register(f"{MARKER} pending {i} | 01.02.2025 | 100+10 | {MARKER} Club {i}")
        finished = await player.register(f"{MARKER} finished {i} | 02.02.2025 | 50 | {MARKER} Casino {i}")
        await player.finish(finished, "2 | 500 | 20")
        players.append(player)
        ids += [pending, finished]
    intruders = []
    for _ in range(2):
        intruder = BotUser(store)
        intruders.append((intruder, await intruder.register("Own | 03.02.2025 | 10 | Home")))
    return World(store, players, ids, rows_of(store, players), intruders)


PREFIXES = ["res:", "ed:", "del:", "dx:r:", "dx:t:", "dx:k:", "dx:", "dx:x:", "rg:", "rf:", "rd:",
            "rv:", "tk:", "res::", "", "res", "ed:ed:"]


@st.composite
def forged_ids(draw: st.DrawFn, target: int) -> str:
    """One of the others' ids, written every way a lenient parser might read it, or not an id."""
    return draw(st.sampled_from([
        str(target), f"{target:025d}", f" {target}", f"{target} ", f"+{target}", f"-{target}",
        str(target).translate(FULLWIDTH), f"{target}\x00", f"{target}:{target}", f"{target}.0",
        f"{target}e0", hex(target), str(target + 1), str(target - 1), str(target + 2**64),
        str(2**63 - 1), str(2**63), "0", "",
    ])) if draw(st.integers(0, 4)) else draw(st.one_of(tricky_text, st.integers().map(str)))


@st.composite
def forged_data(draw: st.DrawFn, target: int) -> str:
    data = draw(st.sampled_from(PREFIXES)) + draw(forged_ids(target))
    if draw(st.integers(0, 9)) == 0:
        data = draw(tricky_text)
    data = data.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return data.encode()[:64].decode("utf-8", "ignore") or "x"  # what Telegram carries


def import_file(ids: list[str]) -> bytes:
    rows = [["id", "date", "name", "venue", "buy_in", "place", "prize"]]
    rows += [[i, "2025-03-01", "Pwned", "Pwned", "1", "1", "99999"] for i in ids]
    rows.append(["", "2025-03-02", "Innocent new row", "Home", "5", "", ""])
    return "\r\n".join(",".join(r) for r in rows).encode("utf-8", "replace")


ACTIONS = st.sampled_from([
    "press", "press", "press", "3 | 850", "1 - 100 - 5", "name: Pwned", "prize: 99999", "done",
    "готово", "/result", "/edit", "/delete", "/tournaments", "/stats", "/export", "/venue",
    "/cancel", "import",
])
STEPS = st.sampled_from(Step)
WITH_TOURNAMENT = {Step.RESULT, Step.EDIT, Step.DELETE_CONFIRM}


def leaked(reply: Replies) -> list[str]:
    """Anything of the others' the intruder was shown (texts, buttons, files)."""
    shown = [str(payload) for _, payload in reply.calls]
    shown += [content.decode("utf-8", "replace") for _, _, content, _ in reply.uploads]
    return [s for s in shown if MARKER in s]


@settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
async def test_forged_buttons_and_ids_reach_nothing_of_another_player(world: World, data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(world.ids), label="another player's tournament")
    who = data.draw(st.integers(0, len(world.intruders)), label="intruder")
    if who < len(world.intruders):
        intruder, own = world.intruders[who]
    else:  # a stranger without any data, with an id that may be anything
        intruder = BotUser(world.store, user_id=data.draw(st.integers(1, 2**53), label="stranger id"))
        own = None
    intruder.language = data.draw(st.sampled_from(["en", "ru"]))
    # Any step; the session may even name the other player's tournament (as if forged).  The
    # steps about one tournament always name one, as the flows that enter them do.
    step = data.draw(STEPS, label="step")
    choices = [None, own, target]
    if step in WITH_TOURNAMENT:
        choices = [c for c in choices if c is not None]
    session_tid = data.draw(st.sampled_from(choices), label="session tournament")
    draft = data.draw(st.sampled_from([None, Draft(name="T"), Draft(name="Pwned", venue="X", buy_in=Decimal(1))]))
    intruder.session = ConversationState(step=step, tournament_id=session_tid, draft=draft).to_session()

    for action in data.draw(st.lists(ACTIONS, min_size=1, max_size=5), label="actions"):
        if action == "press":
            reply = await intruder.press(data.draw(forged_data(target), label="callback_data"))
        elif action == "import":
            ids = data.draw(st.lists(forged_ids(target), min_size=1, max_size=3), label="import ids")
            reply = await intruder.document(import_file(ids), "mine.csv", "text/csv")
        else:
            reply = await intruder.send(action)
        assert not leaked(reply), (action, leaked(reply))
        # No step of the intruder's ever lands on the other player's tournament by itself.
        state = ConversationState.from_session(intruder.session)
        assert state.tournament_id != target or session_tid == target

    assert rows_of(world.store, world.players) == world.snapshot
