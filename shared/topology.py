"""Names and arguments of every exchange and queue the services share.

Every service builds one ``Topology`` from its ``AMQP_NAMESPACE`` and ``UPDATE_PARTITIONS``
settings, so several stacks (or test runs) can share one RabbitMQ without seeing each other's
messages.  The declaration arguments live here, and only here, because RabbitMQ refuses a
re-declaration whose arguments differ: the gateway and the handler both declare the update
partitions and must agree.

Updates are split into ``partitions`` queues by a stable hash of the sender's user id, so one
user's updates always land in the same queue, in the order the gateway published them.  Each
partition queue is single-active-consumer, so exactly one handler replica at a time consumes
it; inside that replica a user's updates run one after another in a lane of their own (see
docs/reliability.md).

Every queue is a quorum queue: replicated over the nodes of a RabbitMQ cluster, so losing a
node loses no queue and no message.  What the broker can take as a policy (delivery limit,
dead-lettering, maximum length, leader placement) is a policy (services/admin/broker_policies.py);
the queue type and single-active-consumer can only be declaration arguments, so they are here.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Literal

from pamqp.common import FieldTable

# Headers the gateway sets on every published update (see docs/architecture.md).
HEADER_UPDATE_ID = "x-update-id"
HEADER_USER_ID = "x-user-id"  # absent for updates without a sender (channel posts)
# Times are integer milliseconds since the epoch: AMQP tables carry a Python float as a 32-bit
# float (pamqp), which rounds today's unix time to a multiple of 128 seconds.
HEADER_ACCEPTED_AT = "x-accepted-at-ms"  # when the gateway accepted it
# What a partition message is: absent for a Telegram update; "ticket-read" for the OCR
# service's reading of a ticket photo (shared.ocr_api), which joins the user's partition;
# "reminder" for a result reminder that fell due (shared.reminder_api).
HEADER_KIND = "x-kind"

# Headers a handler adds when it moves an update to the dead-letter queue.
HEADER_DEAD_REASON = "x-dead-reason"  # "failed" (raised every try), "redelivered", "invalid"
HEADER_DEAD_ATTEMPTS = "x-dead-attempts"  # how many times it was tried
HEADER_DEAD_ERROR = "x-dead-error"  # the last error, one line, at most 500 characters
HEADER_DEAD_AT = "x-dead-at-ms"  # when it was dead-lettered
HEADER_DEAD_INSTANCE = "x-dead-instance"  # the replica that gave up on it
HEADER_REPLAYED_AT = "x-replayed-at-ms"  # set on an update published again from the dead letters
DEAD_LETTER_HEADERS = (
    HEADER_DEAD_REASON,
    HEADER_DEAD_ATTEMPTS,
    HEADER_DEAD_ERROR,
    HEADER_DEAD_AT,
    HEADER_DEAD_INSTANCE,
)

DEFAULT_PARTITIONS = 64

# Set by a quorum queue on a message it delivers again: how many times it was returned
# unacknowledged before (a consumer died, a channel closed, a partition was handed over).
HEADER_DELIVERY_COUNT = "x-delivery-count"

QUORUM: FieldTable = {"x-queue-type": "quorum"}


@dataclass(frozen=True)
class Queue:
    """A queue as every service declares it: the same name, durability and arguments."""

    name: str
    durable: bool = True
    arguments: FieldTable = field(default_factory=dict)


@dataclass(frozen=True)
class Exchange:
    name: str
    type: Literal["direct", "fanout", "topic", "headers"] = "direct"
    durable: bool = True


def now_ms() -> int:
    """The current time for a header: integer milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def partition_of(key: int, partitions: int) -> int:
    """The partition of a user id: a stable hash, the same in every process and release."""
    digest = hashlib.blake2b(str(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % partitions


@dataclass(frozen=True)
class Topology:
    namespace: str = "pokertracker"
    partitions: int = DEFAULT_PARTITIONS

    def __post_init__(self) -> None:
        if not 1 <= self.partitions <= 1024:
            raise ValueError("partitions must be between 1 and 1024")

    @property
    def updates_exchange(self) -> Exchange:
        """Where the gateway and the OCR service publish partition messages, by partition key."""
        return Exchange(f"{self.namespace}.updates", type="direct")

    def partition_queue(self, index: int) -> Queue:
        """Partition ``index``, bound to the updates exchange by ``partition_key(index)``."""
        if not 0 <= index < self.partitions:
            raise ValueError(f"no partition {index} of {self.partitions}")
        return Queue(
            f"{self.namespace}.updates.p{index:03d}",
            arguments={**QUORUM, "x-single-active-consumer": True},
        )

    @property
    def partition_queues(self) -> list[Queue]:
        return [self.partition_queue(i) for i in range(self.partitions)]

    @staticmethod
    def partition_key(index: int) -> str:
        return f"p{index}"

    def routing_key(self, user_id: int | None, update_id: int) -> str:
        """Where an update goes: by its sender, or by its own id when it has none."""
        key = user_id if user_id is not None else update_id
        return self.partition_key(partition_of(key, self.partitions))

    @property
    def dead_letters_queue(self) -> Queue:
        """Updates that failed every try; listed and replayed with the admin command."""
        return Queue(f"{self.namespace}.dead-letters", arguments=QUORUM)

    @property
    def ocr_queue(self) -> Queue:
        """Ticket photos waiting for OCR (shared.ocr_api.OcrJob), consumed by the OCR service."""
        return Queue(f"{self.namespace}.ocr", arguments=QUORUM)

    @property
    def session_requests_queue(self) -> Queue:
        """Batches of session gets and writes (shared.session_api.SessionBatch)."""
        return Queue(f"{self.namespace}.session.requests", arguments=QUORUM)
