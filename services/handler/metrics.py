"""What a handler replica counts and times."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.common.metrics import LATENCY_BUCKETS, NAMESPACE

# telegram.Incoming.kind
KINDS = ("command", "text", "callback", "photo", "document", "ticket", "unsupported", "inline", "reminder")


class HandlerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        # Here, not at the top: the pipeline's modules import this one.
        from services.handler.pipeline.outcome import DeadLetterReason, Outcome

        common: dict[str, Any] = {"namespace": NAMESPACE, "subsystem": "handler", "registry": registry}
        self.processed = Counter(
            "updates_processed", "Updates finished and acknowledged, by kind and outcome "
            "(applied, or duplicate: already applied before)", ["kind", "outcome"], **common,
        )
        self.failed = Counter(
            "updates_failed", "Tries of an update that raised (not dependency outages), by kind",
            ["kind"], **common,
        )
        self.dead_letters = Counter(
            "dead_letters", "Updates moved to the dead-letter queue, by reason", ["reason"], **common,
        )
        self.latency = Histogram(
            "update_latency_seconds", "From the gateway accepting an update to its acknowledgement",
            buckets=LATENCY_BUCKETS, **common,
        )
        self.processing = Histogram(
            "update_processing_seconds", "Time one update is in hand, by kind",
            ["kind"], buckets=LATENCY_BUCKETS, **common,
        )
        self.session_rpc = Histogram(
            "session_rpc_seconds", "Time a session get or write waits for its outcome (in a "
            "batch with others), by operation", ["operation"], buckets=LATENCY_BUCKETS, **common,
        )
        self.session_batch_items = Histogram(
            "session_batch_items", "Session gets and writes sent in one request message",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256), **common,
        )
        self.dependency_retries = Counter(
            "dependency_retries", "Retries while a dependency was unavailable", **common,
        )
        self.bot_api_calls = Counter(
            "bot_api_calls", "Bot API requests sent, by method", ["method"], **common,
        )
        self.bot_api_errors = Counter(
            "bot_api_errors", "Bot API requests that failed, by method and status "
            "(network for no answer)", ["method", "status"], **common,
        )
        self.bot_api_rate_limited = Counter(
            "bot_api_rate_limited", "429 answers of the Bot API, by method", ["method"], **common,
        )
        self.reminders_published = Counter(
            "reminders_published", "Result reminders published into the players' partitions "
            "(confirmed; one published again after a crash counts again)", **common,
        )
        self.partitions_owned = Gauge(
            "partitions_owned", "Update partitions this replica consumes", **common,
        )
        for kind in KINDS:
            for outcome in Outcome:
                self.processed.labels(kind, outcome.value)
            self.failed.labels(kind)
        for reason in DeadLetterReason:
            self.dead_letters.labels(reason.value)
