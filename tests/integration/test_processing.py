"""The per-update pipeline's failure paths, with real PostgreSQL and a real HTTP Bot API.

The session service and the dead-letter queue are replaced by in-memory ports here so that
conflicts, outages and failures can be staged exactly; their real behaviour is covered in
test_session_rpc.py and the e2e tests.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from devkit.fake_telegram import FakeTelegramConfig, create_app
from services.common import db
from services.common.telegram import open_session
from services.handler import bookkeeping
from services.handler.bot_api import BotApi, UserFiles
from services.handler.errors import DependencyUnavailable
from services.handler.metrics import HandlerMetrics
from services.handler.pipeline import Effects, PipelineLimits, Settlement, UpdateApplier
from services.handler.texts.en import EN
from services.handler.tracker.postgres import PgStore
from services.handler.tracker.schema import MIGRATIONS, SCHEMA
from shared.ocr_api import KIND_TICKET_READ, OcrJob, TicketRead, ticket_event_id
from shared.session_api import (
    SessionConflict,
    SessionDuplicate,
    SessionSaved,
    SessionSnapshot,
    SessionTooLarge,
    session_size,
)
from shared.topology import HEADER_DELIVERY_COUNT, HEADER_KIND, HEADER_UPDATE_ID
from tests.conftest import eventually, free_port, random_user_id
from tests.integration.conftest import serving

pytestmark = pytest.mark.integration

TOKEN = "4242424242:" + "T" * 35


class StagedSessions:
    """Versioned sessions in memory with update_id dedupe, and scripted failures."""

    def __init__(self) -> None:
        self.store: dict[int, tuple[int, dict[str, Any]]] = {}
        self.applied: set[int] = set()
        self.fail_gets = 0
        self.fail_updates = 0  # outages of the write: the first these many raise
        self.lose_update_answers = 0  # writes that go through, their answer lost
        self.broken_users: set[int] = set()  # get raises a bug-like error for these
        self.concurrent_write_before_next_update = False
        self.writes = 0
        self.max_bytes: int | None = None  # like SESSION_MAX_BYTES of the session service

    async def get(self, user_id: int, update_id: int | None = None) -> SessionSnapshot:
        if user_id in self.broken_users:
            raise RuntimeError("staged bug")
        if self.fail_gets:
            self.fail_gets -= 1
            raise DependencyUnavailable("staged outage")
        version, data = self.store.get(user_id, (0, {}))
        return SessionSnapshot(
            user_id=user_id, version=version, data=data, applied=update_id in self.applied
        )

    async def update(self, user_id: int, expected_version: int, data: dict[str, Any], update_id: int | None = None):
        if self.fail_updates:
            self.fail_updates -= 1
            raise DependencyUnavailable("staged outage of writes")
        if self.lose_update_answers:
            self.lose_update_answers -= 1
            await self.update(user_id, expected_version, data, update_id)
            raise DependencyUnavailable("staged lost answer")
        if update_id in self.applied:
            return SessionDuplicate(user_id=user_id, update_id=update_id)
        version, current = self.store.get(user_id, (0, {}))
        if self.concurrent_write_before_next_update:  # someone else wrote in between
            self.concurrent_write_before_next_update = False
            self.store[user_id] = (version + 1, current)
            version += 1
        if version != expected_version:
            return SessionConflict(user_id=user_id, expected_version=expected_version, current_version=version)
        if self.max_bytes is not None and data != current and (size := session_size(data)) > self.max_bytes:
            return SessionTooLarge(user_id=user_id, size=size, limit=self.max_bytes)
        self.writes += 1
        self.applied.add(update_id)
        self.store[user_id] = (version + 1, data)
        return SessionSaved(user_id=user_id, version=version + 1, expires_at="2030-01-01T00:00:00Z")


class OcrQueue:
    def __init__(self) -> None:
        self.jobs: list[OcrJob] = []

    async def submit(self, job: OcrJob) -> None:
        self.jobs.append(job)


class DeadLetters:
    def __init__(self) -> None:
        self.letters: list[dict[str, Any]] = []

    async def put(self, body: bytes, headers: dict[str, Any], *, reason: str, attempts: int, error: str) -> None:
        self.letters.append({"body": body, "headers": headers, "reason": reason, "attempts": attempts, "error": error})


@dataclass
class Delivery:
    body: bytes
    redelivered: bool = False
    routing_key: str = "p0"
    headers: dict[str, Any] = field(default_factory=dict)
    acked: bool = False

    async def ack(self, multiple: bool = False) -> None:
        self.acked = True


@dataclass
class Parts:
    """The pipeline's collaborators, as staged here."""

    sessions: StagedSessions
    pool: Any
    bot: BotApi
    dead: DeadLetters
    files: UserFiles
    ocr: OcrQueue


