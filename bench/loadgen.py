"""Load generator that delivers updates the way Telegram's webhook does.

Simulated users hold realistic conversations: ``/register`` on one line, ``/result``, a press
of the button the bot actually sent (its ``callback_data`` read from the bot's reply), the
score ``3 | 850`` and ``/stats``.  A user sends the next update once the bot's reply to the
previous one has reached them (the fake Bot API's call is done: ``devkit.fake_telegram``) and they
have thought for a while, as a person would.  Updates are real Update JSON, posted with the
secret header over at most ``max_connections`` (Telegram's default 40) keep-alive
connections, each request waiting for its answer (``bench.webhook_client``).

**Latency counts from the offer.**  An update's ``sent`` time is stamped when it is offered,
*before* it waits for one of the ``max_connections`` connections; ``written`` is when a
connection was free.  Queueing in front of the webhook (all 40 connections busy, as Telegram
queues) is therefore part of every latency figure, and ``written - sent`` shows it apart.

**A steady mix of steps, not waves.**  With a fixed think time every user that joined in the
same second would come back in the same second with the same step: at the start all send
/register, a second later all /result, and so on, for ever; and a rate offered to an empty
population would begin with a burst of /register.  Instead:

- each user's think time is drawn uniformly from ``think_time`` x [1 - ``think_spread``,
  1 + ``think_spread``] (0.5-1.5 s by default), so the users of one second drift apart;
- a fixed-rate run begins with an unmeasured *lead-in* in which new users join on a clock,
  evenly spaced at a fifth of the rate (a conversation has five steps), and every user sends
  as soon as they are ready: the population grows into the rate's steady state, each step
  kind arriving at a fifth of the rate, at random phases of the users' cycles (about five
  cycles, 5-6 s, from nobody; fewer when users carry on from the run before);
- after the measured window the load goes on for a *tail* (unmeasured) while the window's
  last replies come, and users carry on into the next run (a ramp step after another), so
  the population is never left to bunch up between runs.

In the measured window a send slot comes every 1 / rate and takes the user who has been
ready longest, or a new user (a /register) if nobody is ready, so the offered rate is exact
whatever the system does; in steady state that is about a fifth of the slots.  ``step_mix``
reports the shares of each step kind and the largest share of one kind in any second of the
window: about 25% is the noise of a steady mix at these rates, a wave shows as 50-100%.

Two modes: ``run_fixed(rate, seconds, lead_in, tail)`` offers a fixed rate; ``run_max(seconds)``
sends as fast as the webhook answers allow.  Per request it records the schedule, the offer
(``sent``), the write, the answer, the status and, once the bot's reply for that update
arrives, the reply time and how many Bot API calls of the same update came before it (each of
which cost the fake's latency).
"""


from __future__ import annotations

import asyncio
import collections
import itertools
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.conversation_steps import STEP_NAMES, STEPS, button_data, callback_query_id, update_json
from bench.webhook_client import WebhookClient
from devkit.fake_telegram import Call

# Bot API methods that carry the reply a user waits for (one per update in these flows).
FINAL_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}


@dataclass(slots=True)
class Record:
    user_id: int
    update_id: int
    step: int
    scheduled: float  # when the rate wanted it sent
    sent: float = 0.0  # when it was offered, before waiting for a connection (latency counts from here)
    written: float = 0.0  # when a connection was free and the request was written
    answered: float = 0.0
    status: int = 0
    throttled: bool = False
    replied: float = 0.0  # when the final reply for it reached the fake Bot API
    calls_before: int = 0  # Bot API calls of this update before the final reply
    read: bool = False  # the user has read the reply (and thought about the next message)


@dataclass
class User:
    user_id: int
    step: int = 0
    pending: Record | None = None
    result_message: dict[str, Any] | None = None
    done: bool = False
    calls: int = 0  # Bot API calls seen for the pending update


@dataclass
class Phase:
    name: str
    records: list[Record] = field(default_factory=list)
    started: float = 0.0  # the measured window: records are the updates offered in it
    ended: float = 0.0
    lead_in: list[Record] = field(default_factory=list)  # offered before the window, not measured
    tail: list[Record] = field(default_factory=list)  # offered after it, while its replies come


