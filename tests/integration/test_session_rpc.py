"""The session service over the real broker: typed replies, errors in replies, deadlines."""

from __future__ import annotations

import asyncio
import json
import time

import aio_pika
import asyncpg
import pytest

from services.common.amqp.rpc import RpcClient
from services.handler.errors import DependencyUnavailable
from services.handler.session_client import SessionClient
from services.session.app import create_app
from services.session.settings import SessionSettings
from shared.session_api import (
    GetSession,
    SessionBatch,
    SessionBatchReply,
    SessionConflict,
    SessionDuplicate,
    SessionError,
    SessionSaved,
    UpdateSession,
    batch_reply_adapter,
)
from shared.topology import Topology
from tests.conftest import eventually, random_user_id
from tests.integration.conftest import running_app

pytestmark = pytest.mark.integration


def session_settings(amqp_url: str, database_url: str, namespace: str, **kw) -> SessionSettings:
    return SessionSettings(amqp_url=amqp_url, database_url=database_url, amqp_namespace=namespace, **kw)


@pytest.fixture
async def client(amqp_url: str, namespace: str):
    c = SessionClient(amqp_url, Topology(namespace), timeout=3.0)
    yield c
    await c.close()


async def test_get_update_and_conflict_round_trip(amqp_url, database_url, namespace, client) -> None:
    async with running_app(create_app(session_settings(amqp_url, database_url, namespace))):
        uid = random_user_id()
        assert (await client.get(uid)).version == 0
        saved = await client.update(uid, 0, {"step": "register"})
        assert isinstance(saved, SessionSaved) and saved.version == 1
        assert isinstance(await client.update(uid, 0, {"step": "x"}), SessionConflict)
        snap = await client.get(uid)
        assert (snap.version, snap.data) == (1, {"step": "register"})


async def test_update_id_round_trip_applied_and_duplicate(amqp_url, database_url, namespace, client) -> None:
    async with running_app(create_app(session_settings(amqp_url, database_url, namespace))):
        uid, upd = random_user_id(), random_user_id()
        assert (await client.get(uid, update_id=upd)).applied is False
        saved = await client.update(uid, 0, {"step": "register"}, update_id=upd)
        assert isinstance(saved, SessionSaved) and saved.version == 1
        snap = await client.get(uid, update_id=upd)
        assert (snap.applied, snap.version, snap.data) == (True, 1, {"step": "register"})
        assert (await client.get(uid)).applied is False
        again = await client.update(uid, 1, {"step": "x"}, update_id=upd)
        assert again == SessionDuplicate(user_id=uid, update_id=upd)
        snap = await client.get(uid)
        assert (snap.version, snap.data) == (1, {"step": "register"})


async def test_conflict_over_the_broker_leaves_the_update_id_free(amqp_url, database_url, namespace, client) -> None:
    async with running_app(create_app(session_settings(amqp_url, database_url, namespace))):
        uid, upd = random_user_id(), random_user_id()
        await client.update(uid, 0, {"by": "other"})
        assert isinstance(await client.update(uid, 0, {"by": "me"}, update_id=upd), SessionConflict)
        assert (await client.get(uid, update_id=upd)).applied is False
        assert isinstance(await client.update(uid, 1, {"by": "me"}, update_id=upd), SessionSaved)


async def test_running_service_forgets_update_ids_past_the_retention(
    amqp_url, database_url, namespace, client, pg: asyncpg.Connection
) -> None:
    settings = session_settings(amqp_url, database_url, namespace, session_cleanup_interval_seconds=0.05)
    async with running_app(create_app(settings)):
        uid, old, recent = random_user_id(), random_user_id(), random_user_id()
        await client.update(uid, 0, {"n": 1}, update_id=old)
        await client.update(uid, 1, {"n": 2}, update_id=recent)
        assert (await client.get(uid, update_id=old)).applied is True
        # Past the default retention of 48 hours.
        await pg.execute(
            "UPDATE session.applied_updates SET applied_at = now() - interval '49 hours' WHERE update_id = $1", old
        )

        async def forgotten() -> bool:
            return not (await client.get(uid, update_id=old)).applied

        await eventually(forgotten)
        assert (await client.get(uid, update_id=recent)).applied is True


def test_dedupe_retention_cannot_be_shorter_than_telegrams_retries() -> None:
    base = dict(amqp_url="amqp://x", database_url="postgresql://x")
    assert SessionSettings(**base).dedupe_retention_seconds == 172_800
    with pytest.raises(ValueError):
        SessionSettings(**base, dedupe_retention_seconds=86_399)


async def test_health_file_is_kept_fresh_while_connected(amqp_url, database_url, namespace, tmp_path) -> None:
    health = tmp_path / "health"
    settings = session_settings(amqp_url, database_url, namespace, health_file=health)
    async with running_app(create_app(settings)):
        await eventually(lambda: asyncio.sleep(0, health.exists()), timeout=10)


async def test_many_requests_in_flight_at_once_all_answered(amqp_url, database_url, namespace, client) -> None:
    async with running_app(create_app(session_settings(amqp_url, database_url, namespace))):
        users = [random_user_id() for _ in range(300)]
        saved = await asyncio.gather(*(client.update(u, 0, {"u": u}) for u in users))
        assert all(isinstance(s, SessionSaved) for s in saved)
        snaps = await asyncio.gather(*(client.get(u) for u in users))
        assert [s.data["u"] for s in snaps] == users


