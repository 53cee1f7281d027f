"""Hostile requests against the real gateway: uvicorn over real HTTP, real RabbitMQ.

Hypothesis draws batches of requests (bodies from tests/unit/test_properties_gateway.py:
wrong types, huge and negative numbers, deep nesting, invalid UTF-8, BOMs, unknown kinds;
oversized bodies with a true, lying or missing Content-Length or chunked; missing, wrong,
oversized, non-ASCII, duplicated secret headers; odd content types and methods), written
byte for byte on raw sockets so that nothing is normalised on the way.  Each batch also
carries a valid update among the hostile ones and one after them.  For every request the
status must be the one the contract gives (never 500); after every batch the partition
queues must hold exactly the bodies answered 200, each once, in their sender's partition.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import uuid
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aio_pika
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from shared.topology import HEADER_UPDATE_ID, HEADER_USER_ID, Topology, partition_of
from tests.conftest import delete_topology, eventually, free_port, take_all
from tests.integration.conftest import serving
from tests.unit.test_properties_gateway import (
    ANY_TEXT,
    bodies,
    expected_update,
    valid_update,
)

pytestmark = pytest.mark.integration

T = TypeVar("T")

SECRET = "Fuzz_" + "q1W2e3R4-" * 6  # 59 characters of the allowed alphabet
SECRET_B = SECRET.encode()
SECRET_HEADER = b"x-telegram-bot-api-secret-token"
WEBHOOK = b"/telegram/webhook"
LIMIT = 8192  # MAX_BODY_BYTES of the gateway under test: oversized bodies stay cheap to send
PARTITIONS = 4
EXAMPLES = 400
HOSTILE_PER_EXAMPLE = 25  # plus two valid updates: 400 x 27 = 10,800 requests
LANES = 6  # keep-alive connections a batch is spread over
CTL = frozenset(range(0x20)) - {0x09} | {0x7F}  # bytes no header value may hold

# ------------------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Case:
    """One HTTP request, as bytes on the wire."""

    body: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ((b"X-Telegram-Bot-Api-Secret-Token", SECRET_B),)
    method: bytes = b"POST"
    path: bytes = WEBHOOK
    # length: a true Content-Length; chunked; longer / shorter: Content-Length lies by
    # ``shift``; none: a body without Content-Length or Transfer-Encoding; both: both headers
    framing: str = "length"
    shift: int = 0
    chunk: int = 1000

    def __repr__(self) -> str:  # short enough to read in a failure report
        def cut(b: bytes) -> str:
            return repr(b) if len(b) <= 120 else f"{b[:120]!r}+{len(b) - 120} bytes"

        headers = ", ".join(f"{n.decode('latin-1')}: {cut(v)}" for n, v in self.headers)
        return (f"Case({self.method.decode()} {self.path.decode('latin-1')} [{headers}] {self.framing}"
                f"{f' by {self.shift}' if self.shift else ''} body={cut(self.body)})")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis's report uses this
        printer.text(repr(self))

    @property
    def dedicated(self) -> bool:
        """A request that leaves the connection unusable: sent on its own, then half-closed."""
        return self.framing in ("longer", "shorter", "none")

    @property
    def declared(self) -> int:
        shift = self.shift if self.framing == "longer" else -self.shift if self.framing == "shorter" else 0
        return len(self.body) + shift

    @property
    def seen(self) -> bytes:
        """The body the server hands the app (the rest of a lying request is the next one)."""
        if self.framing == "shorter":
            return self.body[: self.declared]
        return b"" if self.framing == "none" else self.body

    def render(self) -> bytes:
        head = [self.method + b" " + self.path + b" HTTP/1.1", b"Host: gateway"]
        head += [name + b": " + value for name, value in self.headers]
        body = self.body
        if self.framing in ("length", "longer", "shorter", "both"):
            head.append(b"Content-Length: " + str(self.declared).encode())
        if self.framing in ("chunked", "both"):
            head.append(b"Transfer-Encoding: chunked")
            pieces = [body[i : i + self.chunk] for i in range(0, len(body), self.chunk)]
            body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        return b"\r\n".join(head) + b"\r\n\r\n" + body


NO_ANSWER = None  # the connection closed without a response
# Flood protection (services/gateway/flood.py) answers an update over its sender's limit 200
# without queueing it, and says so in this header.
THROTTLED = "x-throttled"
THROTTLED_STATUS = -200  # what the client reports for such an answer


@dataclass(frozen=True)
class Allowed:
    statuses: frozenset[int | None]
    publishable: bool  # whether the body the app sees may be published (answered 200)


def allowed(case: Case) -> Allowed:
    """What the gateway may answer, from the contract: HTTP framing, route, secret, size, body."""
    if case.framing == "both" or any(b in CTL for _, value in case.headers for b in value):
        return Allowed(frozenset({400}), False)  # refused by the HTTP server itself
    lost = {NO_ANSWER, 400} if case.dedicated else set()  # the rest of the request is garbage
    if case.path != WEBHOOK:
        return Allowed(frozenset({307 if case.path == WEBHOOK + b"/" else 404} | lost), False)
    if case.method != b"POST":
        return Allowed(frozenset({405} | lost), False)
    secrets = [value for name, value in case.headers if name.lower() == SECRET_HEADER]
    if not secrets:
        return Allowed(frozenset({401} | lost), False)
    # Leading whitespace is not part of a header value; trailing whitespace is up to the server.
    if secrets[0].lstrip(b" \t") != SECRET_B:
        if secrets[0].strip(b" \t") != SECRET_B:
            return Allowed(frozenset({403} | lost), False)
        lost.add(403)
    size = len(case.body) if case.framing == "chunked" else case.declared
    if size > LIMIT:
        return Allowed(frozenset({413} | lost), False)
    if case.framing == "longer":  # the server waits for bytes that never come
        return Allowed(frozenset({NO_ANSWER, 400} | lost), False)
    verdict = expected_update(case.seen)
    statuses = {200} if verdict.accept else {400} if verdict.accept is False else {200, 400}
    if 200 in statuses:  # accepted, unless its sender is over the flood limit
        statuses.add(THROTTLED_STATUS)
    return Allowed(frozenset(statuses | lost), 200 in statuses)


def _header_value() -> st.SearchStrategy[bytes]:
    return st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@st.composite
def secret_headers(draw: st.DrawFn) -> list[tuple[bytes, bytes]]:
    name = draw(st.sampled_from([b"X-Telegram-Bot-Api-Secret-Token", SECRET_HEADER, SECRET_HEADER.upper()]))
    how = draw(st.integers(0, 19))
    if how < 9:
        return [(name, SECRET_B)]
    if how == 9:
        return []
    at = draw(st.integers(0, len(SECRET_B) - 1))
    wrong = draw(st.one_of(
        st.sampled_from([
            b"", SECRET_B[:-1], SECRET_B + b"x", SECRET_B.lower(), SECRET_B.upper(),
            SECRET_B[:at] + bytes([SECRET_B[at] ^ 1]) + SECRET_B[at + 1 :],
            b" " + SECRET_B, b"\t" + SECRET_B + b" ", SECRET_B + b"  ", SECRET_B + b"\xff",
            "секрет".encode(), SECRET_B[:at] + b"\x00" + SECRET_B[at:], SECRET_B + b"\x7f",
            SECRET_B * 40,  # oversized
        ]),
        _header_value(),
        ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass").replace(b"\r", b"").replace(b"\n", b"")),
    ))
    if how < 17:
        return [(name, wrong)]
    pair = [(name, wrong), (name, SECRET_B)]  # a duplicated header: the first one counts
    return pair if how < 19 else pair[::-1]


CONTENT_TYPES = st.sampled_from([
    b"application/json", b"application/json; charset=utf-8", b"application/json; charset=utf-16",
    b"text/plain", b"application/x-www-form-urlencoded", b"multipart/form-data; boundary=x",
    b"*/*", b"", b"application/\xff\xfe", b"image/png",
])
EXTRA_NAMES = st.text(alphabet="abcxyzABC-_0123456789", min_size=1, max_size=12).filter(
    lambda n: n.lower() not in ("content-length", "transfer-encoding", "host", "expect")
)


@st.composite
def body_of_size(draw: st.DrawFn) -> bytes:
    """A valid-looking update padded to around the limit, or far beyond it."""
    size = draw(st.one_of(st.integers(LIMIT - 3, LIMIT + 3), st.integers(LIMIT, 4 * LIMIT)))
    head = b'{"update_id": %d, "pad": "' % draw(st.integers(0, 2**40))
    return head + b"x" * max(size - len(head) - 2, 0) + b'"}'


@st.composite
def cases(draw: st.DrawFn) -> Case:
    headers = draw(secret_headers())
    if draw(st.integers(0, 3)) == 0:
        headers.append((b"Content-Type", draw(CONTENT_TYPES)))
    for _ in range(draw(st.integers(0, 2))):
        headers.insert(draw(st.integers(0, len(headers))), (draw(EXTRA_NAMES).encode(), draw(_header_value())))
    if draw(st.integers(0, 30)) == 0:
        headers.append((b"Expect", b"100-continue"))
    body = draw(body_of_size()) if draw(st.integers(0, 9)) == 0 else draw(bodies())
    framing = draw(st.sampled_from(
        ["length"] * 14 + ["chunked"] * 3 + ["longer", "shorter", "none", "both"]
    ))
    shift = draw(st.integers(1, max(len(body), 1))) if framing in ("longer", "shorter") else 0
    if framing == "shorter":
        shift = min(shift, len(body))
    method, path = b"POST", WEBHOOK
    if draw(st.integers(0, 40)) == 0:
        method = draw(st.sampled_from([b"GET", b"PUT", b"DELETE", b"PATCH", b"OPTIONS"]))
    if draw(st.integers(0, 40)) == 0:
        path = draw(st.sampled_from([WEBHOOK + b"/", b"/Telegram/webhook", b"/", b"/telegram/webhook/x"]))
    return Case(body, tuple(headers), method, path, framing, shift, draw(st.integers(1, 5000)))


# ---------------------------------------------------------------------------------- raw client


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server closes the connection) of the next final response; a
    throttled 200 is reported as ``THROTTLED_STATUS``."""
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = dict(
            (k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:] if line)
        )
        if 100 <= status < 200:
            continue
        if status == 200 and headers.get(THROTTLED):
            status = THROTTLED_STATUS
        if "content-length" in headers:
            await reader.readexactly(int(headers["content-length"]))
            return status, headers.get("connection", "").lower() == "close"
        await reader.read()  # to the end of the connection
        return status, True