class Processor(Settlement):
    """The whole pipeline on staged parts, with metrics of its own."""

    def __init__(self, parts: Parts, limits: PipelineLimits) -> None:
        self.parts = parts
        self.ocr_queue = parts.ocr  # for the tests to read
        metrics = HandlerMetrics(CollectorRegistry())
        applier = UpdateApplier(
            parts.sessions, PgStore(parts.pool), parts.files, Effects(parts.bot, parts.ocr),
            limits=limits, metrics=metrics,
        )
        super().__init__(applier, parts.dead, instance="test", limits=limits, metrics=metrics)


@pytest.fixture
async def world(database_url: str):
    pool = await db.open_pool(
        database_url, max_size=4,
        schemas=[(SCHEMA, MIGRATIONS), (bookkeeping.SCHEMA, bookkeeping.MIGRATIONS)],
    )
    telegram = create_app(FakeTelegramConfig(token=TOKEN))
    async with serving(telegram, free_port()) as url, open_session(10.0, 8) as http:
        sessions, dead = StagedSessions(), DeadLetters()
        bot = BotApi(http, url, TOKEN, max_attempts=2, max_backoff=0.1)
        parts = Parts(sessions, pool, bot, dead, UserFiles(bot), OcrQueue())
        processor = Processor(parts, PipelineLimits(
            max_attempts=3, max_redeliveries=2, max_backoff=0.2, failure_pause=0.05,
        ))
        yield processor, sessions, telegram.state.fake, pool, dead
    await pool.close()


def update(update_id: int, user_id: int, text: str) -> bytes:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "from": {"id": user_id, "first_name": "T", "language_code": "en"},
        "chat": {"id": user_id, "type": "private"}, "text": text}}).encode()


def delivery(update_id: int, user_id: int, text: str, **kw: Any) -> Delivery:
    return Delivery(update(update_id, user_id, text), headers={HEADER_UPDATE_ID: update_id}, **kw)


def sent_texts(fake, user_id: int) -> list[str]:
    return [c["params"]["text"] for c in fake.calls
            if c["method"] == "sendMessage" and c["params"]["chat_id"] == user_id]


async def handle(processor: Settlement, d: Delivery) -> Delivery:
    await processor.handle(d, asyncio.Event())
    return d


async def test_conflicting_session_write_reruns_the_update_on_fresh_state(world) -> None:
    processor, sessions, fake, pool, _ = world
    uid = random_user_id()
    sessions.concurrent_write_before_next_update = True
    d = await handle(processor, delivery(uid % 10**9, uid, "/register Cup | 01.02.2025 | 10 | Club"))
    assert d.acked and sessions.writes == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM tracker.tournaments WHERE player_id = $1", uid) == 1
    assert all("Tournament registered" in t for t in sent_texts(fake, uid))


async def test_session_outage_is_waited_out(world) -> None:
    processor, sessions, fake, _, _ = world
    uid = random_user_id()
    sessions.fail_gets = 2
    d = await handle(processor, delivery(2, uid, "/start"))
    assert d.acked and len(sent_texts(fake, uid)) == 1 and sessions.writes == 1


async def test_an_outage_is_waited_out_until_the_partition_is_given_up(world) -> None:
    processor, sessions, fake, _, dead = world
    uid = random_user_id()
    sessions.fail_gets = 10**6
    stopping = asyncio.Event()
    d = delivery(3, uid, "/start")
    task = asyncio.create_task(processor.handle(d, stopping))
    await eventually(lambda: asyncio.sleep(0, sessions.fail_gets < 10**6 - 3))  # still retrying
    assert not task.done()
    stopping.set()  # hand-over or SIGTERM
    await asyncio.wait_for(task, 5)
    assert not d.acked, "an update that was not done must not be acknowledged"
    assert sent_texts(fake, uid) == [] and sessions.writes == 0 and dead.letters == []


