"""The gateway over real HTTP and the real broker."""

from __future__ import annotations

import asyncio
import json
import time

import aio_pika
import httpx
import pytest

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from shared.topology import (
    HEADER_ACCEPTED_AT,
    HEADER_UPDATE_ID,
    HEADER_USER_ID,
    Topology,
    partition_of,
)
from tests.conftest import eventually, free_port, random_user_id, take_all
from tests.integration.conftest import serving

pytestmark = pytest.mark.integration

SECRET = "s3cret_" + "x" * 40
PARTITIONS = 4


def gateway(amqp_url: str, namespace: str, **kw) -> object:
    return create_app(GatewaySettings(
        amqp_url=amqp_url, amqp_namespace=namespace, webhook_secret=SECRET,
        update_partitions=PARTITIONS, **kw,
    ))


async def post(client: httpx.AsyncClient, body: bytes | dict, secret: str | None = SECRET) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    return await client.post("/telegram/webhook", content=content, headers=headers)


async def ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def queued_by_partition(
    amqp_url: str, namespace: str
) -> dict[int, list[aio_pika.abc.AbstractIncomingMessage]]:
    """Every message in each partition queue, in queue order (and removed)."""
    conn = await aio_pika.connect(amqp_url)
    channel = await conn.channel()
    found = {}
    for index, spec in enumerate(Topology(namespace, PARTITIONS).partition_queues):
        found[index] = await take_all(channel, spec.name)
    await conn.close()
    return found


async def queued(amqp_url: str, namespace: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    return [m for ms in (await queued_by_partition(amqp_url, namespace)).values() for m in ms]


def message_from(user_id: int, update_id: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "from": {"id": user_id}, "chat": {"id": user_id}, "text": "hi"}}


async def test_accepted_update_is_queued_persistent_with_headers(amqp_url: str, namespace: str) -> None:
    update = message_from(5, 77)
    async with serving(gateway(amqp_url, namespace), free_port()) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            await eventually(lambda: ready(client))
            response = await post(client, update)
            assert response.status_code == 200
    by_partition = await queued_by_partition(amqp_url, namespace)
    [message] = by_partition[partition_of(5, PARTITIONS)]
    assert json.loads(message.body) == update
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.headers[HEADER_UPDATE_ID] == 77 and message.headers[HEADER_USER_ID] == 5
    accepted_at = message.headers[HEADER_ACCEPTED_AT]
    assert isinstance(accepted_at, int) and abs(accepted_at - time.time() * 1000) < 60_000


@pytest.mark.parametrize(
    ("body", "secret", "status"),
    [
        ({"update_id": 1}, None, 401),
        ({"update_id": 1}, "wrong" * 8, 403),
        (b"{not json", SECRET, 400),
        (b"\xff\xfe", SECRET, 400),
        (b"[" * 100_000 + b"]" * 100_000, SECRET, 400),
        ({"message": {}}, SECRET, 400),
        ({"update_id": "12"}, SECRET, 400),
        ({"update_id": 1.5}, SECRET, 400),
        ({"update_id": True}, SECRET, 400),
        ({"update_id": -1}, SECRET, 400),
        ({"update_id": 2**70}, SECRET, 400),
        (b'{"update_id": 1, "pad": "' + b"x" * 1_048_600 + b'"}', SECRET, 413),
    ],
)
async def test_rejected_requests_get_a_clear_status_and_are_not_queued(
    amqp_url: str, namespace: str, body: bytes | dict, secret: str | None, status: int
) -> None:
    async with serving(gateway(amqp_url, namespace), free_port()) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            await eventually(lambda: ready(client))
            assert (await post(client, body, secret)).status_code == status
            assert (await client.get("/healthz")).status_code == 200
    assert await queued(amqp_url, namespace) == []


async def test_unroutable_update_is_refused_with_503(amqp_url: str, namespace: str) -> None:
    async with serving(gateway(amqp_url, namespace), free_port()) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            await eventually(lambda: ready(client))
            conn = await aio_pika.connect(amqp_url)
            channel = await conn.channel()
            # An update without a sender goes to the partition of its own id.
            await channel.queue_delete(
                Topology(namespace, PARTITIONS).partition_queue(partition_of(3, PARTITIONS)).name
            )
            await conn.close()
            response = await post(client, {"update_id": 3})
            assert response.status_code == 503 and response.headers["retry-after"] == "1"


async def test_broker_unreachable_means_not_ready_and_503(namespace: str) -> None:
    dead = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    async with serving(gateway(dead, namespace, publish_timeout_seconds=1.0), free_port()) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 503
            assert (await post(client, {"update_id": 4})).status_code == 503


async def test_gateway_answers_many_concurrent_deliveries(amqp_url: str, namespace: str) -> None:
    async with serving(gateway(amqp_url, namespace), free_port()) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            await eventually(lambda: ready(client))
            responses = await asyncio.gather(*(post(client, {"update_id": i}) for i in range(200)))
    assert {r.status_code for r in responses} == {200}
    ids = sorted(json.loads(m.body)["update_id"] for m in await queued(amqp_url, namespace))
    assert ids == list(range(200))


async def test_one_users_updates_share_a_partition_in_the_order_accepted(
    amqp_url: str, namespace: str
) -> None:
    users = [random_user_id() for _ in range(12)]
    async with serving(gateway(amqp_url, namespace), free_port()) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            await eventually(lambda: ready(client))
            for n in range(5):  # each post answered before the next: accepted in this order
                for i, user in enumerate(users):
                    assert (await post(client, message_from(user, 1000 + n * 100 + i))).status_code == 200
    by_partition = await queued_by_partition(amqp_url, namespace)
    for user in users:
        mine = [json.loads(m.body)["update_id"] for m in by_partition[partition_of(user, PARTITIONS)]
                if m.headers[HEADER_USER_ID] == user]
        assert mine == sorted(mine) and len(mine) == 5
    assert sum(1 for ms in by_partition.values() if ms) > 1, "every user landed in one partition"
