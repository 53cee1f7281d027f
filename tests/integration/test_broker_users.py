"""Every service under its own least-privilege RabbitMQ user (``pokertracker-admin broker users``).

The users of a fresh namespace are created on a real broker from the command's output, the
real services run under them (gateway, handler, session service, OCR service over real
AMQP, a fake Telegram, a database of their own) and carry a conversation, a ticket photo and
a dead letter through; ``pokertracker-admin dead-letters`` runs as the admin user.  Then each
user is shown to be refused, by RabbitMQ itself, what its service does not do, and
everything of another namespace.

The broker is a RabbitMQ node of this module's own (``devkit/rabbitmq_node.py``), started
from the installed rabbitmq-server package and removed at the end, so the machine's broker
gets no users and no definitions from the tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import secrets
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import aiormq.exceptions
import httpx
import pytest
from aio_pika.abc import AbstractChannel
from yarl import URL

from devkit.fake_telegram import FakeTelegramConfig
from devkit.fake_telegram import create_app as fake_telegram_app
from devkit.rabbitmq_node import PrivateRabbitMQ
from services.admin.broker_users import (
    SERVICES,
    password_variable,
    permissions,
    user_name,
)
from services.gateway.app import create_app as gateway_app
from services.gateway.settings import GatewaySettings
from services.handler.app import create_app as handler_app
from services.handler.settings import HandlerSettings
from services.ocr.app import create_app as ocr_app
from services.ocr.settings import OcrSettings
from services.session.app import create_app as session_app
from services.session.settings import SessionSettings
from shared.topology import HEADER_REPLAYED_AT, QUORUM, Topology
from tests.admin_cli import Result, environ_without, run_admin
from tests.conftest import database_of_its_own, eventually, free_port, own_rabbitmq, random_user_id
from tests.integration.conftest import running_app, serving
from tests.telegram_client import TelegramUser

pytestmark = pytest.mark.integration

PARTITIONS = 4
SECRET = "least_privilege_" + "s" * 32
SETTINGS_VARIABLES = (
    "AMQP_URL", "AMQP_URL_FILE", "AMQP_NAMESPACE", "UPDATE_PARTITIONS", "RABBITMQ_PASSWORD",
    *(password_variable(s) for s in SERVICES), *(password_variable(s) + "_FILE" for s in SERVICES),
)  # fmt: skip


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRabbitMQ]:
    with own_rabbitmq(tmp_path_factory.mktemp("broker-users") / "rabbitmq") as node:
        yield node


@pytest.fixture(scope="module")
def amqp_url(broker: PrivateRabbitMQ) -> str:
    """This module's broker, in place of the suite's."""
    return broker.url


def import_definitions(broker: PrivateRabbitMQ, document: dict, directory: Path) -> None:
    """``rabbitmqctl import_definitions`` of ``document``."""
    path = directory / "definitions.json"
    path.write_text(json.dumps(document))
    broker.ctl("import_definitions", str(path))


def user_url(amqp_url: str, user: str, password: str) -> str:
    return str(URL(amqp_url).with_user(user).with_password(password))


async def can_log_in(url: str) -> bool:
    try:
        connection = await aio_pika.connect(url, timeout=5)
    except Exception:  # refused until the (asynchronous) import has created the user
        return False
    await connection.close()
    return True


def admin_env(**extra: str) -> dict[str, str]:
    return {**environ_without(SETTINGS_VARIABLES), **extra}


@dataclass
class Users:
    namespace: str
    other: str  # a namespace none of the users is for
    urls: dict[str, str]  # by service

    def topology(self) -> Topology:
        return Topology(self.namespace, PARTITIONS)


async def declare_topology(amqp_url: str, topology: Topology) -> None:
    """Every queue and the exchange of a namespace, as its services declare them."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        spec = topology.updates_exchange
        exchange = await channel.declare_exchange(spec.name, spec.type, durable=True)
        for index, queue_spec in enumerate(topology.partition_queues):
            queue = await channel.declare_queue(queue_spec.name, durable=True, arguments=queue_spec.arguments)
            await queue.bind(exchange, routing_key=topology.partition_key(index))
        for queue_spec in (
            topology.dead_letters_queue, topology.ocr_queue,
            topology.session_requests_queue,
        ):  # fmt: skip
            await channel.declare_queue(queue_spec.name, durable=True, arguments=queue_spec.arguments)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
