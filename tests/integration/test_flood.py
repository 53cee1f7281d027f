"""The gateway's flood limit over real HTTP and the real broker: one user floods, with up to
40 requests in flight as Telegram delivers them, while ordinary users write as people do."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.gateway.texts import EN, RU
from tests.conftest import eventually, free_port, random_user_id
from tests.integration.conftest import serving
from tests.integration.test_gateway import gateway, post, queued, ready

pytestmark = pytest.mark.integration

RATE, BURST, WINDOW = 5.0, 10, 1.0
IN_FLIGHT = 40  # Telegram's default max_connections
FLOOD_SECONDS = 2.5
_ids = itertools.count(1)


@dataclass
class Posted:
    update: dict[str, Any]
    sent_at: float
    answered_at: float
    status: int
    body: dict[str, Any]
    throttled: bool

    @property
    def update_id(self) -> int:
        return self.update["update_id"]


def message(user_id: int, language: str = "en") -> dict[str, Any]:
    update_id = next(_ids)
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": "hello",
        "from": {"id": user_id, "is_bot": False, "first_name": "F", "language_code": language},
        "chat": {"id": user_id, "type": "private"}}}


def press(user_id: int, language: str = "en") -> dict[str, Any]:
    update_id = next(_ids)
    return {"update_id": update_id, "callback_query": {
        "id": f"cq-{update_id}", "chat_instance": "1", "data": "edit:1",
        "from": {"id": user_id, "is_bot": False, "first_name": "F", "language_code": language}}}


async def deliver(client: httpx.AsyncClient, update: dict[str, Any]) -> Posted:
    sent_at = time.monotonic()
    response = await post(client, update)
    return Posted(update, sent_at, time.monotonic(), response.status_code, response.json(),
                  response.headers.get("x-throttled") == "1")


async def metric(url: str, name: str) -> float:
    text = (await httpx.AsyncClient().get(url)).text
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, flags=re.MULTILINE)
    assert found, text
    return float(found.group(1))


async def test_a_flooding_user_is_held_to_the_limit_and_others_get_through(amqp_url: str, namespace: str) -> None:
    flooder = random_user_id()
    ordinary = [random_user_id() for _ in range(5)]
    metrics_port = free_port()
    app = gateway(
        amqp_url, namespace, flood_rate_per_second=RATE, flood_burst=BURST,
        flood_notice_seconds=WINDOW, metrics_port=metrics_port, metrics_host="127.0.0.1",
    )
    async with serving(app, free_port()) as url, httpx.AsyncClient(
        base_url=url, limits=httpx.Limits(max_connections=IN_FLIGHT + 10), timeout=30
    ) as client:
        await eventually(lambda: ready(client))
        slots = asyncio.Semaphore(IN_FLIGHT)
        flood: list[Posted] = []

        async def flood_one(update: dict[str, Any]) -> None:
            async with slots:
                flood.append(await deliver(client, update))

        async def flooding() -> None:
            started, tasks = time.monotonic(), []
            for n in itertools.count():
                if time.monotonic() - started > FLOOD_SECONDS and n >= 300:
                    break
                await slots.acquire()  # as fast as 40 in flight allow
                slots.release()
                # Russian-speaking, and every fifth update a button press.
                update = press(flooder, "ru") if n % 5 == 4 else message(flooder, "ru")
                tasks.append(asyncio.create_task(flood_one(update)))
                await asyncio.sleep(0)
            await asyncio.gather(*tasks)

        async def person(user_id: int) -> list[Posted]:
            done = []
            for n in range(8):  # four updates a second, within the limit
                done.append(await deliver(client, press(user_id) if n % 3 == 2 else message(user_id)))
                await asyncio.sleep(0.25)
            return done

        _, *people = await asyncio.gather(flooding(), *(person(u) for u in ordinary))
        throttled_metric = await metric(
            f"http://127.0.0.1:{metrics_port}/metrics",
            'pokertracker_gateway_updates_rejected_total{reason="throttled"}',
        )

    published = {json.loads(m.body)["update_id"] for m in await queued(amqp_url, namespace)}
    assert all(p.status == 200 for p in flood + [p for ps in people for p in ps])

    # Every ordinary user's update was taken and queued, none throttled.
    for posts in people:
        assert not any(p.throttled for p in posts)
        assert {p.update_id for p in posts} <= published

    # The flooder: at most the burst plus the rate over the time it flooded, nothing
    # throttled was queued, everything not throttled was.
    flood.sort(key=lambda p: p.sent_at)
    elapsed = max(p.answered_at for p in flood) - flood[0].sent_at
    passed = {p.update_id for p in flood if not p.throttled}
    skipped = {p.update_id for p in flood if p.throttled}
    assert len(flood) >= 300 and len(skipped) > len(flood) // 2
    assert len(passed) <= BURST + RATE * elapsed + 1, (len(passed), elapsed)
    assert passed <= published and not skipped & published
    assert throttled_metric == len(skipped)

    # Every skipped button press is answered, politely, so that no button spins.
    for p in flood:
        if p.throttled and "callback_query" in p.update:
            assert p.body == {"method": "answerCallbackQuery",
                              "callback_query_id": p.update["callback_query"]["id"],
                              "text": RU.flood_callback}
        elif not p.throttled:
            assert p.body == {"ok": True}
    assert any(p.throttled and "callback_query" in p.update for p in flood)

    # Skipped messages: the chat is told, in the user's language, once per window.
    notices = [p for p in flood if p.body.get("method") == "sendMessage"]
    assert all(p.throttled and p.body == {"method": "sendMessage", "chat_id": flooder,
                                          "text": RU.flood_message} for p in notices)
    assert 2 <= len(notices) <= elapsed / WINDOW + 1, (len(notices), elapsed)
    for earlier, later in itertools.pairwise(notices):
        # The gateway decided each between its request and its answer.
        assert later.answered_at - earlier.sent_at >= WINDOW
    quiet = [p for p in flood if p.throttled and "message" in p.update and p not in notices]
    assert quiet and all(p.body == {"ok": True} for p in quiet)


async def test_a_rate_of_zero_turns_the_limit_off(amqp_url: str, namespace: str) -> None:
    flooder = random_user_id()
    async with serving(gateway(amqp_url, namespace, flood_rate_per_second=0), free_port()) as url, \
            httpx.AsyncClient(base_url=url, timeout=30) as client:
        await eventually(lambda: ready(client))
        posts = await asyncio.gather(*(deliver(client, message(flooder)) for _ in range(200)))
    assert {(p.status, p.throttled) for p in posts} == {(200, False)}
    published = {json.loads(m.body)["update_id"] for m in await queued(amqp_url, namespace)}
    assert published == {p.update_id for p in posts}


async def test_the_default_limit_tells_an_english_speaker_in_english(amqp_url: str, namespace: str) -> None:
    user = random_user_id()
    async with serving(gateway(amqp_url, namespace), free_port()) as url, \
            httpx.AsyncClient(base_url=url, timeout=30) as client:
        await eventually(lambda: ready(client))
        posts = [await deliver(client, message(user, "en-GB")) for _ in range(40)]
    elapsed = posts[-1].answered_at - posts[0].sent_at
    assert not any(p.throttled for p in posts[:20])  # FLOOD_BURST=20
    skipped = [p for p in posts if p.throttled]
    assert len(skipped) >= 40 - 20 - 3 * elapsed - 1  # FLOOD_RATE_PER_SECOND=3
    assert [p.body for p in skipped] == [
        {"method": "sendMessage", "chat_id": user, "text": EN.flood_message}] + [{"ok": True}] * (len(skipped) - 1)
    assert len(await queued(amqp_url, namespace)) == 40 - len(skipped)
