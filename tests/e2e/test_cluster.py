"""Losing a node of a three-node RabbitMQ cluster under load, and getting it back.

The cluster is the test's own (tests/rabbitmq_cluster.py): three private nodes of the
installed rabbitmq-server, the namespace's policies set as an operator's set-up sets them.
Every service names all three nodes in AMQP_URL, each preferring another, so the node that
is killed has services connected to it.  While players are in conversation, the node that
leads the most partition queues is SIGKILLed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.topology import Topology
from tests.conftest import eventually, random_user_id, ready_messages
from tests.e2e.conftest import Stack
from tests.e2e.players import PATIENT, assert_replies_in_order, conversation, stored
from tests.rabbitmq_cluster import RabbitCluster
from tests.telegram_client import TelegramUser

pytestmark = pytest.mark.e2e

PARTITIONS = 16
PLAYERS = 120
LATER_PLAYERS = 20
MAX_REFUSING_S = 10.0  # the longest the gateway may answer 503 when a node is lost


@pytest.fixture
async def cluster(tmp_path: Path):
    nodes = RabbitCluster(tmp_path / "cluster")
    await asyncio.to_thread(nodes.start)
    try:
        yield nodes
    finally:
        await asyncio.to_thread(nodes.stop)


def start_services(stack: Stack, cluster: RabbitCluster) -> None:
    """Session service, two handler replicas, gateway and fake Telegram, each preferring
    another node of the cluster."""
    stack.env["UPDATE_PARTITIONS"] = str(PARTITIONS)
    stack.start("session", "services.session", env={"AMQP_URL": cluster.url(0, 1, 2)})
    stack.wait_started("session")
    for name, order in (("handler-1", (1, 2, 0)), ("handler-2", (2, 0, 1))):
        stack.start(name, "services.handler", env={"INSTANCE_NAME": name, "AMQP_URL": cluster.url(*order)})
        stack.wait_started(name)
    stack.start("gateway", "services.gateway", env={"AMQP_URL": cluster.url(0, 1, 2)})
    stack.wait_http("gateway", f"{stack.gateway_url}/readyz")
    stack.start_telegram("--latency-ms", "20")


async def test_losing_the_node_that_leads_most_partitions_loses_nothing(
    tmp_path: Path, cluster: RabbitCluster, database_url: str
) -> None:
    workdir = tmp_path / "stack"
    workdir.mkdir()
    stack = Stack(workdir, cluster.url(0, 1, 2), database_url)
    namespace = stack.env["AMQP_NAMESPACE"]
    cluster.set_policies(namespace)
    events: dict[str, Any] = {}
    progress: dict[str, int] = {}
    try:
        start_services(stack, cluster)
        partitions = f"{Topology(namespace, PARTITIONS).updates_exchange.name}.p"
        queues = cluster.queues(partitions)
        assert {q["type"] for q in queues} == {"quorum"} and len(queues) == PARTITIONS
        assert all(len(q["members"]) == 3 for q in queues), queues
        assert {q["policy"] for q in queues} == {f"{namespace}-partitions"}
        # Leaders spread over the nodes (balanced placement), not all on one.
        leaders = cluster.leaders(partitions)
        assert max(leaders.values()) <= PARTITIONS // 2, leaders

        async def lose_a_node() -> None:
            await eventually(lambda: asyncio.sleep(0, progress.get("registered", 0) >= 40), timeout=PATIENT)
            leaders = await asyncio.to_thread(cluster.leaders, partitions)
            events["leaders_before"] = leaders
            victim = next(n for n in cluster.nodes if n.name == max(leaders, key=leaders.__getitem__))
            events["killed_at"] = time.time()
            await asyncio.to_thread(victim.kill)
            events["victim"] = victim.name
            await eventually(lambda: asyncio.sleep(0, progress.get("done", 0) >= PLAYERS), timeout=PATIENT * 2)
            # The node comes back on its data and rejoins; its queues' replicas catch up.
            started = time.monotonic()
            await asyncio.to_thread(victim.start)
            await asyncio.to_thread(cluster.wait_running, 3)
            events["rejoin_s"] = round(time.monotonic() - started, 1)

        http = httpx.AsyncClient(
            base_url=stack.telegram_url, timeout=PATIENT * 2, limits=httpx.Limits(max_connections=None)
        )
        async with http:
            players = [TelegramUser(http, random_user_id(), max_attempts=100) for _ in range(PLAYERS)]
            try:
                _, *results = await asyncio.gather(
                    lose_a_node(), *(conversation(p, n, progress) for n, p in enumerate(players))
                )
                # The stack goes on with the node back.
                later = [TelegramUser(http, random_user_id(), max_attempts=100) for _ in range(LATER_PLAYERS)]
                later_results = await asyncio.gather(
                    *(conversation(p, PLAYERS + n) for n, p in enumerate(later))
                )
                attempts = (await http.get("/_webhook/attempts")).json()["attempts"]
            finally:
                print("cluster events:", events)

        # Telegram saw 503s (it retries those) for at most MAX_REFUSING_S, 200 otherwise.
        statuses = {a["status"] for a in attempts}
        assert statuses <= {200, 503}, statuses
        refused = [a["at"] for a in attempts if a["status"] == 503]
        events["refused"] = len(refused)
        if refused:
            events["refusing_s"] = round(max(refused) - min(refused), 2)
            assert min(refused) >= events["killed_at"], events
            assert max(refused) - min(refused) <= MAX_REFUSING_S, events
        print("cluster events:", events)

        # Every update Telegram got a 200 for was processed exactly once, in its player's order.
        accepted = {a["update_id"] for a in attempts if a["status"] == 200}

        async def all_logged() -> list[dict] | None:
            # A player has the last reply before its update is written and logged as done.
            found = stack.processed(["handler-1", "handler-2"])
            return found if accepted <= {r["update_id"] for r in found} else None

        records = await eventually(all_logged, timeout=30, interval=0.2)
        runs: dict[int, int] = defaultdict(int)
        for r in records:
            runs[r["update_id"]] += 1
        assert {u: n for u, n in runs.items() if n != 1} == {}
        by_user: dict[str, list[dict]] = defaultdict(list)
        for r in records:
            by_user[r["user"]].append(r)
        for user_runs in by_user.values():
            user_runs.sort(key=lambda r: r["started_at"])
            ids = [r["update_id"] for r in user_runs]
            assert ids == sorted(ids), user_runs

        everyone = players + later
        for n, texts in enumerate([*results, *later_results]):
            assert_replies_in_order(texts, n)
        data = await stored(database_url, [p.user_id for p in everyone])
        for n, player in enumerate(everyone):
            mine = data[player.user_id]
            assert [(t[0], t[4], int(t[5])) for t in mine["tournaments"]] == [(f"Chaos {n}", 3, 850)], mine
            version, session = mine["session"]  # four session writes (as in test_reliability), none lost
            kept = json.loads(session)  # idle: nothing but the copy of the settings (the currency was asked)
            assert (version, kept.keys(), kept["settings"].keys()) == (4, {"settings"}, {"currency_asked_by"}), mine
        dead_letters = Topology(namespace).dead_letters_queue.name
        assert await ready_messages(cluster.any_running().url, dead_letters) == 0
    finally:
        stack.shutdown()
