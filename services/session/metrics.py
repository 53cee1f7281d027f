"""What the session service counts and times."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.common.metrics import LATENCY_BUCKETS, LIFETIME_BUCKETS, NAMESPACE


class SessionMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        common: dict[str, Any] = {"namespace": NAMESPACE, "subsystem": "session", "registry": registry}
        self.requests = Histogram(
            "request_seconds", "Time to serve a get or a write (with the rest of its batch), by "
            "operation and result",
            ["operation", "result"], buckets=LATENCY_BUCKETS, **common,
        )
        self.in_hand = Gauge(
            "requests_in_hand", "Request messages (batches) taken from RabbitMQ and not yet "
            "answered (at most SESSION_PREFETCH)", **common,
        )
        self.batch_items = Histogram(
            "batch_items", "Gets and writes carried by one request message",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256), **common,
        )
        self.active = Gauge(
            "active", "Sessions not expired (counted every cleanup round)", **common,
        )
        self.lifetime = Histogram(
            "lifetime_seconds", "From a session's start to its last update, observed when it "
            "expires (cleanup) or is restarted after expiry (reset)", ["end"],
            buckets=LIFETIME_BUCKETS, **common,
        )
        self.writes_skipped = Counter(
            "writes_skipped", "Updates whose session did not change and was not written again",
            **common,
        )
        self.cleanup_deleted = Counter(
            "cleanup_deleted", "Rows deleted by the cleanup, by table", ["table"], **common,
        )
        for table in ("bot_sessions", "applied_updates"):
            self.cleanup_deleted.labels(table)
        for end in ("expired", "reset"):
            self.lifetime.labels(end)