async def test_an_update_applied_before_is_acknowledged_without_doing_it_again(world) -> None:
    processor, sessions, fake, _pool, _ = world
    uid = random_user_id()
    first = await handle(processor, delivery(uid % 10**9, uid, "/register Cup | 01.02.2025 | 10 | Club"))
    again = await handle(processor, delivery(uid % 10**9, uid, "/register Cup | 01.02.2025 | 10 | Club"))
    assert first.acked and again.acked
    assert sessions.writes == 1 and len(sent_texts(fake, uid)) == 1


async def test_something_that_is_not_an_update_is_dead_lettered(world) -> None:
    processor, sessions, fake, _, dead = world
    before = len(fake.calls)
    d = await handle(processor, Delivery(b'{"update_id": 5, "message": "not an object"}'))
    assert d.acked and len(fake.calls) == before and sessions.writes == 0
    [letter] = dead.letters
    assert letter["reason"] == "invalid" and letter["body"] == d.body


async def test_an_update_that_fails_every_try_is_dead_lettered_after_the_last(world) -> None:
    processor, sessions, fake, _, dead = world
    uid = random_user_id()
    sessions.broken_users.add(uid)
    d = await handle(processor, delivery(6, uid, "/start"))
    assert d.acked
    [letter] = dead.letters
    assert letter["reason"] == "failed" and letter["attempts"] == 3
    assert "staged bug" in letter["error"] and letter["headers"] == {HEADER_UPDATE_ID: 6}
    # The user's next update is not held back any longer.
    sessions.broken_users.clear()
    assert (await handle(processor, delivery(7, uid, "/start"))).acked
    assert len(sent_texts(fake, uid)) == 1


def returned(update_id: int, user_id: int, text: str, times: int) -> Delivery:
    """A delivery its quorum queue returned ``times`` times before (x-delivery-count)."""
    d = delivery(update_id, user_id, text, redelivered=True)
    d.headers[HEADER_DELIVERY_COUNT] = times
    return d


async def test_an_outage_of_session_writes_does_not_send_the_replies_again(world) -> None:
    """A failover can leave the session service able to read but not to write for a while:
    the step's replies went out once, and only the write is waited out."""
    processor, sessions, fake, _pool, dead = world
    uid = random_user_id()
    sessions.fail_updates = 3
    assert (await handle(processor, delivery(uid % 10**9, uid, "/register"))).acked
    sessions.lose_update_answers = 1  # the write went through, its answer did not come
    assert (await handle(processor, delivery(uid % 10**9 + 1, uid, "Sunday Major"))).acked
    texts = sent_texts(fake, uid)
    assert len(texts) == 2, texts
    assert sessions.store[uid][0] == 2 and dead.letters == []
    # The step whose write's answer was lost counts as applied by this run, not skipped.
    processed = processor._metrics.processed
    assert processed.labels("text", "applied")._value.get() == 1
    assert processed.labels("text", "duplicate")._value.get() == 0


async def test_an_update_that_keeps_coming_back_unfinished_is_dead_lettered(world) -> None:
    processor, _sessions, fake, _pool, dead = world
    uid = random_user_id()
    update_id = uid % 10**9
    # Returned twice before (its replica died twice; max_redeliveries=2): still tried.
    assert (await handle(processor, returned(update_id + 1, uid, "/help", 2))).acked
    assert dead.letters == []
    # A third return: it is what kills the replicas, so it is dead-lettered untried.
    d = await handle(processor, returned(update_id, uid, "/start", 3))
    assert d.acked
    [letter] = dead.letters
    assert letter["reason"] == "redelivered" and letter["attempts"] == 4
    assert len(sent_texts(fake, uid)) == 1  # /help answered once; /start never ran


async def test_updates_returned_with_a_poison_one_are_run_not_buried_with_it(world) -> None:
    """The queue counts every delivery in hand at each death: the updates that sat behind
    the poison one were returned as often, and are run once it is dead-lettered."""
    processor, _sessions, fake, _pool, dead = world
    poison, innocent, later_poison = random_user_id(), random_user_id(), random_user_id()
    assert (await handle(processor, returned(poison % 10**9, poison, "/start", 3))).acked
    assert [letter["attempts"] for letter in dead.letters] == [4]
    # Returned as often as the poison one, behind it: run, answered, not dead-lettered.
    assert (await handle(processor, returned(innocent % 10**9, innocent, "/help", 3))).acked
    assert len(sent_texts(fake, innocent)) == 1 and len(dead.letters) == 1
    # Returned more often than that: it killed a replica after the first was gone.
    assert (await handle(processor, returned(later_poison % 10**9, later_poison, "/start", 4))).acked
    assert len(dead.letters) == 2 and sent_texts(fake, later_poison) == []