class Lane:
    """One keep-alive connection, one request at a time (reopened once the server closes it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, raw: bytes) -> int | None:
        if self.conn is None:
            self.conn = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.conn
        try:
            writer.write(raw)
            async with asyncio.timeout(20):
                await writer.drain()
                status, closing = await read_response(reader)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            await self.close()
            return NO_ANSWER
        if closing:
            await self.close()
        return status

    async def close(self) -> None:
        if self.conn is not None:
            self.conn[1].close()
            with contextlib.suppress(Exception):
                await self.conn[1].wait_closed()
            self.conn = None


async def send_alone(port: int, raw: bytes) -> list[int | None]:
    """Every status answered on a connection of its own that is half-closed after ``raw``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    statuses: list[int | None] = []
    try:
        with contextlib.suppress(OSError):
            writer.write(raw)
            await writer.drain()
            writer.write_eof()
        async with asyncio.timeout(20):
            while True:
                try:
                    statuses.append((await read_response(reader))[0])
                except (asyncio.IncompleteReadError, OSError):
                    break
    finally:
        writer.close()
    return statuses or [NO_ANSWER]


# ------------------------------------------------------------------------------------- harness


class LoopThread:
    """An event loop in a thread of its own: the gateway and the client run there while
    Hypothesis (synchronous) drives the examples from the test's thread."""

    def __enter__(self) -> LoopThread:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="gateway-fuzz", daemon=True)
        self.thread.start()
        return self

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