async def users(broker: PrivateRabbitMQ, amqp_url: str, tmp_path_factory: pytest.TempPathFactory) -> Users:
    """The five users of a fresh namespace, created from ``broker users --format definitions``
    with ``rabbitmqctl import_definitions``."""
    namespace = f"test-{uuid.uuid4().hex[:10]}"
    other = namespace + "x"  # starts like ours: only an anchored, escaped pattern keeps it out
    passwords = {s: secrets.token_urlsafe(18) for s in SERVICES}
    names = [user_name(namespace, s) for s in SERVICES]
    result = await run_admin(
        "broker", "users", "--namespace", namespace, "--format", "definitions",
        env=admin_env(**{password_variable(s): p for s, p in passwords.items()}),
    )  # fmt: skip
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert [u["name"] for u in document["users"]] == names
    assert not any(p in result.out for p in passwords.values())  # hashed, not in clear
    # As on a shared broker: its "/" is left as it is; the file's users and permissions go in.
    document.pop("vhosts")
    import_definitions(broker, document, tmp_path_factory.mktemp("definitions"))
    urls = {s: user_url(amqp_url, user_name(namespace, s), p) for s, p in passwords.items()}
    for url in urls.values():
        await eventually(lambda url=url: can_log_in(url), timeout=30, interval=0.2)
    for ns in (namespace, other):
        await declare_topology(amqp_url, Topology(ns, PARTITIONS))
    return Users(namespace, other, urls)


@dataclass
class Stack:
    users: Users
    telegram: httpx.AsyncClient  # the fake Telegram, for the simulated users
    gateway: httpx.AsyncClient


@pytest.fixture(scope="module")
async def stack(users: Users, database_url: str) -> AsyncIterator[Stack]:
    """Session service, a handler, the OCR service and the gateway, each as its own user."""
    token = f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(27)[:35]}"
    gateway_port, telegram_port = free_port(), free_port()
    telegram_url = f"http://127.0.0.1:{telegram_port}"
    common = {"amqp_namespace": users.namespace, "update_partitions": PARTITIONS}
    async with contextlib.AsyncExitStack() as stack:
        # A database of this module's own, so no other test's handler replicas share the
        # partition assignment (handler.replicas) with ours.
        db = await stack.enter_async_context(database_of_its_own(database_url, "pokertracker_users"))
        session = session_app(SessionSettings(
            amqp_url=users.urls["session"], amqp_namespace=users.namespace, database_url=db,
        ))  # fmt: skip
        handler = handler_app(HandlerSettings(
            amqp_url=users.urls["handler"], database_url=db, bot_token=token,
            telegram_api_url=telegram_url, instance_name="least-privilege", **common,
        ))  # fmt: skip
        ocr = ocr_app(OcrSettings(
            amqp_url=users.urls["ocr"], bot_token=token, telegram_api_url=telegram_url,
            ocr_languages="eng", **common,
        ))  # fmt: skip
        gateway = gateway_app(GatewaySettings(
            amqp_url=users.urls["gateway"], webhook_secret=SECRET, **common,
        ))  # fmt: skip
        gateway_url = await stack.enter_async_context(serving(gateway, gateway_port))
        fake = fake_telegram_app(FakeTelegramConfig(
            token=token, webhook_url=f"{gateway_url}/telegram/webhook", webhook_secret=SECRET,
        ))  # fmt: skip
        await stack.enter_async_context(serving(fake, telegram_port))
        for app in (session, handler, ocr):
            await stack.enter_async_context(running_app(app))
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=telegram_url, timeout=30))
        to_gateway = await stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=30))
        await eventually(lambda: ready(to_gateway))
        yield Stack(users, http, to_gateway)


async def ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def test_a_conversation_goes_gateway_handler_session_under_their_own_users(stack: Stack) -> None:
    user = TelegramUser(stack.telegram, random_user_id())
    assert "poker tournaments" in await user.say("/start")
    # The step is kept by the session service between the two updates.
    assert "Send the tournament in one line" in await user.say("/register")
    assert "Tournament registered" in await user.say("Main Event | 01.03.2025 | 100+10 | Casino")