async def test_a_photo_goes_to_ocr_and_its_reading_comes_back_through_the_partition(world) -> None:
    processor, sessions, fake, _, dead = world
    user = random_user_id()
    photo = json.dumps({"update_id": 500, "message": {
        "message_id": 1, "from": {"id": user, "first_name": "T", "language_code": "en"},
        "chat": {"id": user, "type": "private"},
        "photo": [{"file_id": "small", "width": 90, "height": 60},
                  {"file_id": "big", "width": 1280, "height": 960}]}}).encode()
    await processor.handle(Delivery(photo), asyncio.Event())
    (job,) = processor.ocr_queue.jobs
    assert (job.user_id, job.update_id, job.file_id) == (user, 500, "big")
    reading = TicketRead(user_id=user, chat_id=user, event_id=ticket_event_id(500), status="read",
                         language_code="en", fields={"name": "Sunday Major"})
    delivery = Delivery(reading.model_dump_json().encode(), headers={HEADER_KIND: KIND_TICKET_READ})
    await processor.handle(delivery, asyncio.Event())
    await processor.handle(delivery, asyncio.Event())  # the OCR service published it twice
    assert delivery.acked and not dead.letters
    shown = [c for c in fake.calls if c["method"] == "sendMessage" and "Sunday Major" in c["params"]["text"]]
    assert len(shown) == 1 and sessions.store[user][1]["step"] == "ticket"
    assert -500 in sessions.applied


async def test_a_reading_that_breaks_the_contract_is_dead_lettered(world) -> None:
    processor, _, _, _, dead = world
    delivery = Delivery(b'{"user_id": 1}', headers={HEADER_KIND: KIND_TICKET_READ})
    await processor.handle(delivery, asyncio.Event())
    assert delivery.acked and [d["reason"] for d in dead.letters] == ["invalid"]


# ---------------------------------------------------------------- the session size limit


def capped(processor: Processor, session_max_bytes: int) -> Processor:
    """The world's processor with another SESSION_MAX_BYTES."""
    return Processor(processor.parts, PipelineLimits(
        max_attempts=3, max_backoff=0.2, failure_pause=0.05, session_max_bytes=session_max_bytes,
    ))


def press(update_id: int, user_id: int, data: str) -> Delivery:
    body = json.dumps({"update_id": update_id, "callback_query": {
        "id": f"cq-{update_id}", "data": data,
        "from": {"id": user_id, "first_name": "T", "language_code": "en"},
        "message": {"message_id": 1, "chat": {"id": user_id, "type": "private"}}}}).encode()
    return Delivery(body, headers={HEADER_UPDATE_ID: update_id})


def last_buttons(fake, user_id: int) -> list[str]:
    for call in reversed(fake.calls):
        params = call["params"]
        if call["method"] == "sendMessage" and params["chat_id"] == user_id and "reply_markup" in params:
            return [b["callback_data"] for row in params["reply_markup"]["inline_keyboard"] for b in row]
    raise AssertionError("no buttons sent")


async def tournaments(pool, user_id: int) -> list[tuple]:
    rows = await pool.fetch("SELECT id, name, venue FROM tracker.tournaments WHERE player_id = $1 ORDER BY id", user_id)
    return [tuple(r) for r in rows]


async def editing(world, ids) -> tuple[int, int]:
    """A user with a tournament, in /edit with its draft open; (user, tournament id)."""
    processor, sessions, fake, _pool, _ = world
    uid = random_user_id()
    await handle(processor, delivery(next(ids), uid, "/register Cup | 01.02.2025 | 10 | Club"))
    await handle(processor, delivery(next(ids), uid, "/edit"))
    [data] = last_buttons(fake, uid)
    await handle(processor, press(next(ids), uid, data))
    assert sessions.store[uid][1]["step"] == "edit"
    return uid, int(data.split(":")[1])