@dataclass
class Message:
    partition: int
    body: bytes
    headers: dict[str, Any]


@dataclass
class Outcome:
    statuses: list[list[int | None]]  # per hostile case: every status its connection saw
    valid: list[int | None]  # the valid update among them, the one after
    queued: list[Message]


@dataclass
class Gateway:
    amqp_url: str
    namespace: str = field(default_factory=lambda: f"test-fuzz-{uuid.uuid4().hex[:8]}")
    port: int = field(default_factory=free_port)
    sent: int = 0

    async def start(self) -> None:
        self._stack = contextlib.AsyncExitStack()
        app = create_app(GatewaySettings(
            amqp_url=self.amqp_url, amqp_namespace=self.namespace, webhook_secret=SECRET,
            update_partitions=PARTITIONS, max_body_bytes=LIMIT,
        ))
        await self._stack.enter_async_context(serving(app, self.port))
        self.lanes = [Lane(self.port) for _ in range(LANES)]
        self._stack.push_async_callback(lambda: asyncio.gather(*(lane.close() for lane in self.lanes)))
        await eventually(self._ready, timeout=30)
        connection = await aio_pika.connect(self.amqp_url)
        self._stack.push_async_callback(connection.close)
        channel = await connection.channel()
        topology = Topology(self.namespace, PARTITIONS)
        self.queues = [await channel.declare_queue(q.name, passive=True) for q in topology.partition_queues]

    async def _ready(self) -> bool:
        return await self.lanes[0].send(b"GET /readyz HTTP/1.1\r\nHost: gateway\r\n\r\n") == 200

    async def stop(self) -> None:
        try:
            await self._stack.aclose()
        finally:
            await delete_topology(self.amqp_url, self.namespace, PARTITIONS)

    async def drain(self) -> list[Message]:
        found = []
        for index, queue in enumerate(self.queues):
            for m in await take_all(queue.channel, queue.name):
                found.append(Message(index, m.body, dict(m.headers or {})))
        return found

    async def example(self, hostile: list[Case], valid_at: int, valid: tuple[bytes, bytes]) -> Outcome:
        """Send a batch over the lanes (the first valid update at ``valid_at`` among them),
        then the second valid update, then take everything queued."""
        jobs: list[Case | bytes] = [*hostile]
        jobs.insert(valid_at, valid[0])
        results: dict[int, list[int | None]] = {}
        pending = iter(enumerate(jobs))

        async def work(lane: Lane) -> None:
            for i, job in pending:  # lanes share the iterator: each job is taken once
                if isinstance(job, Case) and job.dedicated:
                    results[i] = await send_alone(self.port, job.render())
                else:
                    results[i] = [await lane.send(job.render() if isinstance(job, Case) else job)]

        await asyncio.gather(*(work(lane) for lane in self.lanes))
        after = await self.lanes[0].send(valid[1])
        self.sent += len(jobs) + 1
        statuses = [results[i] for i in range(len(jobs))]
        among = statuses.pop(valid_at)
        return Outcome(statuses, [among[0], after], await self.drain())


