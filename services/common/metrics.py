"""Prometheus metrics: one registry per app (so tests can build many apps in one process),
served over HTTP on ``METRICS_PORT`` by prometheus-client's own small server."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, start_http_server

log = logging.getLogger(__name__)

NAMESPACE = "pokertracker"

# Seconds, from a fast database round trip to a long outage waited out.
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
)
# Session lifetimes: minutes to days.
LIFETIME_BUCKETS = (60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 12 * 3600.0, 86400.0, 3 * 86400.0, 7 * 86400.0)


@contextlib.contextmanager
def serving_metrics(registry: CollectorRegistry, host: str, port: int | None) -> Iterator[None]:
    """Serve ``registry`` at ``http://host:port/metrics`` while inside; no port, no server."""
    if port is None:
        yield
        return
    server, thread = start_http_server(port, addr=host, registry=registry)
    log.info("metrics served", extra={"port": port})
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