def blank_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), "white").save(out, "JPEG")
    return out.getvalue()


async def test_a_ticket_photo_goes_through_the_ocr_service_under_its_own_user(stack: Stack) -> None:
    user = TelegramUser(stack.telegram, random_user_id())
    await user.send_photo(blank_jpeg())
    # The handler's OcrJob reached the OCR service, whose reading reached the user's partition.
    assert "Reading your ticket" in (await user.reply())["text"]
    assert "couldn't read that ticket" in (await user.reply(timeout=60))["text"]


async def dead_letter(amqp_url: str, queue: str) -> aio_pika.abc.AbstractIncomingMessage | None:
    """Take the one dead letter (as the test's own, unrestricted user)."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        found = await (await channel.declare_queue(queue, passive=True)).get(no_ack=True, fail=False)
        return found
    finally:
        await connection.close()


async def test_dead_letters_are_listed_and_replayed_under_the_admin_user(
    stack: Stack, amqp_url: str
) -> None:
    users = stack.users
    update_id, sender = random_user_id() % 10**9, random_user_id()
    # Accepted by the gateway (it has an update_id), refused by the handler: a dead letter.
    body = {"update_id": update_id, "message": {"from": {"id": sender}}}
    response = await stack.gateway.post(
        "/telegram/webhook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 200
    env = admin_env(
        AMQP_URL=users.urls["admin"], AMQP_NAMESPACE=users.namespace, UPDATE_PARTITIONS=str(PARTITIONS)
    )

    async def listed() -> list[dict]:
        result = await run_admin("dead-letters", "list", "--json", env=env)
        assert result.code == 0, result.err
        return [json.loads(line) for line in result.out.splitlines()]

    [letter] = await eventually(listed, timeout=30, interval=0.5)
    assert (letter["update_id"], letter["user_id"], letter["reason"]) == (update_id, sender, "invalid")
    replay: Result = await run_admin("dead-letters", "replay", str(update_id), env=env)
    assert replay.code == 0 and "replayed 1 of 1" in replay.out, replay
    # Published again into the partition as the admin user, consumed by the handler, which
    # dead-letters it once more: now marked as replayed.
    again = await eventually(
        lambda: dead_letter(amqp_url, users.topology().dead_letters_queue.name), timeout=30
    )
    assert HEADER_REPLAYED_AT in (again.headers or {})


# ------------------------------------------------------------------ and what they may not do

Operation = Callable[[AbstractChannel], Awaitable[object]]


async def ignore(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    pass


def consume(queue: str) -> Operation:
    async def run(channel: AbstractChannel) -> object:
        return await (await channel.get_queue(queue, ensure=False)).consume(ignore)

    return run


def get(queue: str) -> Operation:
    async def run(channel: AbstractChannel) -> object:
        return await (await channel.get_queue(queue, ensure=False)).get(fail=False)

    return run


def purge(queue: str) -> Operation:
    async def run(channel: AbstractChannel) -> object:
        return await (await channel.get_queue(queue, ensure=False)).purge()

    return run


def delete(queue: str) -> Operation:
    async def run(channel: AbstractChannel) -> object:
        return await channel.queue_delete(queue)

    return run


def declare(queue: str) -> Operation:
    async def run(channel: AbstractChannel) -> object:
        return await channel.declare_queue(queue, durable=True, arguments=QUORUM)

    return run


def publish(exchange: str, routing_key: str) -> Operation:
    async def run(channel: AbstractChannel) -> object:
        target = channel.default_exchange if exchange == "" else await channel.get_exchange(exchange, ensure=False)
        return await target.publish(aio_pika.Message(b"{}"), routing_key=routing_key)

    return run


# (user's service, what it tries, in which namespace: "own" or "other")
REFUSED: list[tuple[str, str, str]] = [
    ("gateway", "consume partition", "own"),
    ("gateway", "consume session.requests", "own"),
    ("gateway", "get dead-letters", "own"),
    ("gateway", "publish default", "own"),
    ("gateway", "publish updates", "other"),
    ("gateway", "declare partition", "other"),
    ("handler", "delete session.requests", "own"),
    ("handler", "purge session.requests", "own"),
    ("handler", "declare anything", "own"),
    ("handler", "declare Xocr", "own"),
    ("handler", "publish updates", "own"),
    ("handler", "consume partition", "other"),
    ("handler", "declare dead-letters", "other"),
    ("session", "publish updates", "own"),
    ("session", "consume partition", "own"),
    ("session", "declare partition", "own"),
    ("session", "consume ocr", "own"),
    ("session", "consume session.requests", "other"),
    ("session", "purge session.requests", "other"),
    ("ocr", "consume partition", "own"),
    ("ocr", "get dead-letters", "own"),
    ("ocr", "consume session.requests", "own"),
    ("ocr", "publish default", "own"),
    ("ocr", "consume ocr", "other"),
    ("ocr", "publish updates", "other"),
    ("admin", "consume partition", "own"),
    ("admin", "consume session.requests", "own"),
    ("admin", "purge partition", "own"),
    ("admin", "publish default", "own"),
    ("admin", "get dead-letters", "other"),
    ("admin", "publish updates", "other"),
]


def operation(what: str, namespace: str) -> tuple[Operation, str]:
    """The operation and the name RabbitMQ refuses it on."""
    t = Topology(namespace, PARTITIONS)
    queues = {
        "partition": t.partition_queue(0).name,
        "session.requests": t.session_requests_queue.name,
        "dead-letters": t.dead_letters_queue.name,
        "ocr": t.ocr_queue.name,
        "anything": f"{namespace}.anything",
        "Xocr": f"{namespace}Xocr",  # {ns}.ocr with the dot taken as "any character"
    }
    verb, target = what.split(" ", 1)
    if verb == "publish":
        if target == "default":
            return publish("", t.session_requests_queue.name), "amq.default"
        return publish(t.updates_exchange.name, t.partition_key(0)), t.updates_exchange.name
    run = {"consume": consume, "get": get, "purge": purge, "delete": delete, "declare": declare}[verb]
    return run(queues[target]), queues[target]


@pytest.mark.parametrize(("service", "what", "where"), REFUSED)
async def test_each_user_is_refused_what_its_service_does_not_do(
    users: Users, service: str, what: str, where: str
) -> None:
    run, name = operation(what, users.namespace if where == "own" else users.other)
    connection = await aio_pika.connect(users.urls[service])
    try:
        channel = await connection.channel()
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused) as refused:
            await asyncio.wait_for(run(channel), 10)
        assert f"'{name}'" in str(refused.value)  # refused on that very queue or exchange
    finally:
        await connection.close()


async def test_the_rabbitmqctl_script_sets_up_the_same_users_and_updates_existing_ones(
    broker: PrivateRabbitMQ, amqp_url: str,
) -> None:
    namespace = f"test-{uuid.uuid4().hex[:10]}"
    names = [user_name(namespace, s) for s in SERVICES]
    ocr = user_name(namespace, "ocr")
    script = await run_admin("broker", "users", "--namespace", namespace, env=admin_env())
    assert script.code == 0, script.err
    passwords = {password_variable(s): secrets.token_urlsafe(12) for s in SERVICES}
    try:
        missing = await asyncio.to_thread(
            subprocess.run,
            ["sh", "-c", script.out], env=admin_env(**broker.variables()),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert missing.returncode != 0 and "RABBITMQ_GATEWAY_PASSWORD" in missing.stderr
        # One user already there (an earlier run, another password): it is updated, not an error.
        broker.ctl("add_user", ocr, stdin="an-older-password\n")
        done = await asyncio.to_thread(
            subprocess.run,
            ["sh", "-c", script.out], env=admin_env(**broker.variables(), **passwords),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        listed = broker.ctl("-q", "list_permissions", "-p", "/")
        granted = {
            fields[0]: tuple(fields[1:4])
            for fields in (line.split("\t") for line in listed.splitlines())
            if fields[0] in names
        }
        assert granted == {user_name(namespace, s): tuple(p) for s, p in permissions(namespace).items()}
        assert await can_log_in(user_url(amqp_url, ocr, passwords[password_variable("ocr")]))
        assert not await can_log_in(user_url(amqp_url, ocr, "an-older-password"))
    finally:
        for name in names:
            broker.ctl("delete_user", name, check=False)  # also when it was never created
