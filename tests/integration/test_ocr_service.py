"""The OCR service (services/ocr) against the real RabbitMQ and a fake Telegram over HTTP: a job
from its queue becomes a TicketRead in the user's update partition, whatever Telegram does."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from PIL import Image
from prometheus_client import CollectorRegistry
from yarl import URL

from devkit.fake_telegram import FakeTelegram, FakeTelegramConfig, Fault
from devkit.fake_telegram import create_app as create_fake_telegram
from devkit.processes import launch
from services.common.telegram import (
    BotClient,
    FileUnavailable,
    TelegramFiles,
    Unavailable,
    open_session,
)
from services.ocr.app import create_app
from services.ocr.engine import NotAnImage, OcrFailed, OcrTimeout, TesseractEngine
from services.ocr.jobs import JobRunner
from services.ocr.metrics import OcrMetrics
from services.ocr.settings import OcrSettings
from shared.ocr_api import KIND_TICKET_READ, OcrJob, TicketRead, ticket_event_id
from shared.topology import (
    HEADER_ACCEPTED_AT,
    HEADER_KIND,
    HEADER_UPDATE_ID,
    HEADER_USER_ID,
    Topology,
    now_ms,
    partition_of,
)
from tests.conftest import (
    TcpRelay,
    eventually,
    free_fixed_port,
    free_port,
    random_user_id,
    ready_messages,
)
from tests.integration.conftest import running_app, serving
from tests.integration.test_ocr_accuracy import make_ticket, scenery

pytestmark = pytest.mark.integration

PARTITIONS = 4
ROOT = Path(__file__).resolve().parents[2]


def new_token() -> str:
    # Shaped like Telegram's, so the log scrubber's pattern would catch it too: the tests
    # below check the raw records, before any scrubbing.
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:AA{secrets.token_hex(16)}"


@functools.cache
def ticket() -> Any:
    """A ticket photo this engine reads completely (medium print, tilted 2°)."""
    import random

    return make_ticket(random.Random(11), "en", "DejaVu Sans", 24, 2.0)


@dataclass
class Env:
    amqp_url: str
    topology: Topology
    fake: FakeTelegram
    telegram_url: str
    token: str
    channel: AbstractChannel

    def settings(self, **overrides: Any) -> OcrSettings:
        values: dict[str, Any] = {
            "amqp_url": self.amqp_url,
            "amqp_namespace": self.topology.namespace,
            "update_partitions": PARTITIONS,
            "bot_token": self.token,
            "telegram_api_url": self.telegram_url,
            "dependency_backoff_max_seconds": 0.5,
            **overrides,
        }
        return OcrSettings.model_validate(values)

    def photo(self, image: bytes) -> str:
        """Keep a photo as Telegram does (as if a user sent it); its largest size's file_id."""
        return str(self.fake.store_photo(image)[-1]["file_id"])

    async def submit(self, job: OcrJob | bytes) -> None:
        """Publish a job the way the handler does: persistent, to the OCR queue."""
        body = job if isinstance(job, bytes) else job.model_dump_json().encode()
        await self.channel.default_exchange.publish(
            aio_pika.Message(body, content_type="application/json",
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=self.topology.ocr_queue.name,
        )  # fmt: skip

    async def reading(self, user_id: int, timeout: float = 60.0) -> AbstractIncomingMessage:
        """The next message in the user's partition queue (taken off the queue)."""
        name = self.topology.partition_queue(partition_of(user_id, PARTITIONS)).name
        # Consumed one at a time (a single-active-consumer quorum queue refuses basic.get);
        # what else the channel was sent goes back when it closes.
        connection = await aio_pika.connect(self.amqp_url)
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=1)
            queue = await channel.get_queue(name)
            async with asyncio.timeout(timeout), queue.iterator() as messages:
                async for message in messages:
                    await message.ack()
                    return message
        finally:
            await connection.close()
        raise AssertionError(f"no reading in {name}")

    async def ocr_queue_ready(self) -> int:
        return await ready_messages(self.amqp_url, self.topology.ocr_queue.name)


def job_for(file_id: str, user_id: int | None = None, **extra: Any) -> OcrJob:
    user = user_id or random_user_id()
    return OcrJob(user_id=user, chat_id=user, update_id=secrets.randbelow(10**9) + 1,
                  file_id=file_id, language_code="en", **extra)  # fmt: skip


