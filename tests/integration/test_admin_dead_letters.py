"""``pokertracker-admin dead-letters`` run as an operator would: a process, against real RabbitMQ."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage

from shared.topology import (
    DEAD_LETTER_HEADERS,
    HEADER_ACCEPTED_AT,
    HEADER_DEAD_AT,
    HEADER_DEAD_ATTEMPTS,
    HEADER_DEAD_ERROR,
    HEADER_DEAD_INSTANCE,
    HEADER_DEAD_REASON,
    HEADER_REPLAYED_AT,
    HEADER_UPDATE_ID,
    HEADER_USER_ID,
    Topology,
)
from tests.admin_cli import Result, environ_without, run_admin
from tests.conftest import eventually, free_port, ready_messages
from tests.conftest import take_all as take_all_of

pytestmark = pytest.mark.integration

PARTITIONS = 4
DEAD_AT = 1_700_000_000_500  # ms: 2023-11-14T22:13:20Z
WRONG_PASSWORD = "not-the-password-7c1d"
ACCEPTED_AT = 1_699_999_999_250


@dataclass(frozen=True)
class Letter:
    update_id: int
    user_id: int | None
    body: bytes
    reason: str
    error: str


# Odd spacing and non-ASCII text: a replay must not re-encode the body.
LETTERS = (
    Letter(
        101,
        3,
        '{"update_id":101,"message":{"message_id":1,"from":{"id":3},"chat":{"id":3},'
        '"text":"/start héllo and a lot more text than fits"}}'.encode(),
        "failed",
        "ValueError: boom",
    ),
    Letter(
        102,
        12,
        b'{ "update_id" : 102 , "callback_query" : {"id": "c1", "from": {"id": 12}, "data": "bet:10"} }',
        "redelivered",
        "redelivered 3 times",
    ),
    Letter(103, None, b'{"update_id": 103, "channel_post": {"message_id": 9}}', "invalid", "E" * 500),
)


def dead_headers(letter: Letter) -> dict[str, aio_pika.abc.FieldValue]:
    headers: dict[str, aio_pika.abc.FieldValue] = {
        HEADER_UPDATE_ID: letter.update_id,
        HEADER_ACCEPTED_AT: ACCEPTED_AT,
        HEADER_DEAD_REASON: letter.reason,
        HEADER_DEAD_ATTEMPTS: 5,
        HEADER_DEAD_ERROR: letter.error,
        HEADER_DEAD_AT: DEAD_AT,
        HEADER_DEAD_INSTANCE: "handler-a",
    }
    if letter.user_id is not None:
        headers[HEADER_USER_ID] = letter.user_id
    return headers


async def declare(
    amqp_url: str, topology: Topology, *, partitions: bool = True, exchange: bool = True
) -> None:
    """The topology the gateway and handlers declare, with the handlers' dead letters in it."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        if exchange:
            spec = topology.updates_exchange
            updates = await channel.declare_exchange(spec.name, spec.type, durable=spec.durable)
            for index in range(topology.partitions) if partitions else ():
                queue_spec = topology.partition_queue(index)
                queue = await channel.declare_queue(
                    queue_spec.name, durable=True, arguments=queue_spec.arguments
                )
                await queue.bind(updates, routing_key=topology.partition_key(index))
        dlq = topology.dead_letters_queue
        await channel.declare_queue(dlq.name, durable=dlq.durable, arguments=dlq.arguments)
        for letter in LETTERS:
            await channel.default_exchange.publish(
                aio_pika.Message(
                    letter.body,
                    headers=dead_headers(letter),
                    content_type="application/json",
                    message_id=str(letter.update_id),
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=dlq.name,
            )
    finally:
        await connection.close()


async def has_length(amqp_url: str, name: str, expected: int) -> bool:
    return await ready_messages(amqp_url, name) == expected


async def take_all(amqp_url: str, name: str) -> list[AbstractIncomingMessage]:
    """Consume (and so remove) every message of a queue."""
    connection = await aio_pika.connect(amqp_url)
    try:
        return await take_all_of(await connection.channel(), name)
    finally:
        await connection.close()


@dataclass(frozen=True)
class Stack:
    amqp_url: str
    topology: Topology

    def env(self, amqp_url: str | None = None) -> dict[str, str]:
        env = environ_without({"AMQP_URL", "AMQP_NAMESPACE", "UPDATE_PARTITIONS", "LOG_LEVEL", "COLUMNS"})
        env.update(
            COLUMNS="120",
            AMQP_URL=amqp_url or self.amqp_url,
            AMQP_NAMESPACE=self.topology.namespace,
            UPDATE_PARTITIONS=str(self.topology.partitions),
        )
        return env

    async def admin(self, *args: str, amqp_url: str | None = None) -> Result:
        return await run_admin(*args, env=self.env(amqp_url))

    @property
    def dlq(self) -> str:
        return self.topology.dead_letters_queue.name

    async def partition_contents(self) -> dict[int, list[AbstractIncomingMessage]]:
        return {
            i: await take_all(self.amqp_url, self.topology.partition_queue(i).name)
            for i in range(self.topology.partitions)
        }


@pytest.fixture
def stack(amqp_url: str, namespace: str) -> Stack:
    """A namespace with nothing declared yet."""
    return Stack(amqp_url, Topology(namespace, PARTITIONS))


@pytest.fixture
async def dead(stack: Stack) -> AsyncIterator[Stack]:
    """The full topology with three dead letters in it."""
    await declare(stack.amqp_url, stack.topology)
    yield stack


def partition(topology: Topology, letter: Letter) -> int:
    return int(topology.routing_key(letter.user_id, letter.update_id).removeprefix("p"))


def test_the_letters_tell_partitions_apart() -> None:
    """Each letter in its own partition, never the one of its update id: a wrong route shows."""
    topology = Topology("any", PARTITIONS)
    assert len({partition(topology, letter) for letter in LETTERS}) == len(LETTERS)
    for letter in LETTERS:
        if letter.user_id is not None:
            assert partition(topology, letter) != int(topology.routing_key(None, letter.update_id)[1:])


async def test_list_shows_every_dead_letter_and_keeps_them(dead: Stack) -> None:
    result = await dead.admin("dead-letters", "list")
    assert result.code == 0, result
    header, *rows = result.out.splitlines()
    columns = ["UPDATE_ID", "USER_ID", "REASON", "ATTEMPTS", "DEAD_AT", "INSTANCE", "KIND", "ERROR"]
    assert header.split() == columns
    assert [row.split()[0] for row in rows[:3]] == ["101", "102", "103"]
    assert rows[0].split()[:6] == ["101", "3", "failed", "5", "2023-11-14T22:13:20Z", "handler-a"]
    assert "message: /start héllo" in rows[0] and "ValueError: boom" in rows[0]
    assert "callback: bet:10" in rows[1]
    assert "channel_post" in rows[2] and "E" * 20 + "…" in rows[2]
    assert "E" * 500 not in rows[2]  # the error is cut to the terminal's width
    assert "3 dead letters" in rows[3]
    assert result.err == ""
    await eventually(lambda: has_length(dead.amqp_url, dead.dlq, 3), timeout=5)
    assert await ready_messages(dead.amqp_url, dead.dlq) == 3
    # Listing twice shows the same: nothing was lost or taken by the first run.
    again = await dead.admin("dead-letters", "list")
    assert again.out == result.out


async def test_list_json_is_one_object_per_dead_letter(dead: Stack) -> None:
    result = await dead.admin("dead-letters", "list", "--json")
    assert result.code == 0, result
    entries = [json.loads(line) for line in result.out.splitlines()]
    assert [e["update_id"] for e in entries] == [101, 102, 103]
    assert entries[2] == {
        "update_id": 103,
        "user_id": None,
        "reason": "invalid",
        "attempts": 5,
        "dead_at": "2023-11-14T22:13:20Z",
        "instance": "handler-a",
        "error": "E" * 500,
        "kind": "channel_post",
    }
    assert entries[1]["kind"] == "callback: bet:10" and entries[1]["user_id"] == 12
    await eventually(lambda: has_length(dead.amqp_url, dead.dlq, 3), timeout=5)


async def test_list_without_dead_letters_says_so(stack: Stack) -> None:
    # Nothing declared: the command declares the dead-letter queue itself.
    result = await stack.admin("dead-letters", "list")
    assert (result.code, result.out) == (0, "no dead letters\n"), result
    json_result = await stack.admin("dead-letters", "list", "--json")
    assert (json_result.code, json_result.out) == (0, ""), json_result


async def test_replay_one_moves_exactly_it_into_its_partition(dead: Stack) -> None:
    result = await dead.admin("dead-letters", "replay", "102")
    assert result.code == 0, result
    assert result.out.strip() == "replayed 1 of 3 dead letters"

    letter = LETTERS[1]
    contents = await dead.partition_contents()
    assert {i: len(m) for i, m in contents.items() if m} == {partition(dead.topology, letter): 1}
    [replayed] = contents[partition(dead.topology, letter)]
    assert replayed.body == letter.body
    headers = replayed.headers
    assert not set(DEAD_LETTER_HEADERS) & set(headers)
    assert headers[HEADER_UPDATE_ID] == 102 and headers[HEADER_USER_ID] == 12
    assert headers[HEADER_ACCEPTED_AT] == ACCEPTED_AT  # copied as it was
    assert isinstance(headers[HEADER_REPLAYED_AT], int)
    assert replayed.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert (replayed.content_type, replayed.message_id) == ("application/json", "102")

    left = await take_all(dead.amqp_url, dead.dlq)
    assert sorted(m.headers[HEADER_UPDATE_ID] for m in left) == [101, 103]
    assert {m.headers[HEADER_DEAD_REASON] for m in left} == {"failed", "invalid"}


async def test_replay_all_empties_the_dead_letters(dead: Stack) -> None:
    result = await dead.admin("dead-letters", "replay", "--all")
    assert result.code == 0, result
    assert result.out.strip() == "replayed 3 of 3 dead letters"
    assert await ready_messages(dead.amqp_url, dead.dlq) == 0
    contents = await dead.partition_contents()
    where = {m.headers[HEADER_UPDATE_ID]: i for i, ms in contents.items() for m in ms}
    # Update 103 has no sender: it goes where its own id says, like the gateway sends it.
    assert where == {letter.update_id: partition(dead.topology, letter) for letter in LETTERS}


async def test_replay_of_an_unknown_id_names_it_and_fails(dead: Stack) -> None:
    result = await dead.admin("dead-letters", "replay", "101", "999")
    assert result.code == 1, result
    assert result.out.strip() == "replayed 1 of 3 dead letters"
    assert "not found" in result.err and "999" in result.err and "101" not in result.err
    assert sum(len(m) for m in (await dead.partition_contents()).values()) == 1
    await eventually(lambda: has_length(dead.amqp_url, dead.dlq, 2), timeout=5)


async def test_unroutable_replay_leaves_the_dead_letter(stack: Stack) -> None:
    # The exchange exists but no partition queue is bound: the publish comes back.
    await declare(stack.amqp_url, stack.topology, partitions=False)
    result = await stack.admin("dead-letters", "replay", "101")
    assert result.code == 1, result
    [line] = result.err.splitlines()
    assert "update 101 was not replayed" in line and "unroutable" in line
    assert result.out.strip() == "replayed 0 of 3 dead letters"
    await eventually(lambda: has_length(stack.amqp_url, stack.dlq, 3), timeout=5)


async def test_replay_without_the_updates_exchange_fails_clearly(stack: Stack) -> None:
    await declare(stack.amqp_url, stack.topology, exchange=False)
    result = await stack.admin("dead-letters", "replay", "--all")
    assert result.code == 1, result
    assert "does not exist" in result.err and stack.topology.updates_exchange.name in result.err
    await eventually(lambda: has_length(stack.amqp_url, stack.dlq, 3), timeout=5)


def with_password(url: str, password: str, port: int | None = None) -> str:
    parts = urlsplit(url)
    host = f"{parts.hostname}:{port or parts.port or 5672}"
    return urlunsplit(parts._replace(netloc=f"{parts.username or 'guest'}:{password}@{host}"))


@pytest.mark.parametrize("unreachable", [False, True], ids=["wrong-password", "nothing-listening"])
async def test_broker_not_reachable_exits_2_without_the_password(
    stack: Stack, unreachable: bool
) -> None:
    url = with_password(stack.amqp_url, WRONG_PASSWORD, free_port() if unreachable else None)
    for args in (("dead-letters", "list"), ("dead-letters", "replay", "--all")):
        result = await stack.admin(*args, amqp_url=url)
        assert result.code == 2, result
        [line] = result.err.splitlines()
        assert line.startswith("pokertracker-admin: cannot connect to RabbitMQ at ")
        assert ":***@" in line
        assert WRONG_PASSWORD not in result.err + result.out