update_ids = itertools.count(10**15 + uuid.uuid4().int % 10**14)
# Senders of the valid updates: one update each, so that no flood limit applies to them.
valid_senders = itertools.count(10**13 + uuid.uuid4().int % 10**12)


def post_update(user_id: int, text: str) -> tuple[bytes, bytes]:
    """A valid update's body and the request carrying it."""
    body = json.dumps(valid_update(user_id, next(update_ids), text)).encode("utf-8", "surrogatepass")
    return body, Case(body, framing="length").render()


# --------------------------------------------------------------------------------------- tests


def test_hostile_requests_never_crash_never_leak_and_valid_updates_still_pass(amqp_url: str) -> None:
    maybe: Counter[bytes] = Counter()  # bodies published although their answer was lost
    seen: Counter[int | None] = Counter()  # every status answered, for the report (pytest -s)

    with LoopThread() as thread:
        gateway = Gateway(amqp_url)
        thread.run(gateway.start())
        try:

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example],
            )
            @given(
                hostile=st.lists(cases(), min_size=HOSTILE_PER_EXAMPLE, max_size=HOSTILE_PER_EXAMPLE),
                valid_at=st.integers(0, HOSTILE_PER_EXAMPLE),
                text=ANY_TEXT.filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t)),
            )
            def batch(hostile: list[Case], valid_at: int, text: str) -> None:
                users = (next(valid_senders), next(valid_senders))
                valid = [post_update(users[0], text), post_update(users[1], text)]
                outcome = thread.run(gateway.example(hostile, valid_at, (valid[0][1], valid[1][1])))

                assert outcome.valid == [200, 200], "a valid update was not accepted"
                answered: Counter[bytes] = Counter(body for body, _ in valid)
                for case, statuses in zip(hostile, outcome.statuses, strict=True):
                    assert 500 not in statuses, case
                    seen.update(statuses)
                    rule = allowed(case)
                    assert statuses[0] in rule.statuses, (case, statuses, rule)
                    if statuses[0] == 200:
                        answered[case.seen] += 1
                    elif rule.publishable and case.dedicated:
                        maybe[case.seen] += 1  # the answer may have been lost, not the publish

                queued = Counter(m.body for m in outcome.queued)
                assert not answered - queued, "answered 200 but not queued"
                for body, extra in (queued - answered).items():
                    assert maybe[body] >= extra, f"queued but never answered 200: {body[:200]!r}"
                    maybe[body] -= extra
                for m in outcome.queued:
                    expected = expected_update(m.body)
                    assert expected.accept is not False, m
                    assert m.headers[HEADER_UPDATE_ID] == expected.update_id
                    assert m.headers.get(HEADER_USER_ID) == expected.user_id
                    assert m.partition == partition_of(expected.partition_key, PARTITIONS)  # type: ignore[arg-type]
                for (body, _), user in zip(valid, users, strict=True):
                    [m] = [m for m in outcome.queued if m.body == body]
                    assert m.partition == partition_of(user, PARTITIONS) and m.headers[HEADER_USER_ID] == user

            batch()
            print(f"\n{gateway.sent} requests; statuses answered: {dict(seen.most_common())}")
            assert gateway.sent >= 10_000, gateway.sent
            assert thread.run(gateway.lanes[0].send(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n")) == 200
        finally:
            thread.run(gateway.stop())


# ------------------------------------------------------------------- regressions and big bodies


async def _gateway(amqp_url: str, namespace: str, **kw: Any) -> Any:
    return create_app(GatewaySettings(
        amqp_url=amqp_url, amqp_namespace=namespace, webhook_secret=SECRET,
        update_partitions=PARTITIONS, **kw,
    ))


async def _until_ready(port: int) -> None:
    lane = Lane(port)

    async def ready() -> bool:
        return await lane.send(b"GET /readyz HTTP/1.1\r\nHost: gateway\r\n\r\n") == 200

    await eventually(ready)
    await lane.close()


async def _queued(amqp_url: str, namespace: str) -> list[bytes]:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        found = []
        for spec in Topology(namespace, PARTITIONS).partition_queues:
            found += [m.body for m in await take_all(channel, spec.name)]
        return found
    finally:
        await connection.close()


async def test_a_sender_id_beyond_64_bits_is_refused_not_retried_forever(amqp_url: str, namespace: str) -> None:
    """It used to pass the checks and fail to publish (an AMQP header holds 64 bits): 503
    with Retry-After, which Telegram would have retried for a day."""
    port = free_port()
    poison = (
        b'{"update_id": 7, "message": {"message_id": 1, "from": {"id": 100000000000000000000000}, '
        b'"chat": {"id": 1}}}'
    )
    valid, request = post_update(42, "after the poison")
    async with serving(await _gateway(amqp_url, namespace), port):
        await _until_ready(port)
        lane = Lane(port)
        assert await lane.send(Case(poison).render()) == 400
        assert await lane.send(Case(poison.replace(b"100000000000000000000000", b'"42"')).render()) == 400
        assert await lane.send(request) == 200
        await lane.close()
    assert await _queued(amqp_url, namespace) == [valid]


@pytest.mark.parametrize(
    ("case", "statuses"),
    [
        # chunked, 1.1 MB: refused once the stream passes the limit
        (Case(b'{"update_id": 1, "pad": "' + b"x" * 1_100_000 + b'"}', framing="chunked", chunk=65536), {413}),
        # Content-Length says 20 bytes, 1.1 MB follow: 20 bytes are the body, the rest garbage
        (Case(b'{"update_id": 1}    ' + b"x" * 1_100_000, framing="shorter", shift=1_100_000), {200, 400, None}),
        # Content-Length says 2 MB more than is sent
        (Case(b'{"update_id": 1}', framing="longer", shift=2_000_000), {413, None}),
        # a 1.1 MB body with the wrong secret: refused before it is read
        (Case(b"x" * 1_100_000, headers=((b"X-Telegram-Bot-Api-Secret-Token", b"nope"),)), {403}),
    ],
    ids=["chunked", "content-length-too-small", "content-length-too-large", "wrong-secret"],
)
async def test_bodies_beyond_the_default_limit(
    amqp_url: str, namespace: str, case: Case, statuses: set[int | None]
) -> None:
    port = free_port()
    valid, request = post_update(43, "still serving")
    async with serving(await _gateway(amqp_url, namespace), port):
        await _until_ready(port)
        lane = Lane(port)
        answered = await send_alone(port, case.render()) if case.dedicated else [await lane.send(case.render())]
        assert answered[0] in statuses and 500 not in answered, answered
        assert await lane.send(request) == 200
        await lane.close()
    queued = await _queued(amqp_url, namespace)
    assert valid in queued
    # Only the 20-byte body of the lying request may have been published, never the rest.
    assert all(body in (valid, b'{"update_id": 1}    ') for body in queued), queued