async def test_a_step_whose_session_would_be_too_large_is_refused_and_nothing_changes(world) -> None:
    processor, sessions, fake, pool, dead = world
    ids = iter(range(random_user_id() % 10**9, 10**10))
    uid, _ = await editing(world, ids)
    version, before = sessions.store[uid]
    stored = await tournaments(pool, uid)
    small = capped(processor, session_size(before) + 40)
    calls = len(fake.calls)

    d = await handle(small, delivery(update_id := next(ids), uid, "name: " + "Very long name " * 6))
    assert d.acked and dead.letters == []
    # Told, instead of the flow's "So far: ..." card.
    assert [c["params"]["text"] for c in fake.calls[calls:]] == [EN.session_too_large]
    # The session is as it was, and the update counts as done (a redelivery is a no-op).
    assert sessions.store[uid][1] == before and update_id in sessions.applied
    assert await tournaments(pool, uid) == stored
    again = await handle(small, delivery(update_id, uid, "name: " + "Very long name " * 6))
    assert again.acked and len(fake.calls) == calls + 1

    # The step is still open: a smaller change goes through, and done saves it.
    await handle(small, delivery(next(ids), uid, "name: Cup II"))
    assert sent_texts(fake, uid)[-1].startswith("So far:")
    await handle(small, delivery(next(ids), uid, "done"))
    assert [name for _, name, _ in await tournaments(pool, uid)] == ["Cup II"]
    assert sessions.store[uid][0] > version


async def test_a_refused_button_press_is_still_answered(world) -> None:
    processor, sessions, fake, _pool, _ = world
    uid = random_user_id()
    await handle(processor, delivery(uid % 10**9, uid, "/register Cup | 01.02.2025 | 10 | Club"))
    await handle(processor, delivery(uid % 10**9 + 1, uid, "/edit"))
    [data] = last_buttons(fake, uid)
    before = sessions.store[uid][1]
    calls = len(fake.calls)
    # The pick would open a draft of the whole tournament: more than this limit allows.
    await handle(capped(processor, session_size(before) + 10), press(uid % 10**9 + 2, uid, data))
    assert [(c["method"], c["params"].get("text")) for c in fake.calls[calls:]] == [
        ("answerCallbackQuery", None), ("sendMessage", EN.session_too_large)]
    assert sessions.store[uid][1] == before


async def test_a_refused_step_rolls_its_tracker_changes_back(world) -> None:
    processor, sessions, fake, pool, _ = world
    uid = random_user_id()
    # A limit below even an idle session: /register stores a tournament, then would leave
    # a session of 2 bytes.  The tournament must go with the refused step.
    d = await handle(capped(processor, 1), delivery(uid % 10**9, uid, "/register Cup | 01.02.2025 | 10 | Club"))
    assert d.acked and sent_texts(fake, uid) == [EN.session_too_large]
    assert await tournaments(pool, uid) == []
    assert uid % 10**9 in sessions.applied and sessions.store[uid][1] == {}
    await handle(processor, delivery(uid % 10**9 + 1, uid, "/register Cup | 01.02.2025 | 10 | Club"))
    assert len(await tournaments(pool, uid)) == 1, "the update id was not used up in the tracker"


async def test_the_session_services_refusal_is_handled_once_not_retried_or_dead_lettered(world) -> None:
    processor, sessions, fake, _pool, dead = world
    ids = iter(range(random_user_id() % 10**9, 10**10))
    uid, _ = await editing(world, ids)
    before = sessions.store[uid][1]
    sessions.max_bytes = session_size(before) + 40  # the service keeps less than the handler
    limited = capped(processor, 16_384)
    calls = len(fake.calls)

    d = await handle(limited, delivery(update_id := next(ids), uid, "name: " + "Very long name " * 6))
    assert d.acked and dead.letters == [] and update_id in sessions.applied
    assert sessions.store[uid][1] == before
    texts = [c["params"]["text"] for c in fake.calls[calls:]]
    # The flow's reply was out before the service said no; then the user is told.
    assert len(texts) == 2 and texts[0].startswith("So far:") and texts[1] == EN.session_too_large

    # From then on the handler keeps to the service's limit: refused before any reply.
    calls = len(fake.calls)
    await handle(limited, delivery(next(ids), uid, "venue: " + "Very long venue " * 6))
    assert [c["params"]["text"] for c in fake.calls[calls:]] == [EN.session_too_large]
    assert sessions.store[uid][1] == before


