"""What the gateway counts."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from services.common.metrics import NAMESPACE

# Rejections by HTTP status, named for dashboards.
REJECTION_REASONS = {
    400: "bad_request",
    401: "missing_secret",
    403: "wrong_secret",
    413: "too_large",
    503: "broker_unavailable",
}
# Updates over their sender's flood limit: answered 200 but not queued (see flood.py).
THROTTLED = "throttled"


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.accepted = Counter(
            "updates_accepted", "Updates queued in RabbitMQ and answered 200",
            namespace=NAMESPACE, subsystem="gateway", registry=registry,
        )
        self.rejected = Counter(
            "updates_rejected", "Webhook requests refused, by reason",
            ["reason"], namespace=NAMESPACE, subsystem="gateway", registry=registry,
        )
        for reason in (*REJECTION_REASONS.values(), THROTTLED):
            self.rejected.labels(reason)  # every series exists from the start, at 0

    def reject(self, status: int) -> None:
        self.rejected.labels(REJECTION_REASONS.get(status, str(status))).inc()

    def throttle(self) -> None:
        self.rejected.labels(THROTTLED).inc()