class LoadGen:
    def __init__(
        self,
        webhook_url: str,
        secret: str,
        *,
        max_connections: int = 40,
        language: str = "en",
        seed: int | None = None,
        reply_delay: float = 0.05,
        think_time: float = 1.0,
        think_spread: float = 0.5,
        on_update: Callable[[Mapping[str, Any]], None] | None = None,
    ) -> None:
        self.webhook = WebhookClient(webhook_url, secret, max_connections)
        self.max_connections = max_connections
        self.language = language
        # A user reads the reply once the Bot API call is done (its latency after arrival),
        # then thinks before sending the next update.
        self.reply_delay = reply_delay
        self.think_time = think_time
        self.think_spread = think_spread
        # Told of every update before it is sent, as Telegram knows what it delivers (the fake
        # Bot API then accepts the answers to its callback queries).
        self.on_update = on_update
        self._rng = random.Random(seed)
        self._user_ids = itertools.count(10**12 + self._rng.randrange(10**11) * 10)
        self._update_ids = itertools.count(self._rng.randrange(10**8, 9 * 10**8))
        self._message_ids = itertools.count(1)
        self.users: dict[int, User] = {}
        self.ready: collections.deque[User] = collections.deque()
        self.in_flight = 0
        self.completed_times: list[float] = []
        self.unmatched_calls = 0
        self._callbacks: dict[str, User] = {}  # callback_query id -> the user who pressed
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting: set[asyncio.Task[Any]] = set()  # offered, no connection free yet

    # ---------------------------------------------------------------- the bot's replies

    def on_call(self, call: Call) -> None:
        """Called by the fake Bot API for every call it receives."""
        if call.method == "answerCallbackQuery":
            user = self._callbacks.pop(str(call.params.get("callback_query_id")), None)
        else:
            user = self.users.get(call.chat_id) if call.chat_id is not None else None
        if user is None or user.pending is None:
            self.unmatched_calls += 1
            return
        if call.method not in FINAL_METHODS:
            user.calls += 1
            return
        record = user.pending
        record.replied = call.at
        record.calls_before = user.calls
        self.completed_times.append(call.at)
        user.pending, user.calls = None, 0
        if record.step == 1:
            user.result_message = {
                "message_id": call.message_id,
                "text": call.params.get("text", ""),
                "reply_markup": call.params.get("reply_markup"),
            }
        user.step += 1
        if user.step >= len(STEPS) or (user.step == 2 and button_data(user.result_message) is None):
            user.done = True
            self.users.pop(user.user_id, None)
        else:
            think = self.think_time * self._rng.uniform(1 - self.think_spread, 1 + self.think_spread)
            delay = max(0.0, call.at + self.reply_delay + think - time.perf_counter())
            asyncio.get_running_loop().call_later(delay, self._read, user, record)

    def _read(self, user: User, record: Record) -> None:
        """The user has read the reply and thought: ready to send, once Telegram may deliver
        (a chat's next update goes out only once the previous one was answered)."""
        record.read = True
        if record.answered and self.users.get(user.user_id) is user:
            self.ready.append(user)

    def completed_between(self, start: float, end: float) -> int:
        """Final replies that reached the Bot API in [start, end), whichever update they end."""
        return sum(1 for t in self.completed_times if start <= t < end)

    # ---------------------------------------------------------------- conversations

    def _join(self) -> User:
        user = User(next(self._user_ids))
        self.users[user.user_id] = user
        return user

    def _next_user(self) -> User:
        return self.ready.popleft() if self.ready else self._join()

    def _update(self, user: User) -> tuple[int, bytes]:
        update_id = next(self._update_ids)
        if user.step == 2:  # the press: the answer to it is matched by the callback query's id
            self._callbacks[callback_query_id(update_id)] = user
        update = update_json(user.step, user.user_id, update_id, next(self._message_ids), self.language,
                             user.result_message)  # fmt: skip
        if self.on_update is not None:
            self.on_update(update)
        return update_id, json.dumps(update, ensure_ascii=False).encode()

    async def _deliver(self, user: User, scheduled: float, records: list[Record]) -> None:
        update_id, body = self._update(user)
        record = Record(user.user_id, update_id, user.step, scheduled)
        user.pending, user.calls = record, 0
        records.append(record)
        self.in_flight += 1
        record.sent = time.perf_counter()  # offered: the wait for a connection is part of it
        waiting = asyncio.current_task()
        try:
            if waiting is not None:
                self._waiting.add(waiting)
            try:
                conn = await self.webhook.connection()
            finally:
                if waiting is not None:
                    self._waiting.discard(waiting)
            record.written = time.perf_counter()
            record.status, record.throttled, record.answered = await self.webhook.post(conn, body)
        except (OSError, asyncio.IncompleteReadError):
            record.status = -1
            record.answered = time.perf_counter()
        finally:
            self.in_flight -= 1
        if record.status != 200 or record.throttled:
            # Telegram would retry; the benchmark drops the user instead (counted as an error).
            user.pending = None
            self.users.pop(user.user_id, None)
        elif record.read and not user.done and self.users.get(user.user_id) is user:
            self.ready.append(user)  # the reply was read before the answer came (the baseline's way)

    def _send(self, user: User, scheduled: float, records: list[Record]) -> None:
        task = asyncio.create_task(self._deliver(user, scheduled, records))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---------------------------------------------------------------- modes

    async def run_fixed(self, rate: float, seconds: float, name: str = "", lead_in: float = 0.0,
                        tail: float = 0.0, start: float | None = None) -> Phase:
        """Offer ``rate`` updates a second for ``seconds``, measured; returns ``tail`` seconds
        after the window.

        Before it, ``lead_in`` seconds unmeasured in which every user sends as soon as ready
        and new users join on a clock at ``rate`` / 5 (staggered): the population grows to the
        rate's steady state.  In the window and the tail a send slot comes every 1 / ``rate``
        and takes the user ready longest, or a new user.  The tail keeps the load on while the
        window's last replies come (its updates are not measured).  ``start`` (a
        ``perf_counter`` time) lets the caller know when the window is."""
        start = time.perf_counter() if start is None else start
        phase = Phase(name or f"fixed {rate:g}/s", started=start + lead_in, ended=start + lead_in + seconds)
        join_every, tick = len(STEPS) / rate, min(1 / rate, 0.01)
        next_join, at = start, start
        while at < phase.started:
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            while next_join <= at:
                self._send(self._join(), next_join, phase.lead_in)
                next_join += join_every
            while self.ready:
                self._send(self.ready.popleft(), at, phase.lead_in)
            at += tick
        slots = int(rate * seconds)
        for n in range(slots + int(rate * tail)):
            at = phase.started + n / rate
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self._send(self._next_user(), at, phase.records if n < slots else phase.tail)
        while time.perf_counter() < phase.ended + tail:
            await asyncio.sleep(phase.ended + tail - time.perf_counter())
        return phase

    async def run_max(self, seconds: float, name: str = "max") -> Phase:
        """``max_connections`` senders, each posting its next update as soon as it is answered."""
        phase = Phase(name, started=time.perf_counter())
        deadline = phase.started + seconds

        async def sender() -> None:
            while time.perf_counter() < deadline:
                await self._deliver(self._next_user(), time.perf_counter(), phase.records)

        await asyncio.gather(*(sender() for _ in range(self.max_connections)))
        phase.ended = time.perf_counter()
        return phase

    async def wait_answers(self, timeout: float = 30.0) -> None:
        """Until every request sent has its answer."""
        deadline = time.perf_counter() + timeout
        while self.in_flight and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)

    async def wait_replies(self, timeout: float) -> bool:
        """Until no user waits for a reply (True), or ``timeout``; then forget who still waits."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self.in_flight and not any(u.pending for u in self.users.values()):
                return True
            await asyncio.sleep(0.05)
        self.abandon()
        return False

    def drop_waiting(self) -> int:
        """Withdraw the updates offered that still wait for a connection (a backlog in front of
        the webhook let go, measured already); how many."""
        waiting = list(self._waiting)
        for task in waiting:
            task.cancel()
        return len(waiting)

    def abandon(self) -> None:
        """Forget every conversation in progress: the next phase starts with new users."""
        self.users.clear()
        self.ready.clear()
        self._callbacks.clear()

    @property
    def population(self) -> int:
        return len(self.users)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.webhook.close()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def step_mix(records: list[Record], started: float, ended: float) -> dict[str, Any]:
    """The shares of each step kind among ``records`` and the largest share one kind had in
    any whole second of [started, ended): near 20% each in a steady mix, near 100% in a wave."""
    total = len(records)
    shares = {name: round(sum(1 for r in records if r.step == i) / max(total, 1), 3)
              for i, name in enumerate(STEP_NAMES)}  # fmt: skip
    worst = 0.0
    for second in range(int(ended - started)):
        lo = started + second
        kinds = collections.Counter(r.step for r in records if lo <= r.sent < lo + 1)
        if kinds:
            worst = max(worst, max(kinds.values()) / sum(kinds.values()))
    return {"shares": shares, "max_share_in_a_second": round(worst, 3)}
