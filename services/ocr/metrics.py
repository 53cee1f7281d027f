"""What the OCR service counts and times."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from services.common.metrics import LATENCY_BUCKETS, NAMESPACE
from shared.ocr_api import TicketFields

STATUSES = ("read", "unreadable", "unavailable")
# Seconds: tesseract takes about half a second to a few seconds per photo.
OCR_BUCKETS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0)
DOWNLOAD_ERRORS = ("network", "rate_limited", "server_error", "unauthorized", "refused", "too_big", "bad_answer")


class OcrMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        common: dict[str, Any] = {"namespace": NAMESPACE, "subsystem": "ocr", "registry": registry}
        self.jobs = Counter(
            "jobs", "Jobs finished (their TicketRead published), by status", ["status"], **common,
        )
        self.ocr_seconds = Histogram(
            "seconds", "Preprocessing and tesseract time of one image", buckets=OCR_BUCKETS,
            **common,
        )
        self.job_seconds = Histogram(
            "job_seconds", "From a job's delivery to its TicketRead being confirmed, outages "
            "waited out included", buckets=LATENCY_BUCKETS, **common,
        )
        self.download_errors = Counter(
            "download_errors", "Failed getFile or file download attempts, by reason "
            "(network, rate_limited, server_error and unauthorized are retried)",
            ["reason"], **common,
        )
        self.fields_read = Counter(
            "fields_read", "Fields found on the tickets read, by field", ["field"], **common,
        )
        self.publish_retries = Counter(
            "publish_retries", "TicketRead publishes RabbitMQ did not confirm, retried", **common,
        )
        for status in STATUSES:
            self.jobs.labels(status)
        for reason in DOWNLOAD_ERRORS:
            self.download_errors.labels(reason)
        for name in TicketFields.model_fields:
            self.fields_read.labels(name)
