"""Load generator that delivers updates the way Telegram's webhook does.

Simulated users hold realistic conversations: ``/register`` on one line, ``/result``, a press
of the button the bot actually sent (its ``callback_data`` read from the bot's reply), the
score ``3 | 850`` and ``/stats``.  A user sends the next update once the bot's reply to the
previous one has reached them (the fake Bot API's call is done: ``bench.fakebot``) and they
have thought for ``think_time``, as a person would; new users join whenever no user is
ready, so any offered rate can be held.  Updates are real
Update JSON, posted with the secret header over at most ``max_connections`` (Telegram's
default 40) keep-alive connections, each request waiting for its answer.

Two modes: ``run_fixed(rate, seconds)`` offers a fixed rate; ``run_max(seconds)`` sends as
fast as the webhook answers allow.  Per request it records the send time, the answer time,
the status and, once the bot's reply for that update arrives, the reply time and how many
Bot API calls of the same update came before it (each of which cost the fake's latency).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.fakebot import Call

THROTTLED_HEADER = b"x-throttled"  # services/gateway/flood.py
# Bot API methods that carry the reply a user waits for (one per update in these flows).
FINAL_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}


@dataclass(slots=True)
class Record:
    user_id: int
    update_id: int
    step: int
    scheduled: float  # when the rate wanted it sent
    sent: float = 0.0  # when the request was written
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
    started: float = 0.0
    ended: float = 0.0


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer


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
    ) -> None:
        rest = webhook_url.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        self.host, _, port = hostport.partition(":")
        self.port = int(port or 80)
        self.path = "/" + path
        self.secret = secret
        self.max_connections = max_connections
        self.language = language
        # A user reads the reply once the Bot API call is done (its latency after arrival),
        # then takes ``think_time`` before sending the next update.
        self.reply_delay = reply_delay
        self.think_time = think_time
        rng = random.Random(seed)
        self._user_ids = itertools.count(10**12 + rng.randrange(10**11) * 10)
        self._update_ids = itertools.count(rng.randrange(10**8, 9 * 10**8))
        self._message_ids = itertools.count(1)
        self._pool: asyncio.Queue[_Conn] = asyncio.Queue()
        self._opened = 0
        self.users: dict[int, User] = {}
        self.ready: collections.deque[User] = collections.deque()
        self.in_flight = 0
        self.phase = Phase("idle")
        self.completed_times: list[float] = []
        self.unmatched_calls = 0
        self._callbacks: dict[str, User] = {}  # callback_query id -> the user who pressed

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
        if user.step >= len(STEPS) or (user.step == 2 and self._button(user) is None):
            user.done = True
            self.users.pop(user.user_id, None)
        else:
            delay = max(0.0, call.at + self.reply_delay + self.think_time - time.perf_counter())
            asyncio.get_running_loop().call_later(delay, self._read, user, record)

    def _read(self, user: User, record: Record) -> None:
        """The user has read the reply and thought: ready to send, once Telegram may deliver
        (a chat's next update goes out only once the previous one was answered)."""
        record.read = True
        if record.answered and self.users.get(user.user_id) is user:
            self.ready.append(user)

    # ---------------------------------------------------------------- conversations

    @staticmethod
    def _button(user: User) -> str | None:
        markup = (user.result_message or {}).get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if data.startswith("res:"):
                    return str(data)
        return None

    def _next_user(self) -> User:
        if self.ready:
            return self.ready.popleft()
        user = User(next(self._user_ids))
        self.users[user.user_id] = user
        return user

    def _update(self, user: User) -> tuple[int, bytes]:
        update_id = next(self._update_ids)
        sender = {"id": user.user_id, "is_bot": False, "first_name": "Bench",
                  "language_code": self.language}
        chat = {"id": user.user_id, "first_name": "Bench", "type": "private"}
        now = int(time.time())
        if user.step == 2:
            data = self._button(user) or ""
            message = user.result_message or {}
            self._callbacks[str(update_id * 7)] = user
            update: dict[str, Any] = {
                "update_id": update_id,
                "callback_query": {
                    "id": str(update_id * 7),
                    "from": sender,
                    "message": {
                        "message_id": message.get("message_id", 1),
                        "from": {"id": 1, "is_bot": True, "first_name": "PokerTracker"},
                        "chat": chat,
                        "date": now,
                        "text": message.get("text", ""),
                        "reply_markup": message.get("reply_markup"),
                    },
                    "chat_instance": str(user.user_id * 3),
                    "data": data,
                },
            }
        else:
            text = STEPS[user.step](user.user_id)
            msg: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "from": sender,
                "chat": chat,
                "date": now,
                "text": text,
            }
            if text.startswith("/"):
                msg["entities"] = [{"offset": 0, "length": len(text.split(" ")[0]), "type": "bot_command"}]
            update = {"update_id": update_id, "message": msg}
        return update_id, json.dumps(update, ensure_ascii=False).encode()

    # ---------------------------------------------------------------- HTTP

    async def _conn(self) -> _Conn:
        if self._pool.empty() and self._opened < self.max_connections:
            self._opened += 1
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except BaseException:
                self._opened -= 1
                raise
            return _Conn(reader, writer)
        return await self._pool.get()

    async def _post(self, body: bytes) -> tuple[int, bool, float, float]:
        conn = await self._conn()
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nX-Telegram-Bot-Api-Secret-Token: {self.secret}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        try:
            sent = time.perf_counter()
            conn.writer.write(head + body)
            head_in = await conn.reader.readuntil(b"\r\n\r\n")
            answered = time.perf_counter()
            status = int(head_in.split(b" ", 2)[1])
            length, throttled, close = 0, False, False
            for line in head_in.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip())
                elif name == THROTTLED_HEADER:
                    throttled = True
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            if length:
                await conn.reader.readexactly(length)
        except BaseException:
            conn.writer.transport.abort()
            self._opened -= 1
            raise
        if close:
            conn.writer.close()
            self._opened -= 1
        else:
            self._pool.put_nowait(conn)
        return status, throttled, sent, answered

    async def _deliver(self, user: User, scheduled: float) -> None:
        update_id, body = self._update(user)
        record = Record(user.user_id, update_id, user.step, scheduled)
        user.pending, user.calls = record, 0
        self.phase.records.append(record)
        self.in_flight += 1
        try:
            record.status, record.throttled, record.sent, record.answered = await self._post(body)
        except (OSError, asyncio.IncompleteReadError) as exc:
            record.status = -1
            record.sent = record.sent or scheduled
            record.answered = time.perf_counter()
            _ = exc
        finally:
            self.in_flight -= 1
        if record.status != 200 or record.throttled:
            # Telegram would retry; the benchmark drops the user instead (counted as an error).
            user.pending = None
            self.users.pop(user.user_id, None)
        elif record.read and not user.done and self.users.get(user.user_id) is user:
            self.ready.append(user)  # the reply was read before the answer came (the baseline's way)

    # ---------------------------------------------------------------- modes

    def start_phase(self, name: str) -> Phase:
        self.phase = Phase(name, started=time.perf_counter())
        return self.phase

    async def run_fixed(self, rate: float, seconds: float, name: str = "") -> Phase:
        """Offer ``rate`` updates a second for ``seconds``; returns when the last was sent."""
        phase = self.start_phase(name or f"fixed {rate:g}/s")
        start = phase.started
        tasks: set[asyncio.Task[None]] = set()
        total = int(rate * seconds)
        for n in range(total):
            at = start + n / rate
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self._deliver(self._next_user(), at))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        phase.ended = start + seconds
        while time.perf_counter() < phase.ended:
            await asyncio.sleep(phase.ended - time.perf_counter())
        self._tasks = tasks  # still running: answers of the last requests
        return phase

    async def run_max(self, seconds: float, name: str = "max") -> Phase:
        """``max_connections`` senders, each posting its next update as soon as it is answered."""
        phase = self.start_phase(name)
        deadline = phase.started + seconds

        async def sender() -> None:
            while time.perf_counter() < deadline:
                await self._deliver(self._next_user(), time.perf_counter())

        await asyncio.gather(*(sender() for _ in range(self.max_connections)))
        phase.ended = time.perf_counter()
        return phase

    async def wait_answers(self, timeout: float = 30.0) -> None:
        """Until every request sent has its answer."""
        deadline = time.perf_counter() + timeout
        while self.in_flight and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)

    async def wait_replies(self, timeout: float, quiet: float = 0.5) -> bool:
        """Until no user waits for a reply (True), or ``timeout``; then forget who still waits."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self.in_flight and not any(u.pending for u in self.users.values()):
                return True
            await asyncio.sleep(0.05)
        self.abandon()
        return False

    def abandon(self) -> None:
        """Forget every conversation in progress: the next phase starts with new users."""
        self.users.clear()
        self.ready.clear()
        self._callbacks.clear()

    async def close(self) -> None:
        while not self._pool.empty():
            self._pool.get_nowait().writer.close()
        self._opened = 0


def _register(user_id: int) -> str:
    today = datetime.now(UTC).strftime("%d.%m.%Y")
    return f"/register Bench Cup {user_id % 1000} | {today} | 100+10 | Casino Royale"


STEPS = [
    _register,
    lambda _uid: "/result",
    lambda _uid: "",  # the button press (callback_data from the reply to /result)
    lambda _uid: "3 | 850",
    lambda _uid: "/stats",
]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