@pytest.fixture
async def env(amqp_url: str, namespace: str) -> AsyncIterator[Env]:
    token = new_token()
    topology = Topology(namespace, PARTITIONS)
    fake_app = create_fake_telegram(FakeTelegramConfig(token=token))
    async with serving(fake_app, free_port()) as telegram_url:
        connection = await aio_pika.connect(amqp_url)
        try:
            channel = await connection.channel()
            # What the gateway (the partitions) and the handler (the OCR queue) declare.
            exchange = await channel.declare_exchange(
                topology.updates_exchange.name, aio_pika.ExchangeType.DIRECT, durable=True
            )
            for index, spec in enumerate(topology.partition_queues):
                queue = await channel.declare_queue(spec.name, durable=True, arguments=spec.arguments)
                await queue.bind(exchange, routing_key=topology.partition_key(index))
            await channel.declare_queue(topology.ocr_queue.name, durable=True, arguments=topology.ocr_queue.arguments)
            yield Env(amqp_url, topology, fake_app.state.fake, telegram_url, token, channel)
        finally:
            with contextlib.suppress(Exception):
                cleanup = await connection.channel()
                await cleanup.queue_delete(topology.ocr_queue.name)
            await connection.close()


@contextlib.contextmanager
def production_log_levels() -> Iterator[None]:
    """httpx at WARNING, as services.common.logs.setup_logging sets it (its INFO lines are
    request URLs, which hold the token)."""
    loggers = [logging.getLogger(name) for name in ("httpx", "httpcore")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


# The fake Telegram serving the test logs in this process too (its access log shows paths,
# which its command line redacts): those records are not the service's.
NOT_THE_SERVICE = ("uvicorn", "devkit")


def leaked(records: list[logging.LogRecord], token: str) -> list[str]:
    """The service's log records holding the token or its secret half (which also catches the
    token URL-encoded), anywhere: message, extras, traceback."""
    secret = token.partition(":")[2]
    found = []
    for record in records:
        if record.name.startswith(NOT_THE_SERVICE):
            continue
        text = " ".join([record.getMessage(), *(repr(v) for v in vars(record).values())])
        if token in text or secret in text:
            found.append(text[:300])
    return found


def retries_logged(records: list[logging.LogRecord], what: str = "bot api") -> int:
    return sum(1 for r in records if r.getMessage() == f"{what} unavailable, retrying")


# ---------------------------------------------------------------------------- the happy path


async def test_a_ticket_photo_is_read_into_the_users_partition(env: Env) -> None:
    metrics_port = free_port()
    file_id = env.photo(ticket().image)
    job = job_for(file_id)
    event_id = ticket_event_id(job.update_id)
    async with running_app(create_app(env.settings(metrics_port=metrics_port))):
        before = now_ms()
        await env.submit(job)
        message = await env.reading(job.user_id)
        read = TicketRead.model_validate_json(message.body)
        # Acknowledged once the reading is confirmed: the job is gone, not in hand.
        await eventually(lambda: _is(env.ocr_queue_ready(), 0))
        async with httpx.AsyncClient() as client:
            metrics = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
    assert read.status == "read" and read.event_id == event_id == -job.update_id
    assert (read.user_id, read.chat_id, read.language_code) == (job.user_id, job.chat_id, "en")
    expected = ticket().expected
    assert read.fields.name == expected["name"] and read.fields.played_on == expected["played_on"]
    assert (read.fields.buy_in, read.fields.currency) == (expected["buy_in"], expected["currency"])
    headers = message.headers
    assert headers[HEADER_KIND] == KIND_TICKET_READ == "ticket-read"
    assert (headers[HEADER_USER_ID], headers[HEADER_UPDATE_ID]) == (job.user_id, event_id)
    assert isinstance(headers[HEADER_ACCEPTED_AT], int) and before <= headers[HEADER_ACCEPTED_AT] <= now_ms()
    assert message.routing_key == env.topology.routing_key(job.user_id, event_id)
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert (message.content_type, message.message_id) == ("application/json", str(event_id))
    # Fetched as a bot does: getFile, then one download of that file.
    calls = [c for c in env.fake.calls if c["method"] == "getFile"]
    assert [c["params"] for c in calls] == [{"file_id": file_id}]
    assert env.fake.files[file_id].downloads == 1
    assert 'pokertracker_ocr_jobs_total{status="read"} 1.0' in metrics
    assert 'pokertracker_ocr_fields_read_total{field="buy_in"} 1.0' in metrics
    assert await env.ocr_queue_ready() == 0  # not requeued when the service stopped


async def _is(value: Any, expected: Any) -> bool:
    return bool(await value == expected)


async def test_files_that_cannot_be_read_are_answered_at_once(env: Env) -> None:
    broken = env.fake.store_document(b"\xff\xd8 not really a jpeg", "ticket.jpg", "image/jpeg")
    big = env.fake.store_document(b"\xff" * 60_000, "huge.jpg", "image/jpeg")
    jobs = {
        "unknown file_id": (job_for("AgACAgIAAxkBAAI-unknown"), "unavailable"),
        "not an image": (job_for(broken.file_id), "unavailable"),
        "over the size cap": (job_for(big.file_id), "unavailable"),
        "no ticket on it": (job_for(env.photo(scenery())), "unreadable"),
    }
    async with running_app(create_app(env.settings(ocr_max_file_bytes=50_000))):
        for job, _ in jobs.values():
            await env.submit(job)
        reads = {what: TicketRead.model_validate_json((await env.reading(job.user_id)).body)
                 for what, (job, _) in jobs.items()}  # fmt: skip
        await eventually(lambda: _is(env.ocr_queue_ready(), 0))
    assert {what: read.status for what, read in reads.items()} == {what: s for what, (_, s) in jobs.items()}
    assert all(read.fields.model_dump(exclude_none=True) == {} for read in reads.values())
    assert big.downloads == 0  # getFile's file_size was enough to say no


async def test_an_invalid_job_is_dropped_and_the_next_one_runs(env: Env) -> None:
    job = job_for("AgACAgIAAxkBAAI-unknown")
    async with running_app(create_app(env.settings())):
        await env.submit(b"not json at all")
        await env.submit(b'{"user_id": 1}')
        await env.submit(job)
        read = TicketRead.model_validate_json((await env.reading(job.user_id)).body)
        await eventually(lambda: _is(env.ocr_queue_ready(), 0))
    assert read.status == "unavailable"
    assert await env.ocr_queue_ready() == 0


# ---------------------------------------------------------------------------- outages


async def test_a_job_waits_out_a_bot_api_outage(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    port = free_fixed_port()
    relay = TcpRelay(URL(env.telegram_url))  # Telegram unreachable until the relay starts
    job = job_for(env.photo(ticket().image))
    settings = env.settings(telegram_api_url=f"http://127.0.0.1:{port}")
    with production_log_levels():
        async with running_app(create_app(settings)):
            await env.submit(job)
            await eventually(lambda: _true(retries_logged(caplog.records) >= 3), timeout=30)
            # Still in hand: neither acknowledged nor answered.
            assert await env.ocr_queue_ready() == 0
            name = env.topology.partition_queue(partition_of(job.user_id, PARTITIONS)).name
            assert await ready_messages(env.amqp_url, name) == 0
            await relay.start(port)
            try:
                read = TicketRead.model_validate_json((await env.reading(job.user_id)).body)
                await eventually(lambda: _is(env.ocr_queue_ready(), 0))
            finally:
                await relay.cut()
    assert read.status == "read" and read.fields.buy_in == ticket().expected["buy_in"]
    assert leaked(caplog.records, env.token) == []


async def _true(value: bool) -> bool:
    return value


async def test_a_job_waiting_when_the_service_stops_goes_back_to_the_queue(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    job = job_for(env.photo(ticket().image))
    settings = env.settings(telegram_api_url=f"http://127.0.0.1:{free_fixed_port()}")  # nobody there
    app = create_app(settings)
    async with running_app(app):
        await env.submit(job)
        await eventually(lambda: _true(retries_logged(caplog.records) >= 1))
        stopping = time.monotonic()
    # Handed back at once, not held for the graceful timeout (OCR timeout + 15 s).
    assert time.monotonic() - stopping < 10
    assert await env.ocr_queue_ready() == 1
    assert any(r.getMessage() == "ocr job handed back: stopping" for r in caplog.records)


async def test_tesseract_running_over_its_time_is_killed_and_the_ticket_unreadable(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "pid"
    slow = tmp_path / "slow-tesseract"
    slow.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
    slow.chmod(0o755)
    monkeypatch.setattr("services.ocr.app.TesseractEngine", functools.partial(TesseractEngine, command=str(slow)))
    job = job_for(env.photo(ticket().image))
    async with running_app(create_app(env.settings(ocr_timeout_seconds=1))):
        await env.submit(job)
        read = TicketRead.model_validate_json((await env.reading(job.user_id)).body)
    assert read.status == "unreadable"
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed, and reaped


# ---------------------------------------------------------------------------- python -m services.ocr


async def test_python_m_services_ocr_reads_a_job_and_keeps_the_token_out_of_its_logs(env: Env) -> None:
    port = free_fixed_port()
    relay = TcpRelay(URL(env.telegram_url))
    job = job_for(env.photo(ticket().image))
    environ = {
        **os.environ,
        "AMQP_URL": env.amqp_url, "AMQP_NAMESPACE": env.topology.namespace,
        "UPDATE_PARTITIONS": str(PARTITIONS), "BOT_TOKEN": env.token,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{port}", "DEPENDENCY_BACKOFF_MAX_SECONDS": "0.5",
        "LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"ocr-{secrets.token_hex(4)}.log"
    process = await asyncio.to_thread(launch, "ocr", "services.ocr", env=environ, log_path=log_path, own_session=False)
    try:
        def lines() -> list[dict[str, Any]]:
            return [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]

        await eventually(lambda: _true(any(r["msg"] == "ocr ready" for r in lines())), timeout=30)
        await env.submit(job)
        await eventually(lambda: _true(sum(r["msg"] == "bot api unavailable, retrying" for r in lines()) >= 2),
                         timeout=30)  # fmt: skip
        await relay.start(port)
        read = TicketRead.model_validate_json((await env.reading(job.user_id)).body)
        await eventually(lambda: _true(any(r["msg"] == "ocr job done" for r in lines())))
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
    finally:
        if process.running:
            process.kill()
        await relay.cut()
    output = log_path.read_text()
    log_path.unlink()
    assert read.status == "read"
    assert all(r["service"] == "ocr" for r in lines_of(output))
    assert env.token not in output and env.token.partition(":")[2] not in output


def lines_of(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_python_m_services_ocr_refuses_to_start_without_its_language_data(tmp_path: Path) -> None:
    environ = {**os.environ, "AMQP_URL": "amqp://127.0.0.1:1/", "BOT_TOKEN": "1:x", "OCR_LANGUAGES": "rus+xyz"}
    done = subprocess.run([sys.executable, "-m", "services.ocr"], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == "ocr: tesseract has no language data for xyz (apt-get install tesseract-ocr-xyz)"


# ---------------------------------------------------------------------------- the pieces


@dataclass
class ScriptedFiles:
    """A TelegramFiles capped at 1000 bytes against the fake Telegram, which answers getFile
    and then the download (any file path) with these faults first."""

    get_file: Fault
    download_answer: Fault | None = None

    async def download(self, file_id: str) -> bytes:
        token = new_token()
        app = create_fake_telegram(FakeTelegramConfig(token=token))
        async with serving(app, free_port()) as url, open_session(10.0, 4) as http:
            app.state.fake.faults.script("getFile", self.get_file)
            if self.download_answer is not None:
                app.state.fake.faults.script("file", self.download_answer)
            return await TelegramFiles(BotClient(http, url, token, max_attempts=1)).download(file_id, 1000)


def said(**result: Any) -> Fault:
    """getFile answering ``result`` (with the ids), whatever the fake holds."""
    return Fault(status=200, body={"ok": True, "result": {"file_id": "f", "file_unique_id": "u", **result}})


@pytest.mark.parametrize(
    ("get_file_answer", "error", "retry_after"),
    [
        (Fault(status=429, retry_after=3), Unavailable, 3.0),
        (Fault(status=502, raw=b"Bad Gateway", content_type="text/plain"), Unavailable, None),
        (Fault(status=401, description="Unauthorized"), Unavailable, None),
        (Fault(status=404, description="Not Found"), Unavailable, None),
        (Fault(status=200, raw=b"<html>proxy</html>"), Unavailable, None),
        (Fault(status=400, description="Bad Request: invalid file_id"), FileUnavailable, None),
        (said(file_size=30_000_000), FileUnavailable, None),  # Telegram gives no path
        (said(file_path="photos/a.jpg", file_size=1001), FileUnavailable, None),
        (said(file_path="../../etc/passwd"), FileUnavailable, None),
    ],
)  # fmt: skip
async def test_get_file_answers(get_file_answer: Fault, error: type[Exception], retry_after: float | None) -> None:
    with pytest.raises(error) as raised:
        await ScriptedFiles(get_file_answer).download("f")
    if isinstance(raised.value, Unavailable):
        assert raised.value.retry_after == retry_after


@pytest.mark.parametrize(
    ("download_answer", "error"),
    [
        (Fault(status=404, description="Not Found"), FileUnavailable),
        (Fault(status=503, raw=b""), Unavailable),
        (Fault(status=200, raw=b"x" * 1001, content_type="image/jpeg"), FileUnavailable),  # over the cap
        # 10 bytes sent under a Content-Length of 5000: refused for what it says.
        (Fault(status=200, raw=b"x" * 5000, cut_after=10), FileUnavailable),
    ],
)
async def test_download_answers(download_answer: Fault, error: type[Exception]) -> None:
    with pytest.raises(error):
        await ScriptedFiles(said(file_path="photos/a.jpg", file_size=10), download_answer).download("f")


async def test_a_network_error_is_an_outage_and_names_no_url() -> None:
    async with open_session(10.0, 4) as http:  # nothing listens there
        files = TelegramFiles(BotClient(http, f"http://127.0.0.1:{free_port()}", "1:secret", max_attempts=1))
        with pytest.raises(Unavailable) as raised:
            await files.download("f", 1000)
    assert str(raised.value) == "getFile ClientConnectorError: network" and "secret" not in str(raised.value)


async def test_the_engine_refuses_what_is_not_an_image_and_reports_tesseract_failing(tmp_path: Path) -> None:
    engine = TesseractEngine()
    for data in (b"", b"%PDF-1.4 ...", b"\xff\xd8\xff\xe0 truncated jpeg", b"GIF89a"):
        with pytest.raises(NotAnImage):
            await engine.read(data)
    tiny = io.BytesIO()
    Image.new("RGB", (4, 4)).save(tiny, "PNG")
    with pytest.raises(NotAnImage):
        await engine.read(tiny.getvalue())
    failing = tmp_path / "failing-tesseract"
    failing.write_text("#!/bin/sh\necho 'Error opening data file' >&2\nexit 1\n")
    failing.chmod(0o755)
    with pytest.raises(OcrFailed, match="exited with 1: Error opening data file"):
        await TesseractEngine(command=str(failing)).read(ticket().image)
    with pytest.raises(OcrFailed, match="cannot run"):
        await TesseractEngine(command=str(tmp_path / "missing")).read(ticket().image)
    sleeper = tmp_path / "sleepy"
    sleeper.write_text("#!/bin/sh\nexec sleep 30\n")
    sleeper.chmod(0o755)
    with pytest.raises(OcrTimeout):
        await TesseractEngine(command=str(sleeper), timeout=0.5).read(ticket().image)


async def test_a_crash_in_reading_answers_unreadable_instead_of_losing_the_job() -> None:
    async def crash(data: bytes) -> str:
        raise RuntimeError("bug")

    async def download(file_id: str) -> bytes:
        raise AssertionError("not downloaded here")

    publisher: Any = None  # nothing is published here
    runner = JobRunner(publisher, Topology("unused"), OcrMetrics(CollectorRegistry()), download, crash)
    status, fields = await runner._read(b"image", job_for("f"))  # the one place it is decided
    assert (status, fields.model_dump(exclude_none=True)) == ("unreadable", {})


def test_money_in_a_ticket_read_is_exact_json() -> None:
    read = TicketRead(user_id=1, chat_id=1, event_id=-5, status="read",
                      fields={"buy_in": Decimal("100.10"), "fee": Decimal(10)})  # fmt: skip
    body = json.loads(read.model_dump_json())
    assert body["fields"]["buy_in"] == "100.10" and TicketRead.model_validate(body) == read