async def test_malformed_request_gets_a_typed_error_reply(amqp_url, database_url, namespace) -> None:
    async with running_app(create_app(session_settings(amqp_url, database_url, namespace))):
        conn = await aio_pika.connect(amqp_url)
        channel = await conn.channel()
        replies = aio_pika.Queue(channel, "amq.rabbitmq.reply-to", durable=False, exclusive=False,
                                 auto_delete=False, arguments=None)
        got: asyncio.Queue[bytes] = asyncio.Queue()

        async def on_reply(m: aio_pika.abc.AbstractIncomingMessage) -> None:
            await got.put(m.body)

        await replies.consume(on_reply, no_ack=True)
        for body in [b"not json", json.dumps({"user_id": "abc"}).encode(),
                     json.dumps({"gets": [{"user_id": "abc"}]}).encode(),
                     json.dumps({"updates": [{"user_id": 1, "expected_version": -1, "data": {}}]}).encode()]:
            queue = Topology(namespace).session_requests_queue.name
            await channel.default_exchange.publish(
                aio_pika.Message(body, reply_to="amq.rabbitmq.reply-to", correlation_id="c"),
                routing_key=queue,
            )
            reply = SessionError.model_validate_json(await asyncio.wait_for(got.get(), 5))
            assert reply.code == "bad_request"
        await conn.close()


async def test_no_session_service_ends_at_the_deadline_instead_of_hanging(client: SessionClient) -> None:
    started = time.monotonic()
    with pytest.raises(DependencyUnavailable, match="in time"):
        await client.get(random_user_id())  # the queue does not even exist in this namespace
    assert time.monotonic() - started < 3.0 + 2.0  # the client's timeout, and some slack


async def test_session_service_that_never_answers_hits_the_deadline(amqp_url, namespace, client) -> None:
    conn = await aio_pika.connect(amqp_url)
    channel = await conn.channel()
    spec = Topology(namespace).session_requests_queue
    await channel.declare_queue(spec.name, durable=True, arguments=spec.arguments)  # nobody consumes
    with pytest.raises(DependencyUnavailable, match="in time"):
        await client.get(random_user_id())
    await conn.close()


async def test_one_batch_gives_every_item_its_own_outcome_and_a_retried_batch_applies_nothing_twice(
    amqp_url, database_url, namespace
) -> None:
    settings = session_settings(amqp_url, database_url, namespace, session_max_bytes=2_048)
    rpc = RpcClient(amqp_url, timeout=5.0)
    queue = Topology(namespace).session_requests_queue.name

    async def send(batch: SessionBatch) -> SessionBatchReply:
        reply = batch_reply_adapter.validate_json(await rpc.call(queue, batch.model_dump_json().encode()))
        assert isinstance(reply, SessionBatchReply)
        return reply

    try:
        async with running_app(create_app(settings)):
            fresh, taken, replayed, big = (random_user_id() for _ in range(4))
            upd = random_user_id()
            first = await send(SessionBatch(updates=[
                UpdateSession(user_id=taken, expected_version=0, data={"by": "other"}),
                UpdateSession(user_id=replayed, expected_version=0, data={"n": 1}, update_id=upd),
            ]))
            assert [u.kind for u in first.updates] == ["saved", "saved"]
            batch = SessionBatch(
                gets=[GetSession(user_id=replayed, update_id=upd), GetSession(user_id=fresh)],
                updates=[
                    UpdateSession(user_id=fresh, expected_version=0, data={"step": "register"}, update_id=upd + 1),
                    UpdateSession(user_id=taken, expected_version=0, data={"by": "me"}),
                    UpdateSession(user_id=replayed, expected_version=1, data={"n": 2}, update_id=upd),
                    UpdateSession(user_id=big, expected_version=0, data={"x": "y" * 4_000}),
                ],
            )
            reply = await send(batch)
            assert [(g.kind, g.applied) for g in reply.gets] == [("session", True), ("session", False)]
            assert [u.kind for u in reply.updates] == ["saved", "conflict", "duplicate", "too_large"]
            # The same batch again, as after a lost reply: the save is now a duplicate.
            again = await send(batch)
            assert [u.kind for u in again.updates] == ["duplicate", "conflict", "duplicate", "too_large"]
            client = SessionClient(amqp_url, Topology(namespace), timeout=3.0)
            try:
                snap = await client.get(fresh)
                assert (snap.version, snap.data) == (1, {"step": "register"})
                assert (await client.get(big)).version == 0
            finally:
                await client.close()
    finally:
        await rpc.close()


async def test_concurrent_calls_of_one_client_share_request_messages(amqp_url, database_url, namespace) -> None:
    sizes: list[int] = []
    client = SessionClient(amqp_url, Topology(namespace), timeout=5.0, observe_batch=sizes.append)
    try:
        async with running_app(create_app(session_settings(amqp_url, database_url, namespace))):
            users = [random_user_id() for _ in range(100)]
            saved = await asyncio.gather(*(client.update(u, 0, {"u": u}) for u in users))
            assert [s.version for s in saved if isinstance(s, SessionSaved)] == [1] * 100
            assert sum(sizes) == 100 and len(sizes) < 100 // 4  # far fewer messages than calls
    finally:
        await client.close()
