"""``dead-letters list`` and ``dead-letters replay``: the updates handlers gave up on.

Both read the dead-letter queue with basic.get on a channel of their own and hold every
message unacknowledged until they are done; closing that channel puts back whatever was not
acknowledged, in its place.  A message got but not acknowledged is not handed out again to the
same channel, so one pass sees each dead letter once, and a crash of this command loses none.

Replay acknowledges a dead letter only after RabbitMQ confirmed the re-published update into
its partition queue: at worst (the ack lost after the confirm) an update is replayed twice,
never dropped.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
import aiormq.exceptions
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
)

from services.admin.broker import connected
from services.admin.errors import EXIT_OK, AdminError
from services.admin.settings import AdminSettings
from shared.topology import (
    DEAD_LETTER_HEADERS,
    HEADER_DEAD_AT,
    HEADER_DEAD_ATTEMPTS,
    HEADER_DEAD_ERROR,
    HEADER_DEAD_INSTANCE,
    HEADER_DEAD_REASON,
    HEADER_DELIVERY_COUNT,
    HEADER_REPLAYED_AT,
    HEADER_UPDATE_ID,
    HEADER_USER_ID,
    Topology,
    now_ms,
)

GET_TIMEOUT = 10.0
PUBLISH_TIMEOUT = 10.0
TEXT_START = 30  # characters of a message's text shown as its kind


@dataclass(frozen=True)
class DeadLetter:
    update_id: int | None
    user_id: int | None
    reason: str
    attempts: int | None
    dead_at: str  # UTC, ISO 8601 to the second ("...Z"); "" when the header is missing
    instance: str
    error: str
    kind: str

    @classmethod
    def from_message(cls, message: AbstractIncomingMessage) -> DeadLetter:
        headers = message.headers or {}
        body_update_id, kind = describe_update(message.body)
        if HEADER_DEAD_REASON not in headers and (death := _broker_death(headers)) is not None:
            # Dead-lettered by the broker's policy (an update returned DELIVERY_LIMIT times
            # that no replica got to), not by a handler: RabbitMQ's x-death says why.
            reason, at = death
            return cls(
                update_id=_integer(headers.get(HEADER_UPDATE_ID), body_update_id),
                user_id=_integer(headers.get(HEADER_USER_ID)),
                reason=f"broker: {reason}",
                attempts=_integer(headers.get(HEADER_DELIVERY_COUNT)),
                dead_at=at,
                instance="",
                error="",
                kind=kind,
            )
        dead_at = _number(headers.get(HEADER_DEAD_AT))
        return cls(
            update_id=_integer(headers.get(HEADER_UPDATE_ID), body_update_id),
            user_id=_integer(headers.get(HEADER_USER_ID)),
            reason=_text(headers.get(HEADER_DEAD_REASON)),
            attempts=_integer(headers.get(HEADER_DEAD_ATTEMPTS)),
            dead_at=(
                ""
                if dead_at is None
                else datetime.fromtimestamp(dead_at / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            ),
            instance=_text(headers.get(HEADER_DEAD_INSTANCE)),
            error=_text(headers.get(HEADER_DEAD_ERROR)),
            kind=kind,
        )


def _broker_death(headers: dict[str, Any]) -> tuple[str, str] | None:
    """Why and when RabbitMQ dead-lettered a message (its latest ``x-death`` entry)."""
    deaths = headers.get("x-death")
    if not isinstance(deaths, list) or not deaths or not isinstance(deaths[0], dict):
        return None
    latest = deaths[0]
    at = latest.get("time")
    when = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(at, datetime) else ""
    return _text(latest.get("reason")), when


def _integer(value: Any, default: int | None = None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def describe_update(body: bytes) -> tuple[int | None, str]:
    """The update id in the body and a few words on what the update is, for a human."""
    try:
        update = json.loads(body)
    except ValueError:  # includes UnicodeDecodeError
        return None, "(not JSON)"
    if not isinstance(update, dict):
        return None, "(not an update)"
    update_id = _integer(update.get("update_id"))
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        if key == "callback_query":
            return update_id, f"callback: {_clip(_text(value.get('data')), TEXT_START)}"
        text = value.get("text")
        if isinstance(text, str):
            return update_id, f"{key}: {_clip(text, TEXT_START)}"
        return update_id, key
    return update_id, "(empty update)"


def _clip(text: str, width: int) -> str:
    """One line of at most ``width`` characters, control characters (escapes!) made blanks."""
    text = "".join(" " if not c.isprintable() else c for c in text)
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


@asynccontextmanager
async def held_dead_letters(
    connection: AbstractConnection, topology: Topology
) -> AsyncIterator[list[AbstractIncomingMessage]]:
    """Every dead letter, unacknowledged; those not acked inside the block go back on exit."""
    spec = topology.dead_letters_queue
    channel = await connection.channel(publisher_confirms=False)
    try:
        # Declared like the handler does, so the command works before any handler ran.
        queue = await channel.declare_queue(spec.name, durable=spec.durable, arguments=spec.arguments)
        messages: list[AbstractIncomingMessage] = []
        while (message := await queue.get(no_ack=False, fail=False, timeout=GET_TIMEOUT)) is not None:
            messages.append(message)
        yield messages
    finally:
        await channel.close()  # requeues every message not acked


def list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


async def list_command(settings: AdminSettings, args: argparse.Namespace) -> int:
    async with connected(settings) as connection:
        async with held_dead_letters(connection, settings.topology()) as messages:
            letters = [DeadLetter.from_message(m) for m in messages]
    if not letters:
        # With --json stdout stays empty: zero lines is zero dead letters.
        print("no dead letters", file=sys.stderr if args.json else sys.stdout)
    elif args.json:
        for letter in letters:
            print(json.dumps(asdict(letter)))
    else:
        width = shutil.get_terminal_size((120, 24)).columns
        print("\n".join(render_table(letters, width)))
        print(f"{len(letters)} dead letter{'s' if len(letters) != 1 else ''}, all left in the queue")
    return EXIT_OK


COLUMNS = ("update_id", "user_id", "reason", "attempts", "dead_at", "instance", "kind", "error")
MAX_WIDTH = {"instance": 24, "kind": 28}
MIN_ERROR_WIDTH = 30  # on a narrow terminal the line wraps rather than hide the error


def render_table(letters: Iterable[DeadLetter], width: int) -> list[str]:
    """Aligned columns; the error is last and gets what is left of the terminal's width."""
    rows = [
        {name: _clip(_text(value), MAX_WIDTH.get(name, 10**6)) for name, value in asdict(letter).items()}
        for letter in letters
    ]
    widths = {name: max(len(name), *(len(row[name]) for row in rows)) for name in COLUMNS[:-1]}
    used = sum(widths.values()) + 2 * len(widths)
    widths["error"] = max(width - used, MIN_ERROR_WIDTH)
    lines = []
    for row in [{name: name.upper() for name in COLUMNS}, *rows]:
        cells = [_clip(row[name], widths[name]).ljust(widths[name]) for name in COLUMNS]
        lines.append("  ".join(cells).rstrip())
    return lines


