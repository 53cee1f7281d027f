"""Issue 3's proof: order per user across replicas, exactly-once effects, crashes and restarts.

Everything is real (processes, RabbitMQ, PostgreSQL) except Telegram, which is the fake
delivering like Telegram does (at most max_connections in flight, retries on non-2xx).
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from yarl import URL

from devkit.rabbitmq_node import PrivateRabbitMQ
from services.handler.assignment import assign
from shared.topology import Topology, partition_of
from tests.admin_cli import run_admin
from tests.conftest import (
    TcpRelay,
    eventually,
    free_fixed_port,
    random_user_id,
    ready_messages,
)
from tests.e2e.conftest import Stack
from tests.e2e.players import PATIENT, assert_replies_in_order, conversation, stored
from tests.telegram_client import TelegramUser, buttons

pytestmark = pytest.mark.e2e

PARTITIONS = 64


async def dead_letter_count(stack: Stack) -> int:
    topology = Topology(stack.env["AMQP_NAMESPACE"])
    return await ready_messages(stack.env["AMQP_URL"], topology.dead_letters_queue.name)


async def partition_backlog(stack: Stack, partition: int, expected: int) -> bool:
    """Whether a partition queue holds ``expected`` messages ready (not yet delivered)."""
    topology = Topology(stack.env["AMQP_NAMESPACE"])
    return await ready_messages(stack.env["AMQP_URL"], topology.partition_queue(partition).name) == expected


async def gateway_post(http: httpx.AsyncClient, stack: Stack, update: dict[str, Any]) -> int:
    response = await http.post(
        f"{stack.gateway_url}/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": stack.secret},
    )
    return response.status_code


async def test_chaos_every_conversation_completes_exactly_once_and_in_order(
    private_stack: Stack, private_broker: PrivateRabbitMQ, database_url: str
) -> None:
    """200 users while a replica is SIGKILLed, the session service and RabbitMQ restart (a
    RabbitMQ node of the test's own: the machine's broker is not touched)."""
    stack = private_stack
    replicas = ["handler-1", "handler-2", "handler-3"]
    stack.start_all(replicas, "--latency-ms", "20")
    progress: dict[str, int] = {}
    events: dict[str, float] = {}
    # A partition of handler-1 (every replica computes the same assignment from the same
    # names) kept free of other users, for the probe update that handler-1 dies holding.
    reserved = min(assign(PARTITIONS, replicas)["handler-1"])

    def user_in(partition: int) -> int:
        return next(u for u in iter(random_user_id, None) if partition_of(u, PARTITIONS) == partition)

    def user_out_of(partition: int) -> int:
        return next(u for u in iter(random_user_id, None) if partition_of(u, PARTITIONS) != partition)

    async def wait_progress(stage: str, count: int) -> None:
        await eventually(lambda: asyncio.sleep(0, progress.get(stage, 0) >= count), timeout=PATIENT)

    async def chaos() -> None:
        await wait_progress("registered", 40)
        # Kill handler-1 while it surely has an update in hand: freeze it (SIGSTOP), send the
        # probe user's update into the reserved partition, wait until RabbitMQ has delivered
        # it to handler-1, then kill.
        probe = TelegramUser(http, user_in(reserved))
        stack.procs["handler-1"].send_signal(signal.SIGSTOP)
        events["probe_update_id"] = await probe.send("/start")
        await eventually(
            lambda: partition_backlog(stack, reserved, 0), timeout=10
        )
        await asyncio.to_thread(stack.kill, "handler-1")
        killed = time.monotonic()
        events["killed_at"] = time.time()
        survivors = ["handler-2", "handler-3"]

        async def taken_over() -> bool:
            return sum(stack.owned_partitions(n) for n in survivors) == PARTITIONS

        await eventually(taken_over, timeout=30)
        events["takeover_s"] = time.monotonic() - killed

        # Each next blow comes once the stack has shown it recovered from the last one.
        await wait_progress("done", 40)
        events["session_restarted_at"] = time.time()
        await asyncio.to_thread(stack.restart, "session", stack.start_session)

        await wait_progress("done", 100)
        started = time.monotonic()
        events["rabbitmq_stopped_at"] = time.time()
        try:
            await asyncio.to_thread(private_broker.stop_app)
            events["rabbitmq_stop_s"] = time.monotonic() - started
            # While RabbitMQ is down the gateway refuses (Telegram will retry), never accepts.
            # (Its own client: the users' one may have every connection in a long poll.)
            async with httpx.AsyncClient(timeout=30) as probe:
                events["gateway_while_down"] = await gateway_post(probe, stack, {"update_id": 1})
        finally:
            started = time.monotonic()
            await asyncio.to_thread(private_broker.start_app)
            events["rabbitmq_start_s"] = time.monotonic() - started

    http = httpx.AsyncClient(
        base_url=stack.telegram_url, timeout=PATIENT * 2, limits=httpx.Limits(max_connections=None)
    )
    async with http:
        users = [TelegramUser(http, user_out_of(reserved), max_attempts=100) for _ in range(200)]
        try:
            _, *results = await asyncio.gather(
                chaos(), *(conversation(u, n, progress) for n, u in enumerate(users))
            )
        finally:
            print("chaos events:", events)

    assert events["takeover_s"] <= 10, events
    # What the killed replica had in hand came back redelivered and was finished in time.
    [taken_over] = [r for r in stack.processed(["handler-2", "handler-3"])
                    if r["update_id"] == events["probe_update_id"]]
    assert taken_over["redelivered"], taken_over
    assert taken_over["finished_at"] - events["killed_at"] <= 10, (taken_over, events)
    for n, texts in enumerate(results):
        assert_replies_in_order(texts, n)
    data = await stored(database_url, [u.user_id for u in users])
    for n, user in enumerate(users):
        mine = data[user.user_id]
        assert [t[0] for t in mine["tournaments"]] == [f"Chaos {n}"], mine
        assert [(t[4], int(t[5])) for t in mine["tournaments"]] == [(3, 850)], mine
        # /register keeps the player's settings in the session (the currency question is
        # asked once); /result, the button and the result change it: four writes, none lost,
        # none applied twice, and the step is over.
        version, session = mine["session"]  # jsonb comes back as text
        kept = json.loads(session)  # idle: nothing but the copy of the settings (the currency was asked)
        assert (version, kept.keys(), kept["settings"].keys()) == (4, {"settings"}, {"currency_asked_by"}), mine
    assert await dead_letter_count(stack) == 0


async def test_same_instant_updates_of_a_user_never_overlap_across_four_replicas(
    stack: Stack,
) -> None:
    replicas = [f"handler-{i}" for i in range(1, 5)]
    stack.start_all(replicas)

    async def settled() -> bool:
        return sum(stack.owned_partitions(n) for n in replicas) == PARTITIONS and all(
            any(r.get("msg") == "partitions assigned" and r.get("replicas") == 4
                for r in stack.log_records(n))
            for n in replicas
        )

    await eventually(settled, timeout=30)
    users = [random_user_id() for _ in range(1000)]
    base = random_user_id()
    slots = asyncio.Semaphore(40)  # Telegram's default max_connections

    def message(update_id: int, user: int, text: str) -> dict[str, Any]:
        return {"update_id": update_id, "message": {
            "message_id": update_id, "date": int(time.time()), "text": text,
            "from": {"id": user, "is_bot": False, "first_name": "T", "language_code": "en"},
            "chat": {"id": user, "type": "private"}}}

    async with httpx.AsyncClient(timeout=60) as http:
        async def pair(i: int, user: int) -> None:
            async with slots:
                codes = await asyncio.gather(
                    gateway_post(http, stack, message(base + 2 * i, user, "/help")),
                    gateway_post(http, stack, message(base + 2 * i + 1, user, "/start")),
                )
            assert codes == [200, 200]

        await asyncio.gather(*(pair(i, u) for i, u in enumerate(users)))

    async def all_processed() -> list[dict] | None:
        records = stack.processed(replicas)
        return records if len({r["update_id"] for r in records}) >= 2 * len(users) else None

    records = await eventually(all_processed, timeout=180, interval=0.5)
    by_user: dict[str, list[dict]] = {}
    for r in records:
        by_user.setdefault(r["user"], []).append(r)
    assert len(by_user) == len(users)
    for user, runs in by_user.items():
        runs.sort(key=lambda r: r["started_at"])
        assert len(runs) == 2, runs
        first, second = runs
        assert second["started_at"] >= first["finished_at"], (user, runs)
    served = {n: sum(r["replica"] == n for r in records) for n in replicas}
    even = len(records) / len(replicas)
    assert max(served.values()) <= 2 * even, served
    assert min(served.values()) > 0, served


async def test_every_update_delivered_twice_gives_the_same_data_as_once(
    stack: Stack, database_url: str
) -> None:
    replicas = ["handler-1", "handler-2"]
    # Bot API answers take 200 ms, so the replica killed below surely has updates in hand.
    stack.start_all(replicas, "--latency-ms", "200")
    progress: dict[str, int] = {}
    async with httpx.AsyncClient(
        base_url=stack.telegram_url, timeout=PATIENT * 2, limits=httpx.Limits(max_connections=None)
    ) as http:
        once = [TelegramUser(http, random_user_id(), max_attempts=100) for _ in range(30)]
        twice = [TelegramUser(http, random_user_id(), max_attempts=100, copies=2) for _ in range(30)]
        await asyncio.gather(*(conversation(u, n) for n, u in enumerate(once)))

        async def crash_midway() -> None:
            # A replica dies under load: what it had in hand is redelivered to the other.
            await eventually(lambda: asyncio.sleep(0, progress.get("registered", 0) >= 10), timeout=PATIENT)
            await asyncio.to_thread(stack.kill, "handler-1")
            await asyncio.to_thread(stack.start_handler, "handler-3")

        crash = asyncio.create_task(crash_midway())
        twice_texts = await asyncio.gather(*(conversation(u, n, progress) for n, u in enumerate(twice)))
        await crash

    for n, texts in enumerate(twice_texts):
        assert_replies_in_order(texts, n)

    def records() -> list[dict[str, Any]]:
        return [
            r for n in ["handler-1", "handler-2", "handler-3"] for r in stack.log_records(n)
            if r.get("msg") in ("update processed", "update already applied, skipped")
        ]

    async def every_second_copy_skipped() -> bool:  # the last copies may still be queued
        skipped = [r for r in records() if r["msg"] == "update already applied, skipped"]
        return len(skipped) >= 4 * len(twice)

    # Every copy handled before comparing: a late second copy must not change anything.
    await eventually(every_second_copy_skipped, timeout=30)
    assert any(r["redelivered"] for r in records()), "no update was redelivered after the crash"
    data_once = await stored(database_url, [u.user_id for u in once])
    data_twice = await stored(database_url, [u.user_id for u in twice])

    def alike(data: dict[str, Any]) -> dict[str, Any]:
        """The data but for the id of the update that asked the currency (each user's own)."""
        version, session = data["session"]
        return {**data, "session": (version, re.sub(r'("currency_asked_by": )-?[0-9]+', r"\1N", session))}

    assert [alike(data_once[u.user_id]) for u in once] == [alike(data_twice[u.user_id]) for u in twice]


async def test_services_started_before_rabbitmq_and_postgresql_wait_for_them(
    stack: Stack, amqp_url: str, database_url: str
) -> None:
    """Started while neither is reachable, every service waits and logs why, then serves."""
    amqp, db = TcpRelay(URL(amqp_url)), TcpRelay(URL(database_url))
    amqp_port, db_port = free_fixed_port(), free_fixed_port()
    stack.env["AMQP_URL"] = str(URL(amqp_url).with_port(amqp_port))
    stack.env["DATABASE_URL"] = str(URL(database_url).with_port(db_port))
    for name, module in [("session", "services.session"), ("handler-1", "services.handler"),
                         ("gateway", "services.gateway")]:
        stack.start(name, module, env={"INSTANCE_NAME": name})

    def waiting(name: str, what: str) -> bool:
        return any(r.get("msg") == f"{what} not reachable, retrying" for r in stack.log_records(name))

    await eventually(lambda: asyncio.sleep(0, all(
        waiting(n, w) for n, w in [("session", "PostgreSQL"), ("handler-1", "PostgreSQL"),
                                   ("gateway", "RabbitMQ")])), timeout=30)
    await db.start(db_port)
    await eventually(lambda: asyncio.sleep(0, waiting("session", "RabbitMQ")), timeout=30)
    await amqp.start(amqp_port)
    try:
        await asyncio.to_thread(stack.wait_started, "session")
        await asyncio.to_thread(stack.wait_started, "handler-1")
        await asyncio.to_thread(stack.wait_http, "gateway", f"{stack.gateway_url}/readyz")
        await asyncio.to_thread(stack.start_telegram)
        async with httpx.AsyncClient(base_url=stack.telegram_url, timeout=60) as http:
            user = TelegramUser(http, random_user_id())
            assert "/register" in await user.say("/start")
    finally:
        await asyncio.to_thread(stack.shutdown)
        await amqp.cut()
        await db.cut()


async def test_sigterm_finishes_the_update_in_hand_acknowledges_it_and_exits_cleanly(
    stack: Stack,
) -> None:
    stack.start_all(["handler-1"], "--latency-ms", "1500")  # each Bot API call takes 1.5 s
    async with httpx.AsyncClient(base_url=stack.telegram_url, timeout=60) as http:
        user = TelegramUser(http, random_user_id())
        await user.send("/start")  # answered once the gateway has queued it
        partition = partition_of(user.user_id, PARTITIONS)
        # Delivered (in hand, its Bot API call under way), not waiting in the queue.
        await eventually(lambda: partition_backlog(stack, partition, 0), timeout=10)
        code = await asyncio.to_thread(stack.terminate, "handler-1")
        assert code == 0, stack.logs("handler-1")[-2000:]
        assert "/register" in (await user.reply(timeout=5))["text"]  # the reply went out
        assert await partition_backlog(stack, partition, 0), "the update was put back, not acknowledged"
    assert len(stack.processed(["handler-1"])) == 1


async def test_a_poison_update_is_dead_lettered_and_replayed_once_its_cause_is_fixed(
    stack: Stack, database_url: str
) -> None:
    stack.start_all(["handler-1"])
    async with httpx.AsyncClient(base_url=stack.telegram_url, timeout=60) as http:
        user = TelegramUser(http, random_user_id())
        assert "Tournament registered" in await user.say("/register Poison Cup | 01.02.2025 | 10 | Club")
        await user.send("/result")
        listing = await user.reply()
        [(_, data)] = buttons(listing)
        await user.press(listing["message_id"], data)
        assert "Send your result" in (await user.reply())["text"]
        # The session gets corrupted (a tournament id PostgreSQL cannot even take): the
        # result typed next fails on every try.
        conn = await asyncpg.connect(database_url)
        try:
            good = await conn.fetchval(
                "SELECT session_data FROM session.bot_sessions WHERE user_id = $1", user.user_id)
            await conn.execute(
                "UPDATE session.bot_sessions SET session_data = jsonb_set(session_data,"
                " '{tournament_id}', '1180591620717411303424') WHERE user_id = $1", user.user_id)
        finally:
            await conn.close()
        poison = await user.send("3 | 850")

        async def buried() -> bool:
            return any(r.get("msg") == "update failed every try, dead-lettered"
                       and r.get("update_id") == poison for r in stack.log_records("handler-1"))

        await eventually(buried, timeout=30)
        # Held back no longer than those tries: the user's next update is answered.
        assert "What I can do" in await user.say("/help")

        listed = await run_admin("dead-letters", "list", "--json", env=stack.env)
        assert listed.code == 0, listed.err
        [letter] = [json.loads(line) for line in listed.out.splitlines()]
        assert (letter["update_id"], letter["reason"], letter["attempts"]) == (poison, "failed", 3)
        assert "DataError" in letter["error"]
        # The operator repairs the cause, then replays: the result is stored, once.
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(
                "UPDATE session.bot_sessions SET session_data = $2::jsonb WHERE user_id = $1",
                user.user_id, good)
        finally:
            await conn.close()
        replayed = await run_admin("dead-letters", "replay", str(poison), env=stack.env)
        assert replayed.code == 0, replayed.out + replayed.err
        assert "Result saved" in (await user.reply(timeout=30))["text"]
    assert await dead_letter_count(stack) == 0


async def test_replicas_joining_and_leaving_rebalance_by_themselves(stack: Stack) -> None:
    stack.start_all(["handler-1"])

    def owned(*expected: int) -> Callable[[], Awaitable[bool]]:
        names = [f"handler-{n}" for n in range(1, len(expected) + 1)]

        async def check() -> bool:
            return [stack.owned_partitions(n) for n in names] == list(expected)

        return check

    await eventually(owned(PARTITIONS), timeout=10)
    await asyncio.to_thread(stack.start_handler, "handler-2")  # joins: gets half, unasked
    await eventually(owned(PARTITIONS // 2, PARTITIONS // 2), timeout=10)
    async with httpx.AsyncClient(base_url=stack.telegram_url, timeout=60) as http:
        users = [TelegramUser(http, random_user_id()) for _ in range(20)]
        assert all("/register" in r for r in await asyncio.gather(*(u.say("/start") for u in users)))

        async def both_served() -> bool:  # each logs an update just after its reply went out
            processed = stack.processed(["handler-1", "handler-2"])
            return len(processed) == len(users) and {r["replica"] for r in processed} == {
                "handler-1", "handler-2"}

        await eventually(both_served, timeout=10)
        # handler-1 leaves (SIGTERM): handler-2 takes everything at its next heartbeat.
        left = time.monotonic()
        assert await asyncio.to_thread(stack.terminate, "handler-1") == 0
        await eventually(lambda: asyncio.sleep(0, stack.owned_partitions("handler-2") == PARTITIONS), timeout=10)
        assert time.monotonic() - left < 5
        assert all("What I can do" in r for r in await asyncio.gather(*(u.say("/help") for u in users)))