async def test_a_button_press_is_answered_together_with_its_first_message(database_url: str) -> None:
    """The callback answer and the step's message go out at once, not one after the other:
    with 300 ms per Bot API call they reach Telegram within a fraction of that apart."""
    latency = 0.3
    pool = await db.open_pool(
        database_url, max_size=4,
        schemas=[(SCHEMA, MIGRATIONS), (bookkeeping.SCHEMA, bookkeeping.MIGRATIONS)],
    )
    telegram = create_app(FakeTelegramConfig(token=TOKEN, latency=latency))
    try:
        async with serving(telegram, free_port()) as url, open_session(10.0, 8) as http:
            sessions, dead = StagedSessions(), DeadLetters()
            bot = BotApi(http, url, TOKEN, max_attempts=2, max_backoff=0.1)
            processor = Processor(
                Parts(sessions, pool, bot, dead, UserFiles(bot), OcrQueue()),
                PipelineLimits(),
            )
            fake = telegram.state.fake
            uid = random_user_id()
            await handle(processor, delivery(uid % 10**9, uid, "/register Cup | 01.02.2025 | 10 | Club"))
            await handle(processor, delivery(uid % 10**9 + 1, uid, "/result"))
            keyboard = next(c["params"]["reply_markup"] for c in reversed(fake.calls)
                            if c["method"] == "sendMessage" and c["params"]["chat_id"] == uid)
            data = keyboard["inline_keyboard"][0][0]["callback_data"]
            press = {"update_id": uid % 10**9 + 2, "callback_query": {
                "id": "cb-1", "from": {"id": uid, "first_name": "T", "language_code": "en"},
                "data": data, "message": {"message_id": 1, "chat": {"id": uid, "type": "private"}, "date": 0}}}
            before = len(fake.calls)
            d = await handle(processor, Delivery(json.dumps(press).encode()))
            assert d.acked
            calls = fake.calls[before:]
            assert [c["method"] for c in sorted(calls, key=lambda c: c["ts"])] in (
                ["answerCallbackQuery", "sendMessage"], ["sendMessage", "answerCallbackQuery"])
            answered = next(c["ts"] for c in calls if c["method"] == "answerCallbackQuery")
            messaged = next(c["ts"] for c in calls if c["method"] == "sendMessage")
            assert abs(messaged - answered) < latency / 2  # sent together, not in turn
    finally:
        await pool.close()


def inline_query(update_id: int, user_id: int, query: str) -> Delivery:
    body = json.dumps({"update_id": update_id, "inline_query": {
        "id": f"iq-{update_id}", "query": query, "offset": "", "chat_type": "supergroup",
        "from": {"id": user_id, "first_name": "T", "language_code": "en"}}}).encode()
    return Delivery(body, headers={HEADER_UPDATE_ID: update_id})


async def test_an_inline_query_is_answered_once_and_leaves_the_open_step_as_it_was(world) -> None:
    processor, sessions, fake, _pool, dead = world
    ids = iter(range(random_user_id() % 10**9, 10**10))
    uid, tid = await editing(world, ids)
    _, before = sessions.store[uid]
    calls = len(fake.calls)

    d = await handle(processor, inline_query(update_id := next(ids), uid, f"result {tid}"))
    assert d.acked and dead.letters == []
    [call] = fake.calls[calls:]  # the answer only: no message in any chat
    assert call["method"] == "answerInlineQuery" and call["ok"]  # the fake checks it like Telegram
    assert call["params"]["inline_query_id"] == f"iq-{update_id}" and call["params"]["is_personal"] is True
    assert call["params"]["results"] == []  # no result yet: nothing to share
    assert sessions.store[uid][1] == before and update_id in sessions.applied

    again = await handle(processor, inline_query(update_id, uid, f"result {tid}"))  # a redelivery
    assert again.acked and len(fake.calls) == calls + 1

    await handle(processor, delivery(next(ids), uid, "done"))  # the step goes on
    assert sent_texts(fake, uid)[-1].startswith("Saved")

    # A card the fake accepts as Telegram would (ids, texts within their limits).
    await handle(processor, inline_query(next(ids), uid, "stats"))
    [answer] = [c for c in fake.calls[calls:] if c["method"] == "answerInlineQuery"][-1:]
    assert answer["ok"] and [r["id"] for r in answer["params"]["results"]] == ["none"]