def replay_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="replay every dead letter")
    which.add_argument(
        "update_ids", metavar="UPDATE_ID", type=int, nargs="*", default=[], help="the updates to replay"
    )


async def replay_command(settings: AdminSettings, args: argparse.Namespace) -> int:
    wanted: set[int] | None = None if args.all else set(args.update_ids)
    topology = settings.topology()
    found: set[int] = set()
    replayed = without_id = 0
    failure = ""
    async with connected(settings) as connection:
        # Confirms and returns: "published" means "in a partition queue", or we learn it is not.
        publish_channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await updates_exchange(publish_channel, topology)
        async with held_dead_letters(connection, topology) as messages:
            for message in messages:
                letter = DeadLetter.from_message(message)
                if letter.update_id is None:  # no header, no JSON: nowhere to route it
                    without_id += 1
                    continue
                if wanted is not None and letter.update_id not in wanted:
                    continue
                found.add(letter.update_id)
                try:
                    await republish(exchange, topology, message, letter.update_id, letter.user_id)
                except Exception as exc:  # reported below, the letter stays
                    failure = (
                        f"update {letter.update_id} was not replayed and stays in the dead letters: "
                        f"{publish_failure(exc, topology)}"
                    )
                    break
                await message.ack()
                replayed += 1
            total = len(messages)
    print(f"replayed {replayed} of {total} dead letter{'s' if total != 1 else ''}")
    if failure:
        raise AdminError(failure + "; the rest were left as they were")
    problems = []
    if wanted is not None and (missing := sorted(wanted - found)):
        problems.append("not found in the dead letters: " + " ".join(map(str, missing)))
    if wanted is None and without_id:
        problems.append(f"{without_id} dead letter(s) without an update id left in the queue")
    if problems:
        raise AdminError("; ".join(problems))
    return EXIT_OK


async def updates_exchange(channel: AbstractChannel, topology: Topology) -> AbstractExchange:
    """The existing updates exchange (passive: declaring it here would bind no queue to it)."""
    name = topology.updates_exchange.name
    try:
        return await channel.get_exchange(name, ensure=True)
    except aiormq.exceptions.ChannelNotFoundEntity:
        raise AdminError(
            f"exchange {name!r} does not exist: start the gateway or a handler first, "
            "or check AMQP_NAMESPACE"
        ) from None


async def republish(
    exchange: AbstractExchange,
    topology: Topology,
    dead: AbstractIncomingMessage,
    update_id: int,
    user_id: int | None,
) -> None:
    """The update as the gateway published it, to the partition its sender belongs to now."""
    headers = {k: v for k, v in (dead.headers or {}).items() if k not in DEAD_LETTER_HEADERS}
    headers[HEADER_REPLAYED_AT] = now_ms()
    message = aio_pika.Message(
        dead.body,
        headers=headers,
        content_type=dead.content_type or "application/json",
        message_id=dead.message_id or str(update_id),
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )
    await exchange.publish(
        message,
        routing_key=topology.routing_key(user_id, update_id),
        mandatory=True,
        timeout=PUBLISH_TIMEOUT,
    )


def publish_failure(exc: BaseException, topology: Topology) -> str:
    if isinstance(exc, aio_pika.exceptions.PublishError):
        return (
            f"unroutable: no queue is bound to {topology.updates_exchange.name!r} for its partition "
            f"(is UPDATE_PARTITIONS={topology.partitions} the services' value?)"
        )
    if isinstance(exc, aiormq.exceptions.DeliveryError):
        return "RabbitMQ refused it (nack)"
    if isinstance(exc, TimeoutError):
        return f"no confirm from RabbitMQ within {PUBLISH_TIMEOUT:g}s (it may have arrived anyway)"
    return f"{type(exc).__name__}: {exc}"
