"""What the confirmed publisher and the queue consumer count, per queue or destination.

The hot paths (the gateway's publish, the partitions, the session RPC) are counted by their
services' own metrics instead: these are for the lower-volume queues (dead letters, OCR jobs
and the OCR service's readings).  Each service exports them from its own registry; the
scrape's ``job`` label tells the services apart.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.common.metrics import LATENCY_BUCKETS, NAMESPACE

# How a consumed message was settled.
OUTCOMES = ("acked", "requeued", "rejected")
PUBLISH_STATUSES = ("success", "error")


class MessagingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        common: dict[str, Any] = {"namespace": NAMESPACE, "subsystem": "amqp", "registry": registry}
        self.received = Counter(
            "received_messages", "Messages delivered to a consumer, redeliveries included, by queue",
            ["queue"], **common,
        )
        self.consumed = Counter(
            "consumed_messages", "Messages consumed and settled, by queue and outcome "
            "(acked; requeued: handed back while stopping; rejected: its handling failed)",
            ["queue", "outcome"], **common,
        )
        self.handling_seconds = Histogram(
            "handling_seconds", "From a message's delivery to its settlement, by queue",
            ["queue"], buckets=LATENCY_BUCKETS, **common,
        )
        self.in_hand = Gauge(
            "messages_in_hand", "Messages delivered and not settled yet, by queue", ["queue"],
            **common,
        )
        self.published = Counter(
            "published_messages", "Confirmed publishes, by destination (the exchange, or the "
            "queue for the default exchange) and status (success: confirmed; error: not)",
            ["destination", "status"], **common,
        )
        self.publish_seconds = Histogram(
            "publish_seconds", "From a publish to its confirmation (or failure), by destination",
            ["destination"], buckets=LATENCY_BUCKETS, **common,
        )
