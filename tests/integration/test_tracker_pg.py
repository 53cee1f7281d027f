"""The tracker contract (tests/contract/tracker_contract.py) on real PostgreSQL, and one
conversation that must read the same on PostgreSQL as on the in-memory tracker."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from services.common import db
from services.handler.tracker.memory import MemoryStore
from services.handler.tracker.model import Tracker
from services.handler.tracker.postgres import PgStore, PgTracker
from services.handler.tracker.schema import MIGRATIONS, SCHEMA
from tests.conftest import random_user_id
from tests.contract.tracker_contract import TrackerContract
from tests.unit.bot_user import BotUser, Replies

pytestmark = pytest.mark.integration


class TestPgTracker(TrackerContract):
    refused = (asyncpg.PostgresError,)

    @pytest.fixture
    def store(self, tracker_pool: asyncpg.Pool) -> PgStore:
        return PgStore(tracker_pool)

    @pytest.fixture
    async def tracker(self, pg: asyncpg.Connection) -> PgTracker:
        await db.migrate(pg, SCHEMA, MIGRATIONS)
        self._conn = pg
        return PgTracker(pg)

    async def age_deletions(self, tracker: Tracker, by: timedelta) -> None:
        await self._conn.execute("UPDATE tracker.deleted SET deleted_at = deleted_at - $1::interval", by)


async def converse_through_the_flows(user: BotUser) -> list[Any]:
    """One scripted conversation touching every tracker method; what the user was sent, with
    tournament ids replaced by their order of registration (the trackers number differently)."""
    script: list[Replies] = [await user.send("/setvenue Casino Royal")]
    for line in ("Main | 10.06.2025 | 100+10 | Casino | reentry", "Turbo | 01.06.2025 | 50 | Club"):
        script.append(await user.send(f"/register {line}"))
    ids = {t.name: t.id for t in await user.tournaments()}
    main, turbo = ids["Main"], ids["Turbo"]
    script.append(await user.send("/result"))
    script.append(await user.press(script[-1].button("Main")))
    script.append(await user.send("2 | $1 000 | 200"))  # the result gives Main its currency
    script.append(await user.press(f"res:{main}"))  # already has a result
    script.append(await user.send("/result"))
    script.append(await user.send("/edit"))
    script.append(await user.press(f"ed:{turbo}"))
    script.append(await user.send("entries: 2\nfield: 120\nplace: 40\nprize: 0"))
    script.append(await user.send("done"))
    for command in ("/stats", "/stats 2025 venue", "/stats format reentry", "/tournaments", "/venue"):
        script.append(await user.send(command))
    script.append(await user.send("/export"))
    rows = list(csv.DictReader(io.StringIO(script[-1].uploads[0][2].decode("utf-8-sig"))))
    rows[0]["name"] = "Turbo edited"
    new = {**rows[0], "id": "", "name": "New", "place": "", "prize": "", "bounty": ""}
    script.append(await user.document(_csv([*rows, new, {**new, "id": str(main + 10**9)}]), "a.csv", "text/csv"))
    script.append(await user.document(_csv([*rows, new]), "b.csv", "text/csv"))
    (added,) = [t.id for t in await user.tournaments() if t.name == "New"]
    script.append(await user.send("/delete"))
    script.append(await user.press(f"del:{main}"))
    script.append(await user.press(f"dx:r:{main}"))
    undo_result = script[-1].button("Undo")
    script.append(await user.send("/delete"))
    script.append(await user.press(f"del:{turbo}"))
    script.append(await user.press(f"dx:t:{turbo}"))
    undo_whole = script[-1].button("Undo")
    script.append(await user.send("/tournaments"))
    for undo in (undo_whole, undo_whole, undo_result):  # the second press finds nothing to undo
        script.append(await user.press(undo))
    script.append(await user.send("/tournaments"))
    order = {str(tid): f"#{n}" for n, tid in enumerate([main, turbo, added, main + 10**9])}
    undos = {undo_result.partition(":")[2]: "r", undo_whole.partition(":")[2]: "t"}
    # The query ids count the harness's updates, which differ between the two runs.
    calls = [[(m, {k: v for k, v in p.items() if k != "callback_query_id"}) for m, p in r.calls] for r in script]
    seen = [(c, [(m, name, content.decode("utf-8-sig")) for m, name, content, _ in r.uploads])
            for c, r in zip(calls, script, strict=True)]
    text = _IDS.sub(lambda m: m[1] + order.get(m[2], m[2]), json.dumps(seen))
    return json.loads(_UNDO_IDS.sub(lambda m: m[1] + undos.get(m[2], m[2]), text))


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


# Where ids appear: button data, an exported row's first column, an import's error text.
_IDS = re.compile(r"(res:|ed:|del:|dx:[rtk]:|\\r\\n|id |result )([0-9]+)")
_UNDO_IDS = re.compile(r"(un:)([0-9]+)")  # the deletions' numbering differs too


async def test_a_conversation_reads_the_same_on_both_trackers(tracker_pool: asyncpg.Pool) -> None:
    user_id = random_user_id()
    in_memory = await converse_through_the_flows(BotUser(MemoryStore(), user_id=user_id))
    on_postgres = await converse_through_the_flows(BotUser(PgStore(tracker_pool), user_id=user_id))
    assert on_postgres == in_memory
